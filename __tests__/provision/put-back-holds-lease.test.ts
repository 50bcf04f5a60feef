/**
 * Putting the secrets back after a failed secret write is a secret write too: it holds the
 * provisioning lease first (issue 21, point 4). Once the lease is overdue another run may hold
 * it and be writing its own set, so nothing is restored, deleted or rewritten, and every
 * certificate secret this run wrote is reported as still naming the new certificate (which
 * therefore stays on the app). In-process, through the real lease against the emulator,
 * on an injected clock.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { provisionInputs, repositorySecretInputs } from '../../scripts/lib/emulated-run.js'
import { generateCertificate } from '../../src/certificate/index.js'
import type { HeldCertificate } from '../../src/certificate/types.js'
import type { LeaseClock } from '../../src/github/lease.js'
import { SecretWriteError } from '../../src/github/secrets.js'
import { putBackSecrets } from '../../src/provision/store-secrets.js'
import { LEASE_STALE_AFTER_MS, ProvisioningLease } from '../../src/provisioning-lease.js'
import { readSettings, type Settings } from '../../src/settings.js'
import { FakeInputs } from '../helpers/fake-inputs.js'

const runnerTemp = mkdtempSync(join(tmpdir(), 'exo-cba-put-back-'))
afterAll(() => rmSync(runnerTemp, { recursive: true, force: true }))

let emulator: Emulator
let given: HeldCertificate
let minted: HeldCertificate
beforeAll(() => {
  const make = () => generateCertificate({ subject: 'CN=EXO', keySize: 2048, validityDays: 30, encryption: 'aes256', friendlyName: 'EXO', now: new Date() })
  given = make()
  minted = make()
})
beforeEach(async () => {
  emulator = await startEmulator()
})
afterEach(async () => {
  await emulator.close()
})

function settingsWith(extra: Record<string, string>): Settings {
  const inputs = { ...provisionInputs(emulator), ...repositorySecretInputs(), ...extra }
  return readSettings(new FakeInputs(inputs), { RUNNER_TEMP: runnerTemp, GITHUB_REPOSITORY: 'octo/demo', GITHUB_API_URL: emulator.urls.github }, new Date()).settings
}

/** Writes to the six secrets (not the lease and its guard). */
const setWrites = () => emulator.log.list({ service: 'github', kind: 'write', path: /\/actions\/secrets\/EXO_(APP_ID|TENANT_ID|ORGANIZATION|CERT_)/ }).length

/** A lease this run took at time 0, and a clock now past the point where it may start a write. */
async function overdueLease(settings: Settings): Promise<{ lease: ProvisioningLease; hold: () => Promise<unknown> }> {
  let now = 1_000_000
  const clock: LeaseClock = { now: () => now, sleep: async ms => void (now += ms) }
  const lease = ProvisioningLease.for(settings, async () => undefined, clock)
  if (lease === undefined) throw new Error('no lease for a run with a secret target')
  await lease.hold()
  now += LEASE_STALE_AFTER_MS - 60_000
  return { lease, hold: () => lease.hold() }
}

const failed = (created: string[], updated: string[]) => new SecretWriteError('PUT failed', { created, updated, failed: ['EXO_CERT_PASSWORD'] }, new Error('502'))

describe('putBackSecrets with an overdue lease', () => {
  it('deletes nothing it created and reports the certificate secrets as still naming the new certificate', async () => {
    const settings = settingsWith({})
    const { lease, hold } = await overdueLease(settings)
    const before = setWrites()
    const result = await putBackSecrets(settings, failed(['EXO_APP_ID', 'EXO_CERT_THUMBPRINT'], []), { setChangedSinceRead: false }, hold)
    expect(setWrites()).toBe(before)
    expect(result.stillNamingNew).toEqual(['EXO_CERT_THUMBPRINT'])
    expect(result.problem).toMatch(/no longer holds the provisioning lease/)
    await lease.release()
  })

  it('restores nothing to the certificate it was given', async () => {
    const settings = settingsWith({ 'pfx-base64': given.pfxBase64, 'pfx-password': given.pfxPassword })
    expect(settings.held?.thumbprint).toBe(given.thumbprint)
    const { lease, hold } = await overdueLease(settings)
    const before = setWrites()
    const result = await putBackSecrets(settings, failed([], ['EXO_CERT_THUMBPRINT', 'EXO_CERT_PFX_BASE64']), { setChangedSinceRead: false }, hold)
    expect(setWrites()).toBe(before)
    expect(result.stillNamingNew).toEqual(['EXO_CERT_THUMBPRINT', 'EXO_CERT_PFX_BASE64'])
    await lease.release()
  })

  it('does not write the whole set again when another run stored its set meanwhile', async () => {
    const settings = settingsWith({ 'pfx-base64': given.pfxBase64, 'pfx-password': given.pfxPassword })
    const { lease, hold } = await overdueLease(settings)
    const before = setWrites()
    const current = { appId: 'app', tenantId: emulator.tenant.tenantId, organization: 'contoso.onmicrosoft.com', certificate: minted }
    const result = await putBackSecrets(settings, failed([], ['EXO_CERT_THUMBPRINT']), { setChangedSinceRead: true, current }, hold)
    expect(setWrites()).toBe(before)
    expect(result.keptNew).not.toBe(true)
    expect(result.stillNamingNew).toEqual(['EXO_CERT_THUMBPRINT'])
    await lease.release()
  })

  it('still puts back while the lease has time left', async () => {
    const settings = settingsWith({})
    let now = 1_000_000
    const lease = ProvisioningLease.for(settings, async () => undefined, { now: () => now, sleep: async ms => void (now += ms) })
    await lease?.hold()
    const before = setWrites()
    const result = await putBackSecrets(settings, failed(['EXO_APP_ID'], []), { setChangedSinceRead: false }, () => lease!.hold())
    expect(setWrites()).toBe(before + 1)
    expect(result).toEqual({ stillNamingNew: [] })
    await lease?.release()
  })
})
