/**
 * Real PowerShell 7 for the tests that run what the action emits (issue 6).
 *
 * pwsh is found through `PWSH` (a path), then PATH, then `~/.dotnet/tools/pwsh` (where
 * `scripts/install-pwsh.sh` puts it). Suites wrapped in {@link describeIfPwsh} skip with a
 * visible reason when it is missing, and fail instead when `CI=true` or
 * `EXO_CBA_REQUIRE_PWSH=1`: in CI these tests are the only proof the script works.
 */
import { describe, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const EXECUTABLE_NAMES = process.platform === 'win32' ? ['pwsh.exe', 'pwsh.cmd', 'pwsh'] : ['pwsh']

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The pwsh executable to use, or undefined when there is none. */
export function findPwsh(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  if (env.PWSH) {
    // An explicit choice that does not work is an error, not a reason to look elsewhere.
    if (!isExecutableFile(env.PWSH)) throw new Error(`PWSH=${env.PWSH} is not an executable file`)
    return resolve(env.PWSH)
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of EXECUTABLE_NAMES) {
      const candidate = join(dir, name)
      if (isExecutableFile(candidate)) return candidate
    }
  }
  for (const name of EXECUTABLE_NAMES) {
    const candidate = join(home, '.dotnet', 'tools', name)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}

/** Whether a missing pwsh must fail the run rather than skip. */
export function pwshRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.EXO_CBA_REQUIRE_PWSH === '1'
}

export const PWSH_MISSING_REASON = 'skipped: pwsh not found — run scripts/install-pwsh.sh'
export const MSAL_MISSING_REASON = 'skipped: MSAL.NET not restored — run scripts/restore-msal.sh'

const pwshPath = findPwsh()

export interface PwshSuiteNeeds {
  /** The suite also needs MSAL.NET (scripts/restore-msal.sh), for the signing-in test double. */
  msal?: boolean
}

/**
 * `describe` for suites that need pwsh (and optionally MSAL.NET). When something is missing:
 * skipped with the reason in the suite name and a warning, or, when these tests are
 * required (CI), a suite with one failing test saying what to run.
 */
export function describeIfPwsh(name: string, body: (pwsh: string) => void, needs: PwshSuiteNeeds = {}): void {
  const missing: Array<{ what: string; reason: string; fix: string }> = []
  if (!pwshPath) {
    missing.push({ what: 'PowerShell 7 (pwsh: PWSH, PATH, ~/.dotnet/tools/pwsh)', reason: PWSH_MISSING_REASON, fix: 'scripts/install-pwsh.sh' })
  }
  if (needs.msal && !msalRestored()) {
    missing.push({ what: `MSAL.NET (${msalDir()})`, reason: MSAL_MISSING_REASON, fix: 'scripts/restore-msal.sh' })
  }
  if (missing.length === 0) {
    describe(name, () => body(pwshPath!))
  } else if (pwshRequired()) {
    describe(name, () => {
      it(`needs ${missing.map((m) => m.what).join(' and ')}`, () => {
        throw new Error(
          `${missing.map((m) => m.what).join(' and ')} not found, and these tests are mandatory here ` +
            `(CI=true or EXO_CBA_REQUIRE_PWSH=1). Run ${missing.map((m) => m.fix).join(' and ')}.`
        )
      })
    })
  } else {
    const reason = missing.map((m) => m.reason).join('; ')
    console.warn(`${name}: ${reason}`)
    describe.skip(`${name} (${reason})`, () => body(pwshPath ?? 'pwsh'))
  }
}

export interface PwshResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunPwshOptions {
  /** The child's whole environment (defaults to this process's). */
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Sent to stdin, which is closed afterwards either way. */
  input?: string
}

/**
 * Runs a script file in a fresh, profile-less, non-interactive pwsh and collects its output.
 * Non-zero exits are returned, not thrown: tests assert on failures too.
 */
export function runPwshFile(pwsh: string, scriptPath: string, args: string[] = [], options: RunPwshOptions = {}): Promise<PwshResult> {
  return runPwsh(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', scriptPath, ...args], options)
}

export function runPwsh(pwsh: string, args: string[], options: RunPwshOptions = {}): Promise<PwshResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(pwsh, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      resolvePromise({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8')
      })
    )
    child.stdin.end(options.input ?? '')
  })
}

/** The folder holding the test double of ExchangeOnlineManagement, for PSModulePath. */
export const SHIM_MODULES_DIR = fileURLToPath(new URL('../../__fixtures__/powershell', import.meta.url))

/** Where scripts/restore-msal.sh puts MSAL.NET, unless EXO_CBA_MSAL_DIR says otherwise. */
export function msalDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EXO_CBA_MSAL_DIR ?? fileURLToPath(new URL('../../node_modules/.cache/exo-cba-msal/lib', import.meta.url))
}

export function msalRestored(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(join(msalDir(env), 'Microsoft.Identity.Client.dll'))
}
