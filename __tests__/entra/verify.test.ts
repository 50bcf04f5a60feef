/**
 * Verification (src/entra/verify.ts): sign in as the app with its certificate, get an
 * Exchange Online token, and check `roles` and `wids`; wait for replication within the
 * timeout; say exactly what is missing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator, type SeedApplication } from '../../emulator/index.js'
import { provisionInputs } from '../../scripts/lib/emulated-run.js'
import { MAX_VERIFY_WAIT_SECONDS, missingClaims, verifyExchangeAccess } from '../../src/entra/verify.js'
import { findDirectoryRole } from '../../src/entra/well-known.js'
import { readSettings, type Settings } from '../../src/settings.js'
import { makeCertificate, type TestCertificate } from '../emulator/helpers.js'
import { FakeInputs } from '../helpers/fake-inputs.js'

const EXCHANGE_ADMINISTRATOR = findDirectoryRole('Exchange Administrator')!
const GLOBAL_READER = findDirectoryRole('Global Reader')!
const MANAGE_AS_APP = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
const runnerTemp = mkdtempSync(join(tmpdir(), 'exo-cba-verify-'))

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})
afterAll(() => rmSync(runnerTemp, { recursive: true, force: true }))

let certificate: TestCertificate
beforeAll(() => {
  certificate = makeCertificate({ subject: 'EXO Background Process' })
})

async function appWith(seed: Omit<SeedApplication, 'displayName'>, timeoutSeconds = 5): Promise<{ e: Emulator; appId: string; settings: Settings }> {
  const e = await startEmulator({ apps: [{ displayName: 'EXO Background Process', ...seed }] })
  emulator = e
  const appId = [...e.tenant.applications.values()].find(a => a.displayName === 'EXO Background Process')!.appId
  const inputs = provisionInputs(e, { 'verify-timeout-seconds': String(timeoutSeconds) })
  const settings = readSettings(new FakeInputs(inputs), { RUNNER_TEMP: runnerTemp, GITHUB_REPOSITORY: 'octo/demo' }, new Date()).settings
  return { e, appId, settings }
}

function target(e: Emulator, appId: string, roles = [EXCHANGE_ADMINISTRATOR]) {
  const [privateKeyPem, certificatePem] = [certificate.pem.slice(0, certificate.pem.indexOf('-----BEGIN CERTIFICATE-----')), certificate.certPem]
  return { tenantId: e.tenant.tenantId, appId, certificate: { privateKeyPem, certificatePem }, roles }
}

/** A sleep that does not sleep, recording what the policy asked for, on a clock only the sleeps move. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[]; now: () => number } {
  const waits: number[] = []
  let time = 0
  return { waits, sleep: async ms => void (waits.push(ms), (time += ms)), now: () => time }
}

describe('verifyExchangeAccess', () => {
  it('ok at once when the token carries Exchange.ManageAsApp and the role', async () => {
    const { e, appId, settings } = await appWith({ certificates: [certificate.certPem], exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] })
    const result = await verifyExchangeAccess(settings, target(e, appId))
    expect(result).toMatchObject({ ok: true, signedIn: true, missing: [], attempts: 1, waitedMs: 0 })
    // It asked for an Exchange Online token, as Connect-ExchangeOnline will.
    expect(e.log.list({ service: 'login', path: /\/token/ })).toHaveLength(1)
  })

  it('names exactly what is missing when a role never arrives, and stops at the timeout', async () => {
    const { e, appId, settings } = await appWith({ certificates: [certificate.certPem], exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] }, 30)
    const { sleep, waits, now } = recordingSleep()
    const result = await verifyExchangeAccess(settings, target(e, appId, [EXCHANGE_ADMINISTRATOR, GLOBAL_READER]), sleep, undefined, now)
    expect(result.ok).toBe(false)
    expect(result.signedIn).toBe(true)
    expect(result.missing).toEqual([`Global Reader (${GLOBAL_READER.templateId}) in 'wids'`])
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000)
    expect(result.waitedMs).toBe(waits.reduce((a, b) => a + b, 0))
    expect(result.attempts).toBe(waits.length + 1)
    // A fresh sign-in each attempt: a cached token would keep stale claims.
    expect(e.log.list({ service: 'login', path: /\/token/ })).toHaveLength(result.attempts)
  })

  it('waits at most MAX_VERIFY_WAIT_SECONDS in all, however long verify-timeout-seconds is (the lease counts on it)', async () => {
    const { e, appId, settings } = await appWith({ certificates: [certificate.certPem], exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] }, 3600)
    const { sleep, waits, now } = recordingSleep()
    const result = await verifyExchangeAccess(settings, target(e, appId, [EXCHANGE_ADMINISTRATOR, GLOBAL_READER]), sleep, undefined, now)
    expect(result.ok).toBe(false)
    expect(result.waitedMs).toBeLessThanOrEqual(MAX_VERIFY_WAIT_SECONDS * 1000)
    expect(result.waitedMs).toBeGreaterThan((MAX_VERIFY_WAIT_SECONDS - 30) * 1000)
    // A shorter input still shortens it (the test above: 30 s).
    expect(waits.reduce((a, b) => a + b, 0)).toBe(result.waitedMs)
  })

  it('counts the time the token requests take, not only the waits between them', async () => {
    const { e, appId, settings } = await appWith({ certificates: [certificate.certPem], exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] }, 180)
    const { sleep, waits } = recordingSleep()
    // Each token request takes 70 s (a slow or throttled login endpoint): the clock moves 70 s each time it is read.
    let time = 0
    const now = () => (time += 70_000)
    const result = await verifyExchangeAccess(settings, target(e, appId, [EXCHANGE_ADMINISTRATOR, GLOBAL_READER]), sleep, undefined, now)
    expect(result.ok).toBe(false)
    // Two requests (140 s) and a short wait fit in 180 s; a third wait would start past it.
    expect(result.attempts).toBeLessThanOrEqual(3)
    expect(e.log.list({ service: 'login', path: /\/token/ })).toHaveLength(result.attempts)
    // No wait starts past the 180 s; only the last request may end after them.
    expect(result.waitedMs - 70_000).toBeLessThanOrEqual(180_000)
    expect(result.waitedMs).toBe(waits.reduce((a, b) => a + b, 0) + 70_000 * result.attempts)
  })

  it('names the consent when Exchange.ManageAsApp is not granted', async () => {
    const { e, appId, settings } = await appWith({ certificates: [certificate.certPem], directoryRoles: ['Exchange Administrator'] })
    const { sleep } = recordingSleep()
    const result = await verifyExchangeAccess(settings, target(e, appId), sleep)
    expect(result.missing).toEqual(["Exchange.ManageAsApp in 'roles' (admin consent)"])
  })

  it('never signed in: the certificate is not on the app, with the sign-in error', async () => {
    const { e, appId, settings } = await appWith({ exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] })
    const { sleep } = recordingSleep()
    const result = await verifyExchangeAccess(settings, target(e, appId), sleep)
    expect(result.signedIn).toBe(false)
    expect(result.ok).toBe(false)
    expect(result.signInError).toMatch(/AADSTS700027/)
    expect(result.missing).toEqual(['a successful sign-in'])
  })

  it('waits for a grant that replicates late, then succeeds', async () => {
    const { e, appId, settings } = await appWith({ certificates: [certificate.certPem], directoryRoles: ['Exchange Administrator'] }, 20)
    e.faults.replicationLag({ appRoleAssignments: 1_500 })
    const sp = e.tenant.servicePrincipalByAppId(appId)!
    e.tenant.grantAppRole(sp, e.tenant.exchangeServicePrincipal, MANAGE_AS_APP)
    const result = await verifyExchangeAccess(settings, target(e, appId))
    expect(result.ok).toBe(true)
    expect(result.attempts).toBeGreaterThan(1)
  }, 30_000)
})

describe('missingClaims', () => {
  const token = (claims: Record<string, unknown>): string =>
    `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

  it('nothing missing', () => {
    expect(missingClaims(token({ roles: ['Exchange.ManageAsApp'], wids: [EXCHANGE_ADMINISTRATOR.templateId] }), [EXCHANGE_ADMINISTRATOR])).toEqual([])
  })

  it('role template ids compare without case', () => {
    expect(missingClaims(token({ roles: ['Exchange.ManageAsApp'], wids: [EXCHANGE_ADMINISTRATOR.templateId.toUpperCase()] }), [EXCHANGE_ADMINISTRATOR])).toEqual([])
  })

  it('no roles claim at all, and roles: none asks for no wids', () => {
    expect(missingClaims(token({ wids: [] }), [])).toEqual(["Exchange.ManageAsApp in 'roles' (admin consent)"])
  })

  it('an unreadable token lacks everything', () => {
    expect(missingClaims('garbage', [EXCHANGE_ADMINISTRATOR])).toHaveLength(2)
  })
})
