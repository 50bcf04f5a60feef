/**
 * The bundled action (dist/) as the end-to-end tests run it. Other engineers rebundle
 * dist/ while tests run (the bundler empties the folder first), so each test file runs a
 * private copy taken once: the same bytes, without the race. Each run's job folder
 * (RUNNER_TEMP, the file commands with the outputs) lives under the same private folder,
 * so `cleanup()` leaves no PFX or password behind in /tmp.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectRoot, runAction, type ActionRun, type RunOptions } from '../../scripts/lib/local-runner.js'

export class BundledAction {
  /** The private folder: the copy of dist/ and every run's job folder. */
  readonly root = mkdtempSync(join(tmpdir(), 'exo-cba-e2e-'))
  private readonly dir = join(this.root, 'dist')

  constructor() {
    // EXO_CBA_TEST_DIST runs the tests against another bundle, e.g. an earlier commit's
    // dist/, to show that a new test fails without the change it comes with.
    const dist = process.env.EXO_CBA_TEST_DIST ?? join(projectRoot, 'dist')
    for (const entry of ['index.js', 'cleanup.js', 'package.json']) {
      if (!existsSync(join(dist, entry))) {
        throw new Error(`dist/${entry} is missing: bundle the action first (node scripts/bundle.mjs).`)
      }
    }
    cpSync(dist, this.dir, { recursive: true })
  }

  /** runAction on the copy: main step, then (unless skipPost) the post step. */
  run(options: RunOptions = {}): Promise<ActionRun> {
    return runAction({
      entry: join(this.dir, 'index.js'),
      postEntry: join(this.dir, 'cleanup.js'),
      jobDir: mkdtempSync(join(this.root, 'job-')),
      ...options
    })
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true })
  }
}

/** stdout lines of a step. */
export function lines(stdout: string): string[] {
  return stdout.split(/\r?\n/)
}

/**
 * Checks that `secret` is registered with ::add-mask:: before any other line of the step's
 * stdout: the runner masks only lines printed after the registration.
 * Returns a description of the problem, or undefined.
 */
export function maskedTooLate(stdout: string, secret: string): string | undefined {
  const all = lines(stdout)
  const maskAt = all.indexOf(`::add-mask::${escapeCommandData(secret)}`)
  if (maskAt < 0) return 'never registered with ::add-mask::'
  const firstOther = all.findIndex(line => line !== '' && !line.startsWith('::add-mask::'))
  if (firstOther >= 0 && firstOther < maskAt) return `registered on line ${maskAt + 1}, after ${JSON.stringify(all[firstOther].slice(0, 60))}`
  return undefined
}

/** How @actions/core escapes command data (the runner reverses it). */
export function escapeCommandData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}
