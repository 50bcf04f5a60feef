/**
 * Issue 5, concurrency: two and five provision runs at the same time against the same
 * tenant and app (a fresh tenant, and a rotation) end with exactly one app, no key
 * credential lost, and secrets that hold one certificate — PFX, password and thumbprint
 * agreeing — that is on the app. With a secret target the runs take turns under the
 * provisioning lease, so every run succeeds and keeps its certificate.
 */
import { afterEach, beforeAll, afterAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { uniqueNameFor } from '../../src/entra/plan.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  errorsOf,
  appKeyCredentials,
  DAY_MS,
  expectSucceeded,
  inputsFromSecrets,
  leaksIn,
  openStoredPfx,
  provision,
  provisionedApps,
  REPOSITORY_TARGET,
  secretMaterial,
  signsIn,
  storedSecrets
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

let action: BundledAction
beforeAll(() => {
  action = new BundledAction()
})
afterAll(() => action?.cleanup())

/**
 * Uneven delays on Graph's keyCredentials reads and writes, so runs that start together
 * drift apart and would write the collection from stale reads (without the lease, most
 * 5-run rounds lost a certificate in trials). GitHub is uniformly slow, as it is in life,
 * so the six secret PUTs of runs that did not take turns would interleave (one run's PFX
 * beside another's password).
 */
function makeRacesReal(emulator: Emulator): void {
  const keyCredentials = /\/applications\/[^/?]+(\?.*keyCredentials.*)?$/
  emulator.faults.latency(150, { service: 'graph', method: 'PATCH', path: keyCredentials, every: 2 })
  emulator.faults.latency(60, { service: 'graph', method: 'PATCH', path: keyCredentials, every: 3 })
  emulator.faults.latency(90, { service: 'graph', method: 'GET', path: /keyCredentials/, every: 2 })
  emulator.faults.latency(100, { service: 'github' })
}

/** The certificate each run said it added to the app. */
function addedBy(run: ActionRun): string | undefined {
  return /Adding certificate ([0-9A-F]{40})/.exec(run.main.stdout)?.[1]
}

/**
 * The end state every concurrent scenario must reach: one app; every certificate that
 * existed or that a successful run added still on it; the secrets holding one whole
 * certificate that is on the app and signs in.
 */
async function expectConsistent(emulator: Emulator, runs: ActionRun[], existed: string[]): Promise<void> {
  const apps = provisionedApps(emulator)
  expect(apps).toHaveLength(1)
  const appId = apps[0].appId
  for (const run of runs) expect(run.outputs['app-id']).toBe(appId)

  const onApp = appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)
  const added = runs.filter(run => run.main.exitCode === 0).map(addedBy).filter((thumbprint): thumbprint is string => thumbprint !== undefined)
  for (const thumbprint of existed) expect(onApp).toContain(thumbprint)
  for (const thumbprint of added) expect(onApp).toContain(thumbprint)

  const secrets = storedSecrets(emulator, target.scope)
  expect(secrets.APP_ID).toBe(appId)
  // The password opens the PFX, and the thumbprint secret is that PFX's certificate.
  const stored = openStoredPfx(secrets)
  expect(secrets.CERT_THUMBPRINT).toBe(stored.thumbprint)
  expect(onApp).toContain(stored.thumbprint)
  expect(await signsIn(emulator, appId, { base64: secrets.CERT_PFX_BASE64 ?? '', password: secrets.CERT_PASSWORD ?? '' })).toBe(true)

  const material = secretMaterial(runs.map(run => ({ pfxBase64: run.outputs['pfx-base64'], password: run.outputs['pfx-password'] })))
  expect(leaksIn(runs, material)).toEqual([])
  // Every run gave the lease back.
  expect(emulator.github.secretNames(target.scope)).not.toContain('EXO_LEASE')
}

/**
 * Several runs at once take turns under the provisioning lease, each waiting for the one before
 * with a real (jittered, backing-off) poll and each finishing its set of secrets a second after
 * it began it: minutes of real time for 5 runs on a busy 2-core machine, not jest's default minute.
 */
const CONCURRENT_RUNS_TIMEOUT_MS = 240_000

describe.each([2, 5])('%i provision runs at the same time', count => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('on a fresh tenant: every run succeeds, every certificate a run made is on the one app, the secrets hold one of them whole', async () => {
    // An app's first certificate can only be written with a PATCH of the whole collection
    // (addKey needs a certificate the caller already holds), and Graph has no
    // compare-and-swap: only taking turns under the lease keeps every run's certificate.
    makeRacesReal(emulator)
    const runs = await Promise.all(Array.from({ length: count }, () => provision(action, emulator, target.inputs)))
    for (const run of runs) expectSucceeded(run)
    await expectConsistent(emulator, runs, [])
    expect(runs.filter(run => /holds the lease EXO_LEASE/.test(run.main.stdout)).length).toBeGreaterThan(0)
    const onApp = appKeyCredentials(emulator, runs[0].outputs['app-id']).map(credential => credential.thumbprint)
    expect(new Set(runs.map(run => run.outputs['certificate-thumbprint'])).size).toBe(count)
    for (const run of runs) expect(onApp).toContain(run.outputs['certificate-thumbprint'])

    const rerun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    expectSucceeded(rerun)
    expect(rerun.outputs.rotated).toBe('false')
    await expectConsistent(emulator, [rerun], onApp)
  }, CONCURRENT_RUNS_TIMEOUT_MS)

  it('rotating the same certificate: the old one and every new one kept, secrets whole and on the app', async () => {
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    const oldThumbprint = first.outputs['certificate-thumbprint']
    emulator.setKeyCredentialEndDate(first.outputs['app-id'], oldThumbprint, new Date(Date.now() + 10 * DAY_MS))
    const inputs = { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) }

    makeRacesReal(emulator)
    const runs = await Promise.all(Array.from({ length: count }, () => provision(action, emulator, inputs)))
    for (const run of runs) {
      expectSucceeded(run)
      expect(run.outputs.rotated).toBe('true')
    }
    await expectConsistent(emulator, runs, [oldThumbprint])
  }, CONCURRENT_RUNS_TIMEOUT_MS)
})

describe('without a secret target (nothing shared to take turns on)', () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('two first runs at once: one app, and a run that would race the creator stops with a clear message', async () => {
    makeRacesReal(emulator)
    const inputs = { ...target.inputs, 'secret-target': 'none', 'github-token': '' }
    const runs = await Promise.all([provision(action, emulator, inputs), provision(action, emulator, inputs)])
    expect(provisionedApps(emulator)).toHaveLength(1)
    expect(runs.some(run => run.main.exitCode === 0)).toBe(true)
    for (const run of runs.filter(run => run.main.exitCode !== 0)) {
      expect(errorsOf(run)).toMatch(/created the app .* at the same moment as this one|kept changing under this run/)
      expect(run.main.stdout).not.toMatch(/Unexpected error/)
    }
    expect(emulator.github.secretNames(target.scope)).toEqual([])
    const material = secretMaterial(runs.map(run => ({ pfxBase64: run.outputs['pfx-base64'], password: run.outputs['pfx-password'] })))
    expect(leaksIn(runs, material)).toEqual([])
  })

  it('a run whose create finds the app made by another run meanwhile stops before touching its certificates', async () => {
    const appName = 'EXO Background Process'
    // The other run's create lands right after this run read the tenant (and saw no app).
    let created = false
    const stop = emulator.log.onRecord(entry => {
      if (created || entry.service !== 'graph' || !entry.path.startsWith('/v1.0/$batch')) return
      created = true
      stop()
      emulator.tenant.seedApplication({ displayName: appName, uniqueName: uniqueNameFor(appName) }, emulator.urls.oidc)
    })
    const run = await provision(action, emulator, { ...target.inputs, 'app-name': appName, 'secret-target': 'none', 'github-token': '' })
    expect(created).toBe(true)
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run)).toMatch(/Another run created the app "EXO Background Process" .* at the same moment as this one/)
    expect(provisionedApps(emulator)).toHaveLength(1)
    expect(appKeyCredentials(emulator, provisionedApps(emulator)[0].appId)).toEqual([])
  })
})

/**
 * The lost update Graph allows, made deterministic: another writer that read the
 * collection before this run's write replaces it afterwards, dropping the new certificate.
 * Simulated by taking the credential off the app at a chosen moment, as that stale PATCH
 * would.
 */
describe("a concurrent writer's stale keyCredentials PATCH dropping this run's new certificate", () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  /** Drops every key credential not in `keep` from the app, once, when `when` first matches a logged request. */
  function dropNewCertificateWhen(when: (entry: { service: string; method: string; path: string }) => boolean, keep: () => string[]): () => boolean {
    let dropped = false
    const stop = emulator.log.onRecord(entry => {
      if (dropped || !when(entry)) return
      for (const app of emulator.tenant.dump().applications as Array<{ appId: string }>) {
        const record = emulator.tenant.applicationByAppId(app.appId)
        if (record === undefined || record.appId === emulator.provisioning.appId) continue
        const before = record.keyCredentials.length
        record.keyCredentials = record.keyCredentials.filter(credential => keep().includes(credential.keyId))
        dropped ||= record.keyCredentials.length < before
      }
      if (dropped) stop()
    })
    return () => dropped
  }

  it('right after the run confirmed its write: it is put back before verification, and the run succeeds', async () => {
    let patched = false
    const dropped = dropNewCertificateWhen(entry => {
      if (entry.service === 'graph' && entry.method === 'PATCH' && /^\/v1\.0\/applications\/[^(]/.test(entry.path)) patched = true
      // The confirming read after the write.
      return patched && entry.service === 'graph' && entry.method === 'GET' && /keyCredentials/.test(entry.path)
    }, () => [])
    const run = await provision(action, emulator, target.inputs)
    expect(dropped()).toBe(true)
    expectSucceeded(run)
    expect(run.main.stdout).toContain(`dropped the new certificate ${run.outputs['certificate-thumbprint']}; it was added again`)
    await expectConsistent(emulator, [run], [])
  })

  it('while the secrets are being written: it is put back after them, so the secrets never name a certificate missing from the app', async () => {
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    const appId = first.outputs['app-id']
    const oldKeyId = appKeyCredentials(emulator, appId)[0].keyId
    emulator.setKeyCredentialEndDate(appId, first.outputs['certificate-thumbprint'], new Date(Date.now() + 10 * DAY_MS))
    const inputs = { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) }

    const dropped = dropNewCertificateWhen(entry => entry.service === 'github' && entry.method === 'PUT', () => [oldKeyId])
    const rotation = await provision(action, emulator, inputs)
    expect(dropped()).toBe(true)
    expectSucceeded(rotation)
    expect(rotation.outputs.rotated).toBe('true')
    expect(rotation.main.stdout).toContain(`dropped the new certificate ${rotation.outputs['certificate-thumbprint']}; it was added again`)
    await expectConsistent(emulator, [rotation], [first.outputs['certificate-thumbprint']])
  })
})
