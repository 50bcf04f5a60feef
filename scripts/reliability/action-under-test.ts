/**
 * The bundled action as the reliability suite runs it: a private copy of dist/ (others
 * rebundle while the suite runs), each run in its own job folder, and a way to SIGKILL
 * the main step at an exact point: right after the emulator answered its Nth write.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator, LoggedRequest } from '../../emulator/index.js'
import { projectRoot, runAction, type ActionRun } from '../lib/local-runner.js'

export interface SuiteRunOptions {
  inputs: Record<string, string>
  env: Record<string, string>
  /**
   * Kill the main step (SIGKILL) right after the emulator answered this write (1-based),
   * counting only the writes to `service` when it is given.
   */
  killAfterWrite?: { emulator: Emulator; write: number; service?: 'graph' | 'github' }
  skipPost?: boolean
}

export interface SuiteRun extends ActionRun {
  /** Set when the run was killed at a chosen write: which one it was. */
  killedAfter?: LoggedRequest
}

/**
 * A write that changes state: every non-GET request except the `$batch` envelope (its
 * steps are logged one by one) and except sign-ins (logged as reads). Answers the
 * emulator made up (faults, resets) changed nothing, so they do not count.
 */
export function isStateWrite(entry: LoggedRequest): boolean {
  return entry.kind === 'write' && !/^\/v1\.0\/\$batch/.test(entry.path) && entry.fault === undefined && entry.status >= 200 && entry.status < 300
}

export class ActionUnderTest {
  readonly root = mkdtempSync(join(tmpdir(), 'exo-cba-reliability-'))
  private readonly dist = join(this.root, 'dist')
  private readonly pidEntry = join(projectRoot, 'scripts', 'reliability', 'pid-entry.mjs')

  constructor() {
    for (const entry of ['index.js', 'cleanup.js', 'package.json']) {
      if (!existsSync(join(projectRoot, 'dist', entry))) {
        throw new Error(`dist/${entry} is missing: bundle the action first (node scripts/bundle.mjs).`)
      }
    }
    cpSync(join(projectRoot, 'dist'), this.dist, { recursive: true })
  }

  async run(options: SuiteRunOptions): Promise<SuiteRun> {
    const jobDir = mkdtempSync(join(this.root, 'job-'))
    const pidFile = join(jobDir, 'main.pid')
    let killedAfter: LoggedRequest | undefined
    let stopListening = (): void => undefined
    if (options.killAfterWrite !== undefined) {
      const { emulator, write, service } = options.killAfterWrite
      let writes = 0
      let fired = false
      stopListening = emulator.log.onRecord(entry => {
        if (fired || !isStateWrite(entry) || (service !== undefined && entry.service !== service)) return
        if (++writes < write) return
        fired = true
        killedAfter = entry
        // In the same tick the answer is written: the action is gone before it can act on
        // the answer (record anything, send the next request), the worst case for a rerun.
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL')
        } catch {
          // Already exited: nothing to kill, and the scenario reports no crash point.
          killedAfter = undefined
        }
      })
    }
    try {
      const run = await runAction({
        inputs: options.inputs,
        env: { ...options.env, RELIABILITY_PID_FILE: pidFile, RELIABILITY_ENTRY: join(this.dist, 'index.js') },
        entry: this.pidEntry,
        postEntry: join(this.dist, 'cleanup.js'),
        jobDir,
        skipPost: options.skipPost
      })
      return { ...run, killedAfter }
    } finally {
      stopListening()
    }
  }

  /** Runs the post step alone (after a run with skipPost), with the state the main step saved. */
  async post(run: ActionRun, env: Record<string, string>): Promise<void> {
    const { spawn } = await import('node:child_process')
    const stateEnv = Object.fromEntries(Object.entries(run.state).map(([name, value]) => [`STATE_${name}`, value]))
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(this.dist, 'cleanup.js')], {
        env: { PATH: process.env.PATH ?? '', RUNNER_TEMP: run.runnerTemp, GITHUB_ACTIONS: 'true', ...env, ...stateEnv },
        stdio: 'ignore'
      })
      child.on('error', reject)
      child.on('close', () => resolve())
    })
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true })
  }
}
