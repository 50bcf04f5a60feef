/**
 * Shared by the end-to-end tests of issue 5 (secrets and rotation): the bundled action run
 * as the GitHub runner runs it, against an in-process emulator of Entra ID, Graph and
 * GitHub. Helpers name what a test looks at: the secrets of a target as a later workflow
 * would receive them, the key credentials on the app, the writes a run made.
 */
import { ClientCertificateCredential } from '@azure/identity'
import { readPfx } from '../../src/certificate/index.js'
import { thumbprintOfDer } from '../../src/entra/key-credentials.js'
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED, type GitHubSecretScope } from '../../emulator/github.js'
import { emulatorEnv, provisionInputs } from '../../scripts/lib/emulated-run.js'
import { findLeaks, type ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'

export const PREFIX = 'EXO_'
export const SECRET_SUFFIXES = ['APP_ID', 'TENANT_ID', 'ORGANIZATION', 'CERT_THUMBPRINT', 'CERT_PFX_BASE64', 'CERT_PASSWORD'] as const
export const DAY_MS = 24 * 60 * 60 * 1000
/** The provisioning lease: a seventh secret that exists only while a run changes the certificate. */
export const LEASE = `${PREFIX}LEASE`
/** Names of the six secrets, never the lease: for faults meant to hit the secret writes themselves. */
export const THE_SIX = new RegExp(`^${PREFIX}(?!LEASE$)`)

/** The names of the secret PUTs GitHub answered, without the lease's. */
export function writesOfTheSix(emulator: Emulator): string[] {
  return emulator.github.secretWrites.map(write => write.name).filter(name => name !== LEASE)
}

/** A place the action can store its secrets, and how the emulator names it. */
export interface TargetCase {
  label: string
  inputs: Record<string, string>
  scope: GitHubSecretScope
}

const repository = `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`

function targetInputs(extra: Record<string, string>): Record<string, string> {
  return { 'github-token': GITHUB_SEED.adminToken, repository, ...extra }
}

export const REPOSITORY_TARGET: TargetCase = {
  label: 'repository',
  inputs: targetInputs({ 'secret-target': 'repository' }),
  scope: { kind: 'repository', owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }
}

export const TARGETS: TargetCase[] = [
  REPOSITORY_TARGET,
  {
    label: 'environment',
    inputs: targetInputs({ 'secret-target': 'environment', 'secret-environment': GITHUB_SEED.environment }),
    scope: { kind: 'environment', owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo, environment: GITHUB_SEED.environment }
  },
  ...(['private', 'all', 'selected'] as const).map(visibility => ({
    label: `organization (${visibility})`,
    inputs: targetInputs({
      'secret-target': 'organization',
      'secret-visibility': visibility,
      ...(visibility === 'selected' ? { 'secret-repositories': GITHUB_SEED.otherRepo } : {})
    }),
    scope: { kind: 'organization' as const, org: GITHUB_SEED.org }
  }))
]

/** The six stored secrets by suffix (APP_ID, …), as a workflow would receive them. */
export function storedSecrets(emulator: Emulator, scope: GitHubSecretScope): Record<(typeof SECRET_SUFFIXES)[number], string | undefined> {
  return Object.fromEntries(SECRET_SUFFIXES.map(suffix => [suffix, emulator.github.secretValue(scope, `${PREFIX}${suffix}`)])) as Record<
    (typeof SECRET_SUFFIXES)[number],
    string | undefined
  >
}

/** The inputs a scheduled run passes from the stored secrets (docs/examples/rotation.yml). */
export function inputsFromSecrets(emulator: Emulator, scope: GitHubSecretScope): Record<string, string> {
  const stored = storedSecrets(emulator, scope)
  return {
    'app-id': stored.APP_ID ?? '',
    'tenant-id': stored.TENANT_ID ?? '',
    organization: stored.ORGANIZATION ?? '',
    'pfx-base64': stored.CERT_PFX_BASE64 ?? '',
    'pfx-password': stored.CERT_PASSWORD ?? ''
  }
}

/** What an end-to-end test file works with: set by `endToEnd()`'s hooks. */
export interface EndToEnd {
  /** The bundled action, one private copy per test file. */
  action: BundledAction
  /** A fresh emulator for each test. */
  emulator: Emulator
}

/**
 * Registers the hooks of an end-to-end test file: the bundled action copied once for the
 * file (removed after it), a fresh emulator started before each test and closed after it.
 */
export function endToEnd(): EndToEnd {
  const bed = {} as EndToEnd
  beforeAll(() => {
    bed.action = new BundledAction()
  })
  afterAll(() => bed.action?.cleanup())
  beforeEach(async () => {
    bed.emulator = await startEmulator()
  })
  afterEach(async () => {
    await bed.emulator?.close()
  })
  return bed
}

/** Runs provision mode against the emulator with the given extra inputs. */
export function provision(action: BundledAction, emulator: Emulator, inputs: Record<string, string>): Promise<ActionRun> {
  return action.run({ inputs: provisionInputs(emulator, { 'verify-timeout-seconds': '30', ...inputs }), env: emulatorEnv(emulator) })
}

/** The emulator's dump types applications loosely; these are the fields read here. */
interface DumpedApp {
  appId: string
  displayName: string
  keyCredentials: Array<{ keyId: string; key: string; displayName: string | null; endDateTime: string }>
}

function dumpedApps(emulator: Emulator): DumpedApp[] {
  return emulator.tenant.dump().applications as DumpedApp[]
}

/** The app as the emulator holds it (by appId), with each key credential's thumbprint. */
export function appKeyCredentials(emulator: Emulator, appId: string): Array<{ keyId: string; thumbprint: string; displayName: string | null; endDateTime: string }> {
  const app = dumpedApps(emulator).find(candidate => candidate.appId === appId)
  if (app === undefined) throw new Error(`no app ${appId} in the emulated tenant`)
  return app.keyCredentials.map(credential => ({
    keyId: credential.keyId,
    thumbprint: thumbprintOfDer(credential.key),
    displayName: credential.displayName,
    endDateTime: credential.endDateTime
  }))
}

/** Every application in the tenant except the provisioning identity. */
export function provisionedApps(emulator: Emulator): Array<{ appId: string; displayName: string }> {
  return dumpedApps(emulator).filter(app => app.appId !== emulator.provisioning.appId)
    .map(app => ({ appId: app.appId, displayName: app.displayName }))
}

/**
 * Graph writes (PATCH/POST/DELETE) recorded since the log was last cleared. A `$batch`
 * envelope is a POST that only carries sub-requests (logged one by one), so it is left out.
 */
export function graphWrites(emulator: Emulator): string[] {
  return emulator.log
    .list({ service: 'graph', kind: 'write' })
    .filter(entry => !/^\/v1\.0\/\$batch/.test(entry.path))
    .map(entry => `${entry.method} ${entry.path}`)
}

/**
 * What the stored PFX really is: opened with the stored password, its thumbprint. Throws
 * when the password does not open the PFX (the secrets disagree with each other).
 */
export function openStoredPfx(stored: { CERT_PFX_BASE64?: string; CERT_PASSWORD?: string }): { thumbprint: string; privateKeyPem: string } {
  const held = readPfx(stored.CERT_PFX_BASE64 ?? '', stored.CERT_PASSWORD ?? '')
  return { thumbprint: held.thumbprint.toUpperCase(), privateKeyPem: held.privateKeyPem }
}

/**
 * Whether an everyday job holding this PFX can still sign in as the app: a token for
 * Exchange Online from the emulated Entra ID, as Connect-ExchangeOnline would get one.
 */
export async function signsIn(emulator: Emulator, appId: string, pfx: { base64: string; password: string }): Promise<boolean> {
  const held = readPfx(pfx.base64, pfx.password)
  const credential = new ClientCertificateCredential(
    emulator.tenant.tenantId,
    appId,
    { certificate: `${held.privateKeyPem.trim()}\n${held.certificatePem.trim()}\n` },
    { authorityHost: emulator.urls.login, disableInstanceDiscovery: true }
  )
  try {
    return (await credential.getToken('https://outlook.office365.com/.default')) !== null
  } catch {
    return false
  }
}

/**
 * Every secret a run must never show: the stored PFX and password, the private key's
 * base64 lines, and the GitHub token.
 */
export function secretMaterial(values: Array<{ pfxBase64?: string; password?: string }>): string[] {
  const secrets: string[] = [GITHUB_SEED.adminToken]
  for (const value of values) {
    if (!value.pfxBase64) continue
    secrets.push(value.pfxBase64)
    if (value.password) secrets.push(value.password)
    try {
      const key = readPfx(value.pfxBase64, value.password ?? '').privateKeyPem
      secrets.push(...key.split('\n').filter(line => line.length >= 16 && !line.startsWith('-----')))
    } catch {
      // A PFX that does not open has no key lines to look for; the PFX itself is still checked.
    }
  }
  return secrets
}

/** Leaks of any of `secrets` in what a person could read of these runs. */
export function leaksIn(runs: ActionRun[], secrets: string[]): string[] {
  return runs.flatMap(run => findLeaks(run, secrets))
}

/** The `::error::` lines of a step, unescaped enough to read. */
export function errorsOf(run: ActionRun): string {
  return run.main.stdout
    .split(/\r?\n/)
    .filter(line => line.startsWith('::error'))
    .map(line => line.replace(/%0A/g, '\n').replace(/%25/g, '%'))
    .join('\n')
}

/** Fails with the run's errors when it did not succeed. */
export function expectSucceeded(run: ActionRun): void {
  if (run.main.exitCode !== 0) throw new Error(`the action failed: ${describeRun(run)}`)
}

/** A short description of a run that failed, for assertion messages. */
export function describeRun(run: ActionRun): string {
  return `exit ${run.main.exitCode}\n${errorsOf(run)}\n${run.main.stderr.slice(0, 2000)}`
}
