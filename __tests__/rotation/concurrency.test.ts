/**
 * Issue 5, concurrency: two and five provision runs at the same time against the same
 * tenant and app (a fresh tenant, and a rotation) end with exactly one app, no key
 * credential lost, and secrets that hold one certificate — PFX, password and thumbprint
 * agreeing — that is on the app.
 */
import { afterEach, beforeAll, afterAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
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
 * drift apart and write the collection from stale reads (lost updates that the runs must
 * repair: in trials most 5-run rounds needed at least one certificate put back). GitHub is
 * uniformly slow, as it is in life.
 *
 * Not exercised here, because no design without a lock can pass it: two runs whose secret
 * PUTs reach GitHub interleaved within the same moment (one run's password PUT overtaken
 * by the other's) leave one run's PFX beside the other's password. GitHub has no
 * compare-and-swap and never returns a value; see the issue-5 report for the options.
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
}

describe.each([2, 5])('%i provision runs at the same time', count => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('on a fresh tenant: one app, every run ends cleanly, and the next run leaves the secrets whole and on the app', async () => {
    // Graph has no compare-and-swap for keyCredentials, and an app's first certificate can
    // only be written with a PATCH of the whole collection (addKey needs a certificate the
    // caller already holds). So simultaneous FIRST runs can overwrite each other's new
    // certificate; what is guaranteed is one app, a clear end for every run, and that the
    // next run converges. (Rotations add with addKey and keep every certificate: below.)
    makeRacesReal(emulator)
    const runs = await Promise.all(Array.from({ length: count }, () => provision(action, emulator, target.inputs)))
    expect(provisionedApps(emulator)).toHaveLength(1)
    for (const run of runs.filter(run => run.main.exitCode !== 0)) {
      expect(run.main.stdout).toMatch(/^::error::/m)
      expect(run.main.stdout).not.toMatch(/Unexpected error/)
    }
    const material = secretMaterial(runs.map(run => ({ pfxBase64: run.outputs['pfx-base64'], password: run.outputs['pfx-password'] })))
    expect(leaksIn(runs, material)).toEqual([])

    const rerun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    expectSucceeded(rerun)
    await expectConsistent(emulator, [rerun], [])
  })

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
