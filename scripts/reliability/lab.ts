/**
 * One scenario's world: a fresh emulated tenant and repository, the action under test,
 * and the bookkeeping every scenario reports (runs, faults, writes, hygiene).
 */
import { generateCertificate } from '../../src/certificate/index.js'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js'
import { emulatorEnv, inputsFromStoredSecrets, provisionInputs, repositorySecretInputs } from '../lib/emulated-run.js'
import type { ActionUnderTest, SuiteRun } from './action-under-test.js'
import { isStateWrite } from './action-under-test.js'
import { appsNamed, endStateProblems, type Expectation } from './end-state.js'
import { hygieneProblems, SecretBook } from './hygiene.js'
import { DEFAULT_APP_NAME, EXCHANGE_ADMINISTRATOR } from './known-ids.js'

export interface RunRequest {
  /** Inputs on top of the emulator's provision inputs, the repository target and the stored secrets. */
  inputs?: Record<string, string>
  /** Pass the secrets stored so far back in, as a scheduled workflow does (default true). */
  withStoredSecrets?: boolean
  killAfterWrite?: number
  /** Count only the writes to this service towards killAfterWrite. */
  killAfterWriteTo?: 'graph' | 'github'
  skipPost?: boolean
}

export class Lab {
  runs = 0
  faultsInjected = 0
  /** Inputs every later run of this scenario gets (e.g. a rotation policy). */
  defaultInputs: Record<string, string> = {}
  readonly leaks: string[] = []
  readonly expectation: Expectation = { appName: DEFAULT_APP_NAME, roleTemplateIds: [EXCHANGE_ADMINISTRATOR], secrets: true, foreignThumbprints: [] }

  private constructor(
    readonly emulator: Emulator,
    readonly env: Record<string, string>,
    readonly action: ActionUnderTest,
    readonly book: SecretBook,
    /** Verification's patience: short unless a scenario adds replication lag. */
    public verifyTimeoutSeconds: number
  ) {}

  static async start(action: ActionUnderTest, options: EmulatorOptions = {}): Promise<Lab> {
    const emulator = await startEmulator(options)
    const env = emulatorEnv(emulator)
    return new Lab(emulator, env, action, new SecretBook(emulator, env), 30)
  }

  inputsFor(request: RunRequest = {}): Record<string, string> {
    const stored = request.withStoredSecrets === false ? {} : inputsFromStoredSecrets(this.emulator)
    // Stored secrets first: an empty one (not written yet) must not blank out tenant-id.
    return {
      ...stored,
      ...provisionInputs(this.emulator, { 'verify-timeout-seconds': String(this.verifyTimeoutSeconds) }),
      ...repositorySecretInputs(),
      ...this.defaultInputs,
      ...request.inputs
    }
  }

  /** One provision run; its hygiene is checked against every secret seen so far. */
  async provision(request: RunRequest = {}): Promise<SuiteRun> {
    const inputs = this.inputsFor(request)
    this.book.addPfx(inputs['pfx-base64'] ?? '', inputs['pfx-password'] ?? '')
    const run = await this.action.run({
      inputs,
      env: this.env,
      skipPost: request.skipPost,
      killAfterWrite:
        request.killAfterWrite === undefined ? undefined : { emulator: this.emulator, write: request.killAfterWrite, service: request.killAfterWriteTo }
    })
    this.runs++
    if (run.killedAfter !== undefined) this.faultsInjected++
    this.book.learn(this.emulator, run)
    this.leaks.push(...hygieneProblems(run, this.book).map(problem => `run ${this.runs}: ${problem}`))
    return run
  }

  /** State writes (Graph and GitHub) the emulator answered while `work` ran. */
  async countWrites<T>(work: () => Promise<T>): Promise<{ result: T; writes: number; errorAnswers: number }> {
    let writes = 0
    let errorAnswers = 0
    const stop = this.emulator.log.onRecord(entry => {
      if (isStateWrite(entry)) writes++
      if (entry.status === 0 || entry.status >= 400) errorAnswers++
    })
    try {
      return { result: await work(), writes, errorAnswers }
    } finally {
      stop()
    }
  }

  problems(): string[] {
    return endStateProblems(this.emulator, this.expectation)
  }

  /**
   * Reruns (as the next scheduled run would) until the end state is correct, at most
   * `maxReruns` times. Returns the problems left (none: converged) and the reruns used.
   */
  async rerunUntilConverged(maxReruns = 1): Promise<{ problems: string[]; reruns: number; failures: string[] }> {
    const failures: string[] = []
    let problems = this.problems()
    let reruns = 0
    while (reruns < maxReruns && (problems.length > 0 || reruns === 0)) {
      const run = await this.provision()
      reruns++
      if (run.main.exitCode !== 0) failures.push(failureMessage(run))
      problems = this.problems()
      if (run.main.exitCode === 0 && problems.length === 0) break
    }
    return { problems, reruns, failures }
  }

  /** Writes made by one more run once converged: anything above 0 is churn. */
  async extraWritesAfterRecovery(): Promise<number> {
    const { writes } = await this.countWrites(() => this.provision())
    return writes
  }

  /** Puts a certificate on the app as if someone had added it in the portal. */
  addForeignCertificate(): string {
    const [app] = appsNamed(this.emulator, this.expectation.appName)
    if (app === undefined) throw new Error('addForeignCertificate before the app exists')
    const foreign = generateCertificate({ subject: 'CN=added by hand in the portal', keySize: 2048, validityDays: 400, encryption: 'aes256', friendlyName: 'portal', now: new Date() })
    const credential = this.emulator.tenant.keyCredentialFromCertificate(foreign.derBase64, { displayName: 'CN=added by hand in the portal', visibleAt: 0 })
    app.keyCredentials.push(credential)
    this.expectation.foreignThumbprints = [...(this.expectation.foreignThumbprints ?? []), foreign.thumbprint]
    return foreign.thumbprint
  }

  async close(): Promise<void> {
    await this.emulator.close()
  }
}

/** The `::error::` line a failed run printed (what a user reads), or its exit status. */
export function failureMessage(run: SuiteRun): string {
  const error = run.main.stdout.split(/\r?\n/).find(line => line.startsWith('::error'))
  if (error !== undefined) return error.replace(/^::error[^:]*::/, '').replace(/%0A/g, ' ').slice(0, 300)
  return run.main.signal !== null ? `killed by ${run.main.signal}` : `exit code ${run.main.exitCode} without an error message`
}
