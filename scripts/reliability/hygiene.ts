/**
 * Secret hygiene, checked on every run of the suite: no secret where a person or another
 * job can read it (stdout outside `::add-mask::`, stderr, the job summary, GITHUB_ENV, an
 * output that was not masked first, the connect script), and nothing left in RUNNER_TEMP
 * after the post step.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { readPfx } from '../../src/certificate/index.js'
import { findLeaks, type ActionRun } from '../lib/local-runner.js'
import { storedSecrets } from './end-state.js'

/** Collects every secret the suite has seen, so each run is checked against all of them. */
export class SecretBook {
  private readonly values = new Set<string>()

  constructor(emulator: Emulator, env: Record<string, string>) {
    this.add(emulator.provisioning.clientSecret)
    this.add(GITHUB_SEED.adminToken, GITHUB_SEED.repositoryToken)
    this.add(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '')
  }

  add(...values: string[]): void {
    for (const value of values) if (value.trim().length >= 8) this.values.add(value)
  }

  /** A PFX and its password, plus the private key inside it (as its PEM lines). */
  addPfx(pfxBase64: string, password: string): void {
    if (pfxBase64 === '') return
    this.add(pfxBase64, password)
    try {
      const held = readPfx(pfxBase64, password)
      this.add(...held.privateKeyPem.split(/\r?\n/).filter(line => line.length >= 32 && !line.startsWith('-----')))
    } catch {
      // A mismatched pair (a finding of its own, reported by the end-state check).
    }
  }

  /** The secrets stored in the emulated repository right now, and the run's PFX outputs. */
  learn(emulator: Emulator, run?: ActionRun): void {
    const stored = storedSecrets(emulator)
    this.addPfx(stored.CERT_PFX_BASE64, stored.CERT_PASSWORD)
    if (run !== undefined) this.addPfx(run.outputs['pfx-base64'] ?? '', run.outputs['pfx-password'] ?? '')
  }

  list(): string[] {
    return [...this.values]
  }
}

/** Every hygiene problem of one finished run (main and post step). */
export function hygieneProblems(run: ActionRun, book: SecretBook): string[] {
  const secrets = book.list()
  const problems = findLeaks(run, secrets)
  // `::add-mask::` lines are the runner's masking commands, never shown in the log.
  const readable = [run.main.stdout, run.main.stderr, run.post?.stdout ?? '', run.post?.stderr ?? '', run.summary]
    .join('\n')
    .split(/\r?\n/)
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
  // A block with key material after it (an error message may name the header as advice).
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]{16}/.test(readable)) problems.push('a PEM private key block appears in the log or summary')
  for (const [name, value] of Object.entries(run.outputs)) {
    for (const secret of secrets) {
      if (value.includes(secret) && !run.main.masks.includes(secret) && !run.main.masks.includes(value)) {
        problems.push(`output ${name} carries a secret that was never masked`)
      }
    }
  }
  // The post step gets GITHUB_STATE back as STATE_* variables: paths and the lease record, never a secret.
  const state = JSON.stringify(run.state)
  for (const secret of secrets) if (state.includes(secret)) problems.push('the saved state (GITHUB_STATE) carries a secret')
  const script = run.outputs['connect-script']
  if (script !== undefined && existsSync(script)) {
    const text = readFileSync(script, 'utf8')
    const password = run.outputs['pfx-password']
    if (password !== undefined && password !== '' && text.includes(password)) problems.push('the connect script contains the PFX password')
  }
  if (run.post !== undefined) {
    for (const file of filesUnder(run.runnerTemp)) problems.push(`${file} is left in RUNNER_TEMP after the post step`)
  }
  return problems
}

/** Mode problems of the files with secrets (checked on a run whose post step has not run yet). */
export function fileModeProblems(run: ActionRun): string[] {
  const problems: string[] = []
  for (const output of ['pfx-path', 'connect-script']) {
    const path = run.outputs[output]
    if (path === undefined || path === '') {
      problems.push(`output ${output} is not set`)
      continue
    }
    if (!existsSync(path)) {
      problems.push(`${output} ${path} does not exist`)
      continue
    }
    const mode = statSync(path).mode & 0o777
    if (mode !== 0o600) problems.push(`${output} was created with mode 0${mode.toString(8)} (expected 0600)`)
  }
  // The password sits beside the PFX in a folder of its own.
  const pfxPath = run.outputs['pfx-path']
  if (pfxPath !== undefined && existsSync(pfxPath)) {
    const passwordPath = `${pfxPath}.password`
    if (!existsSync(passwordPath)) problems.push('the PFX password file is not beside the PFX')
    else if ((statSync(passwordPath).mode & 0o777) !== 0o600) problems.push(`the PFX password file has mode 0${(statSync(passwordPath).mode & 0o777).toString(8)} (expected 0600)`)
    const folderMode = statSync(dirname(pfxPath)).mode & 0o777
    if (folderMode !== 0o700) problems.push(`the folder of the PFX has mode 0${folderMode.toString(8)} (expected 0700)`)
  }
  return problems
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...filesUnder(path))
    else files.push(path)
  }
  return files
}
