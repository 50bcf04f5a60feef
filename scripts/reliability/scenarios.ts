/**
 * The crash, fault and concurrency scenarios of issue 7, each in its own emulated tenant.
 * Each returns a ScenarioResult; none throws for a finding (only for a broken harness).
 */
import type { EmulatorOptions } from '../../emulator/index.js'
import type { ActionUnderTest, SuiteRun } from './action-under-test.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { githubEventEnv } from '../lib/emulated-run.js'
import { thumbprintOfDer } from '../../src/entra/key-credentials.js'
import { LEASE_STALE_AFTER_MS } from '../../src/provisioning-lease.js'
import { appsNamed, leaseLeftBehind, storedCertificate, storedSecrets } from './end-state.js'
import { hygieneProblems } from './hygiene.js'
import { failureMessage, Lab } from './lab.js'
import type { ScenarioResult } from './result.js'

export interface CrashOptions {
  /** Crash a rotation (the held certificate is about to expire, an older one has expired) instead of a fresh tenant. */
  rotation: boolean
  /** Kill right after this write (1-based). */
  write: number
  /** Count only writes to this service (the lease PUT travels beside the first Graph writes). */
  service?: 'graph' | 'github'
}

/**
 * Sets up a tenant whose repository holds a certificate due for rotation, with a foreign
 * certificate on the app. With `expiredOlder`, the app also carries an older, expired
 * certificate this action made, so the rotation ends by pruning it (one more write).
 */
async function rotationLab(action: ActionUnderTest, options: EmulatorOptions = {}, expiredOlder = false): Promise<{ lab: Lab; previous: string }> {
  const lab = await Lab.start(action, options)
  const setUp = async (inputs: Record<string, string>): Promise<void> => {
    const run = await lab.provision({ inputs })
    if (run.main.exitCode !== 0) throw new Error(`rotation set-up failed: ${failureMessage(run)}`)
  }
  await setUp({ 'cert-validity-days': '20', 'rotate-before-days': '10' })
  lab.addForeignCertificate()
  if (expiredOlder) {
    const older = storedCertificate(lab.emulator)
    // Rotate once (20 days left < 25), then let the first certificate expire on the app.
    await setUp({ 'rotate-before-days': '25' })
    lab.emulator.setKeyCredentialEndDate(storedSecrets(lab.emulator).APP_ID, older.thumbprint, new Date(Date.now() - 86_400_000))
    // The held certificate (365 days) is due under this policy, so the next run rotates.
    lab.defaultInputs = { 'cert-validity-days': '400', 'rotate-before-days': '399' }
    lab.expectation.pruneExpired = true
  }
  const previous = storedCertificate(lab.emulator).thumbprint
  // Otherwise the held certificate has 20 days left: default rotate-before-days (30) renews it.
  lab.expectation.previousThumbprint = previous
  return { lab, previous }
}

/** How many state writes an undisturbed run makes (fresh tenant or rotation). */
export async function countWritesOfCleanRun(action: ActionUnderTest, rotation: boolean): Promise<number> {
  const { lab } = rotation ? await rotationLab(action, {}, true) : { lab: await Lab.start(action) }
  try {
    const { result, writes } = await lab.countWrites(() => lab.provision())
    if (result.main.exitCode !== 0) throw new Error(`the clean ${rotation ? 'rotation' : 'fresh'} run failed: ${failureMessage(result)}`)
    return writes
  } finally {
    await lab.close()
  }
}

/** SIGKILL right after one write, then rerun: the next run must repair everything. */
export async function crashScenario(action: ActionUnderTest, options: CrashOptions): Promise<ScenarioResult> {
  const { lab } = options.rotation ? await rotationLab(action, {}, true) : { lab: await Lab.start(action) }
  try {
    const crashed = await lab.provision({ killAfterWrite: options.write, killAfterWriteTo: options.service })
    // The post step runs after a killed main step, as on a real runner, and gives the lease back,
    // unless the main step was killed before it read back the lease's creation date: then the
    // lease may be another run's, so it is left to go stale. Let the stale limit pass (age it)
    // and the rerun must break it.
    const leftToGoStale = leaseLeftBehind(lab.emulator) && /stopped before it read back the lease's creation date/.test(crashed.post?.stdout ?? '')
    if (leftToGoStale) ageLease(lab)
    const leaseProblems = leaseLeftBehind(lab.emulator) && !leftToGoStale ? ["the killed run's post step left the provisioning lease behind"] : []
    const killedAt = crashed.killedAfter === undefined ? 'not killed (fewer writes)' : `${crashed.killedAfter.method} ${shortPath(crashed.killedAfter.path)}`
    // A lease left behind would make the rerun wait until it is stale: report, do not wait.
    const recovery = leaseProblems.length > 0 ? { problems: [], reruns: 0, failures: [] } : await lab.rerunUntilConverged(1)
    const extraWrites = recovery.problems.length === 0 && leaseProblems.length === 0 ? await lab.extraWritesAfterRecovery() : 0
    return {
      group: 'crash',
      name: `${options.rotation ? 'rotation' : 'fresh tenant'}: SIGKILL after ${options.service === undefined ? '' : `${options.service === 'graph' ? 'Graph' : 'GitHub'} `}write ${options.write} (${killedAt})`,
      runs: lab.runs,
      faultsInjected: lab.faultsInjected,
      converged: recovery.problems.length === 0 && leaseProblems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems: [...leaseProblems, ...recovery.problems, ...recovery.failures.map(f => `rerun failed: ${f}`)],
      notes: [`reruns ${recovery.reruns}`, ...(leftToGoStale ? ['lease left to go stale, broken by the rerun'] : [])]
    }
  } finally {
    await lab.close()
  }
}

/** The lease as it is once the stale limit has passed (a minute more), as if the rerun came that much later. */
function ageLease(lab: Lab): void {
  const scope = { kind: 'repository' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }
  lab.emulator.github.removeSecret(scope, 'EXO_LEASE')
  lab.emulator.github.seedSecret(scope, 'EXO_LEASE', 'left to go stale', new Date(Date.now() - LEASE_STALE_AFTER_MS - 60_000))
}

export interface FaultScenario {
  name: string
  rotation?: boolean
  /** Installs the fault before the faulted run; returns how to stop it. */
  install(lab: Lab): () => void
  /** Patience for Entra replication in this scenario. */
  verifyTimeoutSeconds?: number
}

/**
 * Runs once under the fault. The run must converge, or fail with a clear message (an
 * `::error::` that is not "Unexpected error"); then, with the fault gone, a rerun converges.
 */
export async function faultScenario(action: ActionUnderTest, scenario: FaultScenario): Promise<ScenarioResult> {
  const { lab } = scenario.rotation ? await rotationLab(action) : { lab: await Lab.start(action) }
  try {
    lab.verifyTimeoutSeconds = scenario.verifyTimeoutSeconds ?? lab.verifyTimeoutSeconds
    const stop = scenario.install(lab)
    const counted = await lab.countWrites(() => lab.provision())
    const faulted: SuiteRun = counted.result
    stop()
    lab.faultsInjected += counted.errorAnswers
    const problems: string[] = []
    const notes: string[] = []
    if (faulted.main.exitCode !== 0) {
      const message = failureMessage(faulted)
      notes.push(`faulted run failed: ${message}`)
      if (/Unexpected error|without an error message/.test(message)) problems.push(`the faulted run failed without a clear message: ${message}`)
    } else {
      notes.push('faulted run converged by itself')
    }
    const recovery = faulted.main.exitCode === 0 && lab.problems().length === 0 ? { problems: [], reruns: 0, failures: [] } : await lab.rerunUntilConverged()
    if (recovery.reruns > 0) notes.push(`reruns ${recovery.reruns}`)
    const extraWrites = recovery.problems.length === 0 ? await lab.extraWritesAfterRecovery() : 0
    return {
      group: 'faults',
      name: scenario.name,
      runs: lab.runs,
      faultsInjected: lab.faultsInjected,
      converged: recovery.problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems: [...problems, ...recovery.problems, ...recovery.failures.map(f => `rerun failed: ${f}`)],
      notes
    }
  } finally {
    await lab.close()
  }
}

const EVERY_THIRD = { every: 3 }

/** The fault matrix of issue 7. `lagMs`: replication lag for the lag scenario (60 s in the script). */
export function faultMatrix(lagMs: number): FaultScenario[] {
  // Stopping a fault scenario removes the rules it installed.
  const removing = (...faults: Array<{ remove(): void }>) => () => faults.forEach(f => f.remove())
  return [
    { name: 'Graph 429 storm, every 3rd request, Retry-After: 1', install: lab => removing(lab.emulator.faults.throttle({ service: 'graph', ...EVERY_THIRD, retryAfterSeconds: 1 })) },
    { name: 'Graph 429 storm, every 3rd request, no Retry-After', install: lab => removing(lab.emulator.faults.throttle({ service: 'graph', ...EVERY_THIRD, retryAfterSeconds: null })) },
    { name: 'Graph 503, every 3rd request', install: lab => removing(lab.emulator.faults.fail(503, { service: 'graph', ...EVERY_THIRD })) },
    { name: 'Graph 504, every 3rd request', install: lab => removing(lab.emulator.faults.fail(504, { service: 'graph', ...EVERY_THIRD })) },
    { name: 'Graph connection resets, every 3rd request', install: lab => removing(lab.emulator.faults.reset({ service: 'graph', ...EVERY_THIRD })) },
    { name: 'Entra sign-in 503, every 3rd request', install: lab => removing(lab.emulator.faults.fail(503, { service: 'login', ...EVERY_THIRD })) },
    { name: 'GitHub 429 (Retry-After: 1), every 3rd request', install: lab => removing(lab.emulator.faults.throttle({ service: 'github', ...EVERY_THIRD, retryAfterSeconds: 1 })) },
    { name: 'GitHub connection resets, every 3rd request', install: lab => removing(lab.emulator.faults.reset({ service: 'github', ...EVERY_THIRD })) },
    { name: 'rotation under a Graph 429 storm (every 3rd, Retry-After: 1)', rotation: true, install: lab => removing(lab.emulator.faults.throttle({ service: 'graph', ...EVERY_THIRD, retryAfterSeconds: 1 })) },
    {
      name: `replication lag ${Math.round(lagMs / 1000)} s on every new object`,
      verifyTimeoutSeconds: Math.ceil(lagMs / 1000) + 60,
      install: lab => {
        lab.emulator.faults.replicationLag(lagMs)
        return () => lab.emulator.faults.replicationLag(0)
      }
    },
    { name: 'GitHub outage during secret writes (every PUT 503)', install: lab => githubOutage(lab, 0) },
    { name: 'rotation: GitHub outage during secret writes (every PUT 503)', rotation: true, install: lab => githubOutage(lab, 0) },
    { name: 'rotation: GitHub outage starting after 2 secret writes', rotation: true, install: lab => githubOutage(lab, 2) }
  ]
}

/** Every secret PUT fails with 503 once `after` PUTs have succeeded. */
function githubOutage(lab: Lab, after: number): () => void {
  const { github, log } = lab.emulator
  if (after === 0) {
    github.failSecretWrites(503)
    return () => github.stopFailingSecretWrites()
  }
  let puts = 0
  const stop = log.onRecord(entry => {
    if (entry.service === 'github' && entry.method === 'PUT' && entry.status < 300 && ++puts === after) github.failSecretWrites(503)
  })
  return () => {
    stop()
    github.stopFailingSecretWrites()
  }
}

/**
 * N runs at once on one tenant, all storing to the same repository: they take turns under
 * the provisioning lease, so every run must succeed, every certificate a run made must
 * still be on the app, and the end state must be right without a rerun.
 */
export async function concurrencyScenario(action: ActionUnderTest, parallel: number, rotation = false): Promise<ScenarioResult> {
  const { lab } = rotation ? await rotationLab(action) : { lab: await Lab.start(action) }
  try {
    const runs = await Promise.all(Array.from({ length: parallel }, () => lab.provision()))
    const failed = runs.filter(run => run.main.exitCode !== 0).map(failureMessage)
    const notes = [`${parallel - failed.length}/${parallel} runs succeeded`]
    const problems = failed.map(message => `a run failed although runs take turns under the lease: ${message}`)
    const [app] = appsNamed(lab.emulator, lab.expectation.appName)
    const onApp = new Set((app?.keyCredentials ?? []).map(credential => thumbprintOfDer(credential.key)))
    for (const run of runs) {
      const made = run.outputs.rotated === 'true' ? run.outputs['certificate-thumbprint'] : undefined
      if (made !== undefined && !onApp.has(made.toUpperCase())) problems.push(`the certificate ${made} a run made is no longer on the app`)
    }
    const direct = lab.problems()
    if (direct.length > 0) problems.push(`not right after the concurrent runs: ${direct.join('; ')}`)
    for (const message of failed) notes.push(`failed: ${message}`)
    const recovery = direct.length === 0 ? { problems: [], reruns: 0, failures: [] } : await lab.rerunUntilConverged()
    if (recovery.reruns > 0) notes.push(`reruns ${recovery.reruns}`)
    const extraWrites = recovery.problems.length === 0 ? await lab.extraWritesAfterRecovery() : 0
    return {
      group: 'concurrency',
      name: `${parallel} simultaneous ${rotation ? 'rotation' : 'fresh'} runs on one tenant`,
      runs: lab.runs,
      faultsInjected: 0,
      converged: recovery.problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems: [...problems, ...recovery.problems, ...recovery.failures.map(f => `rerun failed: ${f}`)],
      notes
    }
  } finally {
    await lab.close()
  }
}

/**
 * Two rotations with different verify-timeout-seconds (3600 and 1) on one tenant. The
 * patient run takes the lease first; it is made to look 20 minutes old (the patient run
 * verifying for that long, as its timeout allows), older than the 15 minutes and 3 seconds
 * the impatient run's own timeout would once have given it. The impatient run must wait for
 * it, not break it: both succeed, no lease is broken, and the end state is right without a rerun.
 */
export async function verifyTimeoutsScenario(action: ActionUnderTest): Promise<ScenarioResult> {
  const { lab } = await rotationLab(action)
  try {
    const scope = { kind: 'repository' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }
    const slowSecrets = lab.emulator.faults.latency(1500, { service: 'github', method: 'PUT', path: /EXO_(APP_ID|TENANT_ID|ORGANIZATION|CERT_)/ })
    let impatient: Promise<SuiteRun> | undefined
    const stop = lab.emulator.log.onRecord(entry => {
      if (entry.service !== 'github' || entry.method !== 'PUT' || !entry.path.endsWith('/EXO_LEASE') || entry.status !== 201) return
      stop()
      const createdAt = Date.parse(lab.emulator.github.secret(scope, 'EXO_LEASE')?.createdAt ?? '')
      lab.emulator.github.removeSecret(scope, 'EXO_LEASE')
      lab.emulator.github.seedSecret(scope, 'EXO_LEASE', 'patient', new Date(createdAt - 20 * 60_000))
      impatient = lab.provision({ inputs: { 'verify-timeout-seconds': '1' } })
    })
    const patient = await lab.provision({ inputs: { 'verify-timeout-seconds': '3600' } })
    stop()
    const other = impatient === undefined ? undefined : await impatient
    slowSecrets.remove()
    const runs = other === undefined ? [patient] : [patient, other]
    const problems: string[] = []
    if (other === undefined) problems.push('the patient run never took the lease')
    for (const run of runs) if (run.main.exitCode !== 0) problems.push(`a run failed: ${failureMessage(run)}`)
    if (runs.some(run => /breaking it/.test(run.main.stdout))) problems.push('a run broke the lease of a run that was still writing')
    const direct = lab.problems()
    if (direct.length > 0) problems.push(`not right after both runs: ${direct.join('; ')}`)
    const extraWrites = problems.length === 0 ? await lab.extraWritesAfterRecovery() : 0
    return {
      group: 'concurrency',
      name: 'two rotations with different verify-timeout-seconds (3600 and 1)',
      runs: lab.runs,
      faultsInjected: 0,
      converged: problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems,
      notes: [other !== undefined && /Another provisioning run holds the lease/.test(other.main.stdout) ? 'the run with the short timeout waited for the lease' : 'the run with the short timeout did not wait']
    }
  } finally {
    await lab.close()
  }
}

/** PFX and script files 0600 while the job runs, gone after the post step. */
export async function fileHygieneScenario(action: ActionUnderTest): Promise<ScenarioResult> {
  const { fileModeProblems, filesUnder } = await import('./hygiene.js')
  const lab = await Lab.start(action)
  try {
    const run = await lab.provision({ skipPost: true })
    const problems = run.main.exitCode === 0 ? fileModeProblems(run) : [`the run failed: ${failureMessage(run)}`]
    await action.post(run, lab.env)
    const left = filesUnder(run.runnerTemp)
    return {
      group: 'hygiene',
      name: 'PFX and connect script 0600, removed by the post step',
      runs: lab.runs,
      faultsInjected: 0,
      converged: problems.length === 0,
      extraWrites: 0,
      leaks: [...lab.leaks.filter(l => !/left in RUNNER_TEMP/.test(l)), ...left.map(file => `${file} left in RUNNER_TEMP after the post step`)],
      problems
    }
  } finally {
    await lab.close()
  }
}

function shortPath(path: string): string {
  return path.replace(/\?.*$/, '').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}').replace(/^\/v1\.0/, '').replace(/^\/repos\/[^/]+\/[^/]+/, '')
}

/** The six secrets' suffixes, in the order the suite reports them. */
export const SECRET_SUFFIXES = ['APP_ID', 'TENANT_ID', 'ORGANIZATION', 'CERT_THUMBPRINT', 'CERT_PFX_BASE64', 'CERT_PASSWORD'] as const
export type SecretSuffix = (typeof SECRET_SUFFIXES)[number]

/** Every subset of the six secrets (64), smallest first. */
export function secretSubsets(): SecretSuffix[][] {
  const subsets: SecretSuffix[][] = []
  for (let mask = 0; mask < 1 << SECRET_SUFFIXES.length; mask++) subsets.push(SECRET_SUFFIXES.filter((_, i) => mask & (1 << i)))
  return subsets.sort((a, b) => a.length - b.length)
}

/**
 * The subsets that tell the cases apart: none, all, all but one (6), the PFX + password
 * pair alone, and the first two in name order.
 */
export function representativeSubsets(): SecretSuffix[][] {
  return [
    [],
    [...SECRET_SUFFIXES],
    ...SECRET_SUFFIXES.map(missing => SECRET_SUFFIXES.filter(name => name !== missing)),
    ['CERT_PFX_BASE64', 'CERT_PASSWORD'],
    ['APP_ID', 'CERT_PASSWORD']
  ]
}

/**
 * A run that died while writing its six secrets (in parallel, so any subset may have
 * landed): the app already carries the new certificate, `written` hold the new values,
 * the others are missing (fresh tenant) or still the previous certificate's (rotation).
 * Built directly, so every subset is covered deterministically; the SIGKILL scenarios
 * show the same states arise from real crashes.
 */
export async function interruptedSecretWritesScenario(action: ActionUnderTest, rotation: boolean, written: SecretSuffix[]): Promise<ScenarioResult> {
  const { lab } = rotation ? await rotationLab(action) : { lab: await Lab.start(action) }
  try {
    const scope = { kind: 'repository' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }
    const before = storedSecrets(lab.emulator)
    // The interrupted run: it configured the app and made its certificate, and stored nothing yet.
    const interrupted = await lab.provision({ inputs: { 'secret-target': 'none' } })
    if (interrupted.main.exitCode !== 0) throw new Error(`set-up run failed: ${failureMessage(interrupted)}`)
    const o = interrupted.outputs
    const next: Record<SecretSuffix, string> = {
      APP_ID: o['app-id'], TENANT_ID: o['tenant-id'], ORGANIZATION: o.organization,
      CERT_THUMBPRINT: o['certificate-thumbprint'], CERT_PFX_BASE64: o['pfx-base64'], CERT_PASSWORD: o['pfx-password']
    }
    for (const suffix of written) lab.emulator.github.seedSecret(scope, `EXO_${suffix}`, next[suffix])
    lab.faultsInjected++
    const mixed = rotation && written.length > 0 && written.length < 6
    const recovery = await lab.rerunUntilConverged(1)
    const extraWrites = recovery.problems.length === 0 ? await lab.extraWritesAfterRecovery() : 0
    const label = written.length === 0 ? 'none' : written.join(', ')
    return {
      group: 'crash',
      name: `${rotation ? 'rotation' : 'fresh tenant'}: run died after writing secrets {${label}}`,
      runs: lab.runs,
      faultsInjected: lab.faultsInjected,
      converged: recovery.problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems: [...recovery.problems, ...recovery.failures.map(f => `rerun failed: ${f}`)],
      notes: mixed ? [`the other secrets still hold the previous certificate ${before.CERT_THUMBPRINT}`] : undefined
    }
  } finally {
    await lab.close()
  }
}

/** The Graph permissions SECURITY.md names as least privilege (no Application.ReadWrite.All). */
export const LEAST_PRIVILEGE = ['Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'Organization.Read.All']

/** A fresh run and a rotation with only the least-privilege permissions. */
export async function leastPrivilegeScenario(action: ActionUnderTest): Promise<ScenarioResult> {
  const options = { provisioning: { graphPermissions: LEAST_PRIVILEGE } }
  const { lab } = await rotationLab(action, options)
  try {
    const problems: string[] = []
    const rotation = await lab.provision()
    if (rotation.main.exitCode !== 0) problems.push(`the rotation failed: ${failureMessage(rotation)}`)
    if (rotation.outputs.rotated !== 'true') problems.push('the rotation run did not rotate')
    problems.push(...lab.problems())
    const extraWrites = problems.length === 0 ? await lab.extraWritesAfterRecovery() : 0
    return {
      group: 'hygiene',
      name: `least privilege (${LEAST_PRIVILEGE.join(', ')}): fresh run and rotation`,
      runs: lab.runs,
      faultsInjected: 0,
      converged: problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems
    }
  } finally {
    await lab.close()
  }
}

/** Connect mode (the everyday job) with the stored secrets: no request to Entra, Graph or GitHub. */
export async function connectOfflineScenario(action: ActionUnderTest): Promise<ScenarioResult> {
  const lab = await Lab.start(action)
  try {
    const problems: string[] = []
    const provision = await lab.provision()
    if (provision.main.exitCode !== 0) throw new Error(`set-up run failed: ${failureMessage(provision)}`)
    lab.emulator.log.clear()
    const stored = storedSecrets(lab.emulator)
    const connect = await lab.action.run({
      inputs: { mode: 'connect', 'app-id': stored.APP_ID, organization: stored.ORGANIZATION, 'pfx-base64': stored.CERT_PFX_BASE64, 'pfx-password': stored.CERT_PASSWORD },
      env: lab.env
    })
    lab.runs++
    lab.leaks.push(...hygieneProblems(connect, lab.book).map(problem => `connect run: ${problem}`))
    if (connect.main.exitCode !== 0) problems.push(`connect mode failed: ${failureMessage(connect)}`)
    const requests = lab.emulator.log.list()
    if (requests.length > 0) problems.push(`connect mode made ${requests.length} request(s): ${requests.map(r => `${r.service} ${r.method}`).join(', ')}`)
    return { group: 'hygiene', name: 'connect mode makes no network request', runs: lab.runs, faultsInjected: 0, converged: problems.length === 0, extraWrites: 0, leaks: lab.leaks, problems }
  } finally {
    await lab.close()
  }
}

/**
 * Two pipelines share one app (issue 21): the default app-name, one keeping its certificate in
 * the repository's secrets, the other in an environment's. Each rotates, and each next run past
 * the revoke-previous grace (`0`, as the clock cannot move inside the action) revokes only its
 * own set's previous certificate: both pipelines' stored certificates stay on the app and sign in.
 */
export async function sharedAppScenario(action: ActionUnderTest): Promise<ScenarioResult> {
  const lab = await Lab.start(action)
  const scopeB = { kind: 'environment' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo, environment: GITHUB_SEED.environment }
  const storedB = (name: string): string => lab.emulator.github.secretValue(scopeB, `EXO_${name}`) ?? ''
  const pipelineB = (inputs: Record<string, string> = {}): Promise<SuiteRun> =>
    lab.provision({
      withStoredSecrets: false,
      inputs: {
        'secret-target': 'environment',
        'secret-environment': GITHUB_SEED.environment,
        ...(storedB('CERT_PFX_BASE64') === ''
          ? {}
          : { 'app-id': storedB('APP_ID'), organization: storedB('ORGANIZATION'), 'pfx-base64': storedB('CERT_PFX_BASE64'), 'pfx-password': storedB('CERT_PASSWORD') }),
        ...inputs
      }
    })
  const pipelineA = (inputs: Record<string, string> = {}): Promise<SuiteRun> => lab.provision({ inputs })
  /** A year-old held certificate that ends in 10 days: the pipeline's next run rotates. */
  const makeDue = (thumbprint: string): void => {
    const [app] = appsNamed(lab.emulator, lab.expectation.appName)
    lab.emulator.setKeyCredentialEndDate(app.appId, thumbprint, new Date(Date.now() + 10 * 86_400_000)).startDateTime = new Date(Date.now() - 355 * 86_400_000).toISOString()
  }
  const pastTheGrace = { 'revoke-previous': '0' }
  try {
    const problems: string[] = []
    const steps: Array<[string, () => Promise<SuiteRun>]> = [
      ['A: first run', () => pipelineA()],
      ['B: first run', () => pipelineB()],
      ['A: rotation', async () => (makeDue(storedCertificate(lab.emulator).thumbprint), pipelineA())],
      ['A: run past the grace', () => pipelineA(pastTheGrace)],
      ['B: rotation', async () => (makeDue(storedB('CERT_THUMBPRINT')), pipelineB())],
      ['B: run past the grace', () => pipelineB(pastTheGrace)]
    ]
    for (const [step, run] of steps) {
      const result = await run()
      if (result.main.exitCode !== 0) problems.push(`${step} failed: ${failureMessage(result)}`)
      problems.push(...sharedAppProblems(lab, storedB).map(problem => `after ${step}: ${problem}`))
      // A lost certificate cannot be made due: the next steps would only repeat it.
      if (problems.length > 0) break
    }
    // Once both have converged, another run of each writes nothing.
    const extraWrites = problems.length === 0 ? (await lab.countWrites(() => pipelineA())).writes + (await lab.countWrites(() => pipelineB())).writes : 0
    return {
      group: 'concurrency',
      name: 'two pipelines sharing one app (repository and environment secrets), each rotating',
      runs: lab.runs,
      faultsInjected: 0,
      converged: problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems
    }
  } finally {
    await lab.close()
  }
}

/**
 * Two pipelines of different repositories share one app (issue 21), both with
 * `credential: federated` and their own subjects. Each run removes only its own secret set's
 * credentials it no longer wants: after A, B, A (A dropping a subject) and B again, both
 * pipelines' subjects are on the app, A's dropped one is gone, and both pipelines' jobs sign in.
 */
export async function sharedAppFederatedScenario(action: ActionUnderTest): Promise<ScenarioResult> {
  const lab = await Lab.start(action)
  const repositoryA = `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`
  const repositoryB = `${GITHUB_SEED.owner}/${GITHUB_SEED.otherRepo}`
  const prodA = `repo:${repositoryA}:environment:prod`
  const stagingA = `repo:${repositoryA}:environment:staging`
  const prodB = `repo:${repositoryB}:environment:prod`
  const federated = { credential: 'federated', organization: 'contoso.onmicrosoft.com' }
  /** A run in the pipeline's own repository (GITHUB_REPOSITORY), keeping its secrets there. */
  const inRepository = async <T>(repository: string, work: () => Promise<T>): Promise<T> => {
    const here = lab.env.GITHUB_REPOSITORY
    lab.env.GITHUB_REPOSITORY = repository
    try {
      return await work()
    } finally {
      lab.env.GITHUB_REPOSITORY = here
    }
  }
  /** The three secrets a federated pipeline stored in its repository, passed back in as a scheduled run does. */
  const storedIn = (repo: string): Record<string, string> => {
    const value = (name: string): string => lab.emulator.github.secretValue({ kind: 'repository', owner: GITHUB_SEED.owner, repo }, `EXO_${name}`) ?? ''
    return value('APP_ID') === '' ? {} : { 'app-id': value('APP_ID'), 'tenant-id': value('TENANT_ID'), organization: value('ORGANIZATION') }
  }
  const pipelineA = (subjects: string[]): Promise<SuiteRun> =>
    inRepository(repositoryA, () =>
      lab.provision({ withStoredSecrets: false, inputs: { ...federated, ...storedIn(GITHUB_SEED.repo), 'federated-subjects': subjects.join('\n') } })
    )
  const pipelineB = (): Promise<SuiteRun> =>
    inRepository(repositoryB, () =>
      lab.provision({ withStoredSecrets: false, inputs: { ...federated, ...storedIn(GITHUB_SEED.otherRepo), 'federated-subjects': prodB, repository: repositoryB } })
    )
  const trusted = (): string[] => appsNamed(lab.emulator, lab.expectation.appName).flatMap(app => app.federatedIdentityCredentials.map(f => f.subject))
  /** One of the pipeline's Exchange jobs: connect mode with its own OIDC token. */
  const jobSignsIn = async (repository: string, subject: string): Promise<string | undefined> => {
    const [app] = appsNamed(lab.emulator, lab.expectation.appName)
    const provisioning = lab.emulator.oidc.subject
    lab.emulator.oidc.subject = subject
    try {
      const run = await inRepository(repository, () =>
        lab.action.run({
          inputs: { mode: 'connect', credential: 'federated', 'app-id': app?.appId ?? '', 'tenant-id': lab.emulator.tenant.tenantId, organization: 'contoso.onmicrosoft.com', 'authority-host': lab.emulator.urls.login },
          env: lab.env,
          skipPost: true
        })
      )
      lab.runs++
      lab.leaks.push(...hygieneProblems(run, lab.book).map(problem => `connect run: ${problem}`))
      return run.main.exitCode === 0 ? undefined : failureMessage(run)
    } finally {
      lab.emulator.oidc.subject = provisioning
    }
  }
  try {
    const problems: string[] = []
    const steps: Array<[string, () => Promise<SuiteRun>, string[], string[]]> = [
      ['A: first run', () => pipelineA([prodA, stagingA]), [prodA, stagingA], []],
      ['B: first run', () => pipelineB(), [prodA, stagingA, prodB], []],
      ['A: drops staging', () => pipelineA([prodA]), [prodA, prodB], [stagingA]],
      ['B: next run', () => pipelineB(), [prodA, prodB], [stagingA]]
    ]
    for (const [step, run, wanted, gone] of steps) {
      const result = await run()
      if (result.main.exitCode !== 0) problems.push(`${step} failed: ${failureMessage(result)}`)
      const now = trusted()
      for (const subject of wanted) if (!now.includes(subject)) problems.push(`after ${step}: the app no longer trusts ${subject}: that pipeline's jobs cannot sign in`)
      for (const subject of gone) if (now.includes(subject)) problems.push(`after ${step}: the app still trusts ${subject}, which no pipeline lists`)
      if (problems.length > 0) break
    }
    if (problems.length === 0) {
      for (const [label, repository, subject] of [['A', repositoryA, prodA], ['B', repositoryB, prodB]] as const) {
        const failure = await jobSignsIn(repository, subject)
        if (failure !== undefined) problems.push(`pipeline ${label}'s job could not sign in: ${failure}`)
      }
    }
    // Once both have converged, another run of each writes nothing.
    const extraWrites = problems.length === 0 ? (await lab.countWrites(() => pipelineA([prodA]))).writes + (await lab.countWrites(() => pipelineB())).writes : 0
    return {
      group: 'concurrency',
      name: 'two pipelines sharing one app (different repositories), both credential: federated with their own subjects',
      runs: lab.runs,
      faultsInjected: 0,
      converged: problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems
    }
  } finally {
    await lab.close()
  }
}

/** Pipeline A's end state (the lab's), and pipeline B's stored certificate on the app and agreeing with its secrets. */
function sharedAppProblems(lab: Lab, storedB: (name: string) => string): string[] {
  const problems = lab.problems()
  if (storedB('CERT_PFX_BASE64') === '') return problems
  const [app] = appsNamed(lab.emulator, lab.expectation.appName)
  if (storedB('APP_ID') !== app?.appId) problems.push("pipeline B's APP_ID names another app")
  const thumbprint = storedB('CERT_THUMBPRINT').toUpperCase()
  const onApp = (app?.keyCredentials ?? []).find(credential => thumbprintOfDer(credential.key) === thumbprint)
  if (onApp === undefined) problems.push(`pipeline B's certificate ${thumbprint} is no longer on the app: its jobs cannot sign in`)
  else if (Date.parse(onApp.endDateTime) <= Date.now()) problems.push(`pipeline B's certificate ${thumbprint} is expired on the app`)
  return problems
}

/**
 * Issue 21: a provisioning run with `credential: federated` triggered by a pull request
 * (its job's subject is `repo:…:pull_request`) is refused before any write: no Graph write, no
 * secret written, no app. The next run from the default branch then sets the app up to
 * trust that branch's subject only, and one more run writes nothing.
 */
export async function pullRequestProvisioningScenario(action: ActionUnderTest): Promise<ScenarioResult> {
  const lab = await Lab.start(action)
  try {
    const problems: string[] = []
    const notes: string[] = []
    const mainSubject = lab.emulator.oidc.subject
    // The provisioning identity signs in with its secret: its own federated credential trusts one subject only.
    lab.defaultInputs = { credential: 'federated', 'client-secret': lab.emulator.provisioning.clientSecret }
    const fromMain = { ...lab.env }
    Object.assign(lab.env, githubEventEnv('pull_request', 'refs/pull/7/merge'))
    lab.emulator.oidc.subject = mainSubject.replace(/:ref:.*$/, ':pull_request')
    const attempts: string[] = []
    const stop = lab.emulator.log.onRecord(entry => {
      // Sign-in token requests and $batch envelopes are POSTs too (a batch's steps are logged
      // alone); what counts is any attempt to change the tenant or the secrets.
      if (entry.kind === 'write' && (entry.service === 'graph' || entry.service === 'github') && !/^\/v1\.0\/\$batch/.test(entry.path)) attempts.push(`${entry.method} ${entry.path}`)
    })
    let refused: SuiteRun
    try {
      refused = await lab.provision()
    } finally {
      stop()
    }
    const message = failureMessage(refused)
    notes.push(message)
    if (refused.main.exitCode === 0) problems.push('the pull-request-triggered run was not refused')
    if (!/^::error.*federated-allow-unprotected-subjects/m.test(refused.main.stdout)) problems.push(`the refusal does not name federated-allow-unprotected-subjects: ${message}`)
    if (attempts.length > 0) problems.push(`write(s) before the refusal: ${attempts.join(', ')}`)
    if (appsNamed(lab.emulator, lab.expectation.appName).length > 0) problems.push('the Exchange app was created')
    const secrets = lab.emulator.github.secretNames({ kind: 'repository', owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo })
    if (secrets.length > 0) problems.push(`secrets were written: ${secrets.join(', ')}`)

    // The same workflow, run from the default branch: trusted, and only that branch's subject.
    Object.assign(lab.env, fromMain)
    lab.emulator.oidc.subject = mainSubject
    const fromDefaultBranch = await lab.provision()
    if (fromDefaultBranch.main.exitCode !== 0) problems.push(`the run from the default branch failed: ${failureMessage(fromDefaultBranch)}`)
    const trusted = appsNamed(lab.emulator, lab.expectation.appName).flatMap(app => app.federatedIdentityCredentials.map(f => f.subject))
    if (trusted.join() !== mainSubject) problems.push(`the app trusts ${JSON.stringify(trusted)}, not only ${mainSubject}`)
    const extraWrites = problems.length === 0 ? (await lab.countWrites(() => lab.provision())).writes : 0
    return {
      group: 'bad input',
      name: 'a pull-request-triggered provisioning run (credential: federated): refused before any write',
      runs: lab.runs,
      faultsInjected: 0,
      converged: problems.length === 0,
      extraWrites,
      leaks: lab.leaks,
      problems,
      rejectedBeforeWrite: refused.main.exitCode !== 0 && attempts.length === 0,
      notes
    }
  } finally {
    await lab.close()
  }
}
