/**
 * Every certificate write of provision mode holds the provisioning lease (checks it is still
 * this run's, with time left) — not only apply's add and the final check, but also the
 * put-back between verification rounds, apply's own clean-up after a failed apply, and the
 * take-back of a run that is undone. Once the lease is overdue, another run may hold it, and
 * a keyCredentials write could drop that run's certificate: the write is not made. And all
 * verification rounds together wait no longer than the constant cap the lease relies on.
 * In-process, through the real Graph client against the emulator.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { provisionInputs } from '../../scripts/lib/emulated-run.js'
import { generateCertificate, type CertificateInAdvance } from '../../src/certificate/index.js'
import type { HeldCertificate } from '../../src/certificate/types.js'
import { resolveCloud } from '../../src/cloud.js'
import { ApplyError, applyPlan, type AppliedState } from '../../src/entra/apply.js'
import { Graph } from '../../src/entra/graph.js'
import { uniqueNameFor, type Plan } from '../../src/entra/plan.js'
import { readTenant } from '../../src/entra/read-tenant.js'
import { MAX_VERIFY_WAIT_SECONDS } from '../../src/entra/verify.js'
import { LeaseOverdue } from '../../src/github/lease.js'
import { keepNewCertificateOnApp, removeNewCertificate, verifyKeptOnApp } from '../../src/provision/certificate-on-app.js'
import { readSettings, type Settings } from '../../src/settings.js'
import { FakeInputs } from '../helpers/fake-inputs.js'

const APP_NAME = 'EXO Background Process'
const runnerTemp = mkdtempSync(join(tmpdir(), 'exo-cba-lease-writes-'))
afterAll(() => rmSync(runnerTemp, { recursive: true, force: true }))

let emulator: Emulator
let certificate: HeldCertificate
beforeAll(() => {
  certificate = generateCertificate({ subject: `CN=${APP_NAME}`, keySize: 2048, validityDays: 30, encryption: 'aes256', friendlyName: APP_NAME, now: new Date() })
})
beforeEach(async () => {
  emulator = await startEmulator()
})
afterEach(async () => {
  await emulator.close()
})

function graph(): Graph {
  const credential = new ClientSecretCredential(emulator.tenant.tenantId, emulator.provisioning.appId, emulator.provisioning.clientSecret, {
    authorityHost: emulator.urls.login,
    disableInstanceDiscovery: true
  })
  return Graph.create(credential, resolveCloud('global', { authorityHost: emulator.urls.login, graphEndpoint: emulator.urls.graph }))
}

function settingsWith(timeoutSeconds: number): Settings {
  const inputs = provisionInputs(emulator, { 'verify-timeout-seconds': String(timeoutSeconds) })
  return readSettings(new FakeInputs(inputs), { RUNNER_TEMP: runnerTemp, GITHUB_REPOSITORY: 'octo/demo' }, new Date()).settings
}

/** The app as apply leaves it, with this run's new certificate (on the app or not). */
function appWithNewCertificate(onApp: boolean): AppliedState {
  const { app } = emulator.tenant.seedApplication({ displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME) }, emulator.urls.oidc)
  if (onApp) app.keyCredentials.push(emulator.tenant.keyCredentialFromCertificate(certificate.derBase64, { displayName: `CN=${APP_NAME}`, visibleAt: 0 }))
  return { app: { objectId: app.id, appId: app.appId, displayName: APP_NAME }, servicePrincipalId: '', newCertificate: certificate, createdApp: false, createdServicePrincipal: false, applied: [] }
}

const keyWrites = () => emulator.log.list({ service: 'graph', method: 'PATCH', path: /^\/v1\.0\/applications\// })
const onTheApp = (applied: AppliedState) => emulator.tenant.applicationByAppId(applied.app.appId)?.keyCredentials.length ?? 0

/** A lease this run held too long: every hold is refused from now on. */
function overdueLease(): { holdLease: () => Promise<void>; holds: () => number } {
  let holds = 0
  return {
    holds: () => holds,
    holdLease: async () => {
      holds++
      throw new LeaseOverdue('EXO_LEASE', 'repository octo/demo', 26 * 60_000, { staleAfterMs: 30 * 60_000, writeMarginMs: 5 * 60_000 })
    }
  }
}

const plan = { phases: [[{ kind: 'add-certificate', reason: 'none-held' }]], changes: [] } as unknown as Plan

describe('the put-back between verification rounds', () => {
  it('is not made once the lease is overdue: a writer outside it dropped the certificate, but another run may hold the lease now', async () => {
    const applied = appWithNewCertificate(false)
    const lease = overdueLease()
    await expect(keepNewCertificateOnApp(graph(), settingsWith(0), applied, lease.holdLease)).rejects.toBeInstanceOf(LeaseOverdue)
    expect(lease.holds()).toBe(1)
    expect(keyWrites()).toEqual([])
    expect(onTheApp(applied)).toBe(0)
  })

  it('holds the lease only for a write: a certificate still on the app costs one read and no hold', async () => {
    const applied = appWithNewCertificate(true)
    const lease = overdueLease()
    expect(await keepNewCertificateOnApp(graph(), settingsWith(0), applied, lease.holdLease)).toBe(false)
    expect(lease.holds()).toBe(0)
  })

  it('verification stops at its second round instead of writing when the lease is overdue', async () => {
    const applied = appWithNewCertificate(false)
    const lease = overdueLease()
    await expect(verifyKeptOnApp(graph(), settingsWith(0), plan, applied, certificate, emulator.tenant.tenantId, lease.holdLease)).rejects.toBeInstanceOf(LeaseOverdue)
    expect(keyWrites()).toEqual([])
  })
})

describe('all verification rounds together', () => {
  it(`wait at most ${MAX_VERIFY_WAIT_SECONDS} s, even with verify-timeout-seconds 3600 and a certificate dropped every round`, async () => {
    const applied = appWithNewCertificate(false)
    // Whatever this run puts back is dropped again right after its confirming read (a writer outside the lease).
    let patched = false
    emulator.log.onRecord(entry => {
      if (entry.service !== 'graph') return
      if (entry.method === 'PATCH') patched = true
      if (!patched || entry.method !== 'GET' || !/keyCredentials/.test(entry.path)) return
      patched = false
      const app = emulator.tenant.applicationByAppId(applied.app.appId)
      if (app !== undefined) app.keyCredentials = []
    })
    const waits: number[] = []
    const result = await verifyKeptOnApp(graph(), settingsWith(3600), plan, applied, certificate, emulator.tenant.tenantId, async () => undefined, async ms => void waits.push(ms))
    expect(result?.signedIn).toBe(false)
    // It did go round again (the certificate was put back twice).
    expect(keyWrites().length).toBeGreaterThanOrEqual(2)
    const waited = waits.reduce((sum, ms) => sum + ms, 0)
    expect(waited).toBeLessThanOrEqual(MAX_VERIFY_WAIT_SECONDS * 1000)
    expect(waited).toBeGreaterThan((MAX_VERIFY_WAIT_SECONDS - 30) * 1000)
  })
})

describe('the message after verification', () => {
  it(`names the ${MAX_VERIFY_WAIT_SECONDS} s it waited, not a verify-timeout-seconds above that`, async () => {
    const applied = appWithNewCertificate(true)
    const printed: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (printed.push(String(chunk)), write(chunk, ...rest))) as typeof process.stdout.write
    try {
      // It signs in, but consent never arrives: it waits out the whole cap.
      const result = await verifyKeptOnApp(graph(), settingsWith(3600), plan, applied, certificate, emulator.tenant.tenantId, async () => undefined, async () => undefined)
      expect(result?.signedIn).toBe(true)
    } finally {
      process.stdout.write = write
    }
    const warning = printed.find(line => line.includes('still lacks'))
    expect(warning).toContain(`After ${MAX_VERIFY_WAIT_SECONDS} s the Exchange Online token still lacks`)
  })
})

describe('taking the new certificate back off the app (the undo of apply)', () => {
  it('is not done once the lease is overdue', async () => {
    const applied = appWithNewCertificate(true)
    const lease = overdueLease()
    await expect(removeNewCertificate(graph(), settingsWith(0), applied, lease.holdLease)).rejects.toBeInstanceOf(LeaseOverdue)
    expect(lease.holds()).toBe(1)
    expect(keyWrites()).toEqual([])
    expect(onTheApp(applied)).toBe(1)
  })

  it('is done while the lease is this run\'s', async () => {
    const applied = appWithNewCertificate(true)
    let holds = 0
    await removeNewCertificate(graph(), settingsWith(0), applied, async () => void holds++)
    expect(holds).toBe(1)
    expect(onTheApp(applied)).toBe(0)
  })
})

describe("apply's own clean-up after a failed apply", () => {
  it('leaves the certificate it added on the app when the lease is overdue by then, and says so', async () => {
    const { app } = emulator.tenant.seedApplication({ displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME) }, emulator.urls.oidc)
    app.createdDateTime = new Date(Date.now() - 120 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const g = graph()
    const actual = await readTenant(g, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    // The certificate is added; a change beside it then fails (an object that is not there: a final 404).
    const failing = {
      phases: [
        [{ kind: 'add-certificate', reason: 'none-held', appObjectId: app.id }],
        [{ kind: 'set-required-resource-access', appObjectId: '00000000-0000-0000-0000-000000000000', requiredResourceAccess: [] }]
      ],
      changes: []
    } as unknown as Plan
    let holds = 0
    const holdLease = async () => {
      // Held for the add; overdue by the time apply cleans up.
      if (++holds > 1) throw new LeaseOverdue('EXO_LEASE', 'repository octo/demo', 26 * 60_000, { staleAfterMs: 30 * 60_000, writeMarginMs: 5 * 60_000 })
    }
    const error = await applyPlan(failing, actual, {
      graph: g,
      settings: settingsWith(0),
      now: new Date(),
      log: () => undefined,
      newCertificate: { take: async () => certificate } as unknown as CertificateInAdvance,
      holdLease
    }).then(
      () => undefined,
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(ApplyError)
    expect((error as ApplyError).certificate).toEqual({ thumbprint: certificate.thumbprint, removed: false })
    expect(holds).toBe(2)
    // One write to the app: the add. The removal was not made.
    expect(keyWrites().filter(entry => entry.path.includes(app.id))).toHaveLength(1)
    expect(app.keyCredentials).toHaveLength(1)
  })
})
