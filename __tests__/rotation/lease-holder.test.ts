/**
 * Issue 21, point 4, end to end with the bundled action: the provisioning lease has exactly
 * one holder, and the secret set never disagrees with itself.
 *
 * - Two runs with different verify-timeout-seconds: the one with a short timeout waits for
 *   the lease of the one with a long timeout instead of breaking it while it still writes.
 * - A run that waited for a contended lease and then fails writing its secrets does not put
 *   its stale inputs back over the set the other run stored meanwhile: it keeps its new
 *   certificate and writes the whole set again.
 * - A run cut off right after writing a new PFX, in the same whole second in which the set
 *   before it was finished: the rerun still sees the set is incomplete and repairs it (the
 *   reliability finding "SIGKILL after write 5 (PUT EXO_CERT_PFX_BASE64)").
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { generateCertificate } from '../../src/certificate/index.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  appKeyCredentials,
  DAY_MS,
  expectSucceeded,
  inputsFromSecrets,
  openStoredPfx,
  provision,
  REPOSITORY_TARGET,
  signsIn,
  storedSecrets
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET
const LEASE = 'EXO_LEASE'
const MINUTE = 60_000

let action: BundledAction
beforeAll(() => {
  action = new BundledAction()
})
afterAll(() => action?.cleanup())

let emulator: Emulator
beforeEach(async () => {
  emulator = await startEmulator()
})
afterEach(async () => {
  await emulator?.close()
})

/** A first run, then the inputs of a rotation of its certificate (10 days left on the app). */
async function dueForRotation(): Promise<{ inputs: Record<string, string>; old: string; appId: string }> {
  const first = await provision(action, emulator, target.inputs)
  expectSucceeded(first)
  const appId = first.outputs['app-id']
  emulator.setKeyCredentialEndDate(appId, first.outputs['certificate-thumbprint'], new Date(Date.now() + 10 * DAY_MS))
  return { inputs: { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) }, old: first.outputs['certificate-thumbprint'], appId }
}

/** Calls `then` once, right after the emulator stored the lease as new (answered 201). */
function whenLeaseTaken(then: () => void): void {
  let done = false
  const stop = emulator.log.onRecord(entry => {
    if (done || entry.service !== 'github' || entry.method !== 'PUT' || !entry.path.endsWith(`/${LEASE}`) || entry.status !== 201) return
    done = true
    stop()
    then()
  })
}

/** The secrets hold one certificate whole: the password opens the PFX, the thumbprint is its certificate's, and it signs in. */
async function expectWholeSet(appId: string): Promise<string> {
  const secrets = storedSecrets(emulator, target.scope)
  const stored = openStoredPfx(secrets)
  expect(secrets.CERT_THUMBPRINT).toBe(stored.thumbprint)
  expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)).toContain(stored.thumbprint)
  expect(await signsIn(emulator, appId, { base64: secrets.CERT_PFX_BASE64 ?? '', password: secrets.CERT_PASSWORD ?? '' })).toBe(true)
  expect(emulator.github.secretNames(target.scope)).not.toContain(LEASE)
  return stored.thumbprint
}

const breaking = /breaking it/

describe('two runs with different verify-timeout-seconds', () => {
  it('the run with a 1-second timeout waits for the lease of the run with a 3600-second one instead of breaking it while it writes', async () => {
    const { inputs, old, appId } = await dueForRotation()
    // The patient run has held its lease for 20 minutes (verifying, as a 3600-second timeout
    // allows): older than the 15 minutes and 3 seconds the impatient run's own timeout would
    // give, younger than the lease's stale limit. Its secret writes are slow, so the
    // impatient run asks while it still holds the lease.
    emulator.faults.latency(1500, { service: 'github', method: 'PUT', path: /EXO_(APP_ID|TENANT_ID|ORGANIZATION|CERT_)/ })
    let impatient: Promise<ActionRun> | undefined
    whenLeaseTaken(() => {
      const lease = emulator.github.secret(target.scope, LEASE)
      emulator.github.removeSecret(target.scope, LEASE)
      emulator.github.seedSecret(target.scope, LEASE, 'patient', new Date(Date.parse(lease?.createdAt ?? '') - 20 * MINUTE))
      impatient = provision(action, emulator, { ...inputs, 'verify-timeout-seconds': '1' })
    })
    const patient = await provision(action, emulator, { ...inputs, 'verify-timeout-seconds': '3600' })
    const other = await (impatient as Promise<ActionRun>)
    expectSucceeded(patient)
    expectSucceeded(other)
    // The impatient run broke nothing: it waited for the lease (held when it asked).
    expect(breaking.test(other.main.stdout)).toBe(false)
    expect(breaking.test(patient.main.stdout)).toBe(false)
    expect(/Another provisioning run holds the lease EXO_LEASE/.test(other.main.stdout)).toBe(true)
    expect(patient.main.stdout).not.toMatch(/Could not give back the provisioning lease/)
    // Both certificates, and the one they replaced, are on the app; the secrets hold the later run's whole.
    const onApp = appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)
    for (const thumbprint of [old, patient.outputs['certificate-thumbprint'], other.outputs['certificate-thumbprint']]) expect(onApp).toContain(thumbprint)
    expect(await expectWholeSet(appId)).toBe(other.outputs['certificate-thumbprint'])
  })
})

describe('a run that waited for a contended lease and then fails writing its secrets', () => {
  it("keeps its new certificate and writes the whole set, instead of putting its stale inputs back over the other run's set", async () => {
    const { inputs, appId } = await dueForRotation()
    emulator.faults.latency(1500, { service: 'github', method: 'PUT', path: /EXO_(APP_ID|TENANT_ID|ORGANIZATION|CERT_)/ })
    let second: Promise<ActionRun> | undefined
    whenLeaseTaken(() => {
      second = provision(action, emulator, inputs)
    })
    // Once the first run has stored its thumbprint, the second run's thumbprint write fails
    // (GitHub answers 503 to it and both retries); the roll-forward after it gets through.
    let thumbprints = 0
    const stop = emulator.log.onRecord(entry => {
      if (entry.service !== 'github' || entry.method !== 'PUT' || !entry.path.endsWith('/EXO_CERT_THUMBPRINT') || entry.status >= 300) return
      if (++thumbprints === 1) emulator.github.failSecretWrites(503, 3, { only: /^EXO_CERT_THUMBPRINT$/ })
      else stop()
    })
    const first = await provision(action, emulator, inputs)
    const later = await (second as Promise<ActionRun>)
    expectSucceeded(first)
    expect(/Another provisioning run holds the lease EXO_LEASE/.test(later.main.stdout)).toBe(true)
    expect(later.main.exitCode).toBe(1)
    expect(/All six secrets were written again with this run's new certificate/.test(later.main.stdout)).toBe(true)
    // The set is whole, and it is the later run's certificate (still on the app), not a mix
    // of the first run's thumbprint and the certificate both runs were given.
    const stored = await expectWholeSet(appId)
    expect(stored).toBe(later.outputs['certificate-thumbprint'] || /Adding certificate ([0-9A-F]{40})/.exec(later.main.stdout)?.[1])
  })
})

describe('a run cut off right after writing a new PFX, in the second the set before it was finished', () => {
  it('the rerun sees the set is incomplete and writes the thumbprint of the stored PFX', async () => {
    const { appId } = await dueForRotation()
    // The cut-off run had added its certificate and written the PFX and its password, in the
    // same whole second as the stored thumbprint (GitHub's dates are whole seconds).
    const cut = generateCertificate({ subject: 'CN=EXO Background Process', keySize: 2048, validityDays: 365, encryption: 'aes256', friendlyName: 'EXO Background Process', now: new Date() })
    const app = emulator.tenant.applicationByAppId(appId)
    if (app === undefined) throw new Error('no app')
    app.keyCredentials.push(emulator.tenant.keyCredentialFromCertificate(cut.derBase64, { displayName: 'CN=EXO Background Process', visibleAt: 0 }))
    const thumbprintWritten = new Date(emulator.github.secret(target.scope, 'EXO_CERT_THUMBPRINT')?.updatedAt ?? '')
    emulator.github.seedSecret(target.scope, 'EXO_CERT_PFX_BASE64', cut.pfxBase64, thumbprintWritten)
    emulator.github.seedSecret(target.scope, 'EXO_CERT_PASSWORD', cut.pfxPassword, thumbprintWritten)

    const rerun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    expectSucceeded(rerun)
    expect(await expectWholeSet(appId)).toBe(cut.thumbprint)
  })
})
