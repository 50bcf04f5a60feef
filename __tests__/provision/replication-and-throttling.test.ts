/**
 * Entra's eventual consistency and Graph's throttling (issue 4): with 10 s of replication
 * lag on everything the run creates plus 429s (with and without Retry-After) the run still
 * converges; when a role never replicates within `verify-timeout-seconds`, the run warns
 * naming exactly what the Exchange Online token lacks, and succeeds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { findLeaks } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  EXCHANGE_ADMINISTRATOR,
  MANAGE_AS_APP_ROLE_ID,
  exchangeTokenClaims,
  explain,
  pemFromPfx,
  provision,
  secretsOfRun,
  warningsOf
} from './provision-helpers.js'

let action: BundledAction
let emulator: Emulator | undefined

beforeAll(() => {
  action = new BundledAction()
})
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})
afterAll(() => action?.cleanup())

describe('10 s of replication lag plus throttling, an outage and a dropped connection', () => {
  it('converges: everything created, verified, each fault actually hit', async () => {
    emulator = await startEmulator({ replicationLag: 10_000 })
    const throttledWithRetryAfter = emulator.faults.throttle({ service: 'graph', every: 3, retryAfterSeconds: 1 })
    const throttledWithout = emulator.faults.throttle({ service: 'graph', method: 'POST', path: /roleAssignments|appRoleAssignedTo/, first: 2, retryAfterSeconds: null })
    const batchStepThrottled = emulator.faults.throttle({ service: 'graph', method: 'GET', path: /servicePrincipals\(appId='00000002/, first: 1 })
    const unavailable = emulator.faults.fail(503, { service: 'graph', method: 'PATCH', first: 1 })
    const dropped = emulator.faults.reset({ service: 'graph', method: 'GET', path: /keyCredentials/, first: 1 })

    const run = await provision(action, emulator, {}, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')

    const tenant = emulator.tenant
    const app = tenant.applicationByAppId(run.outputs['app-id'], true)
    const sp = tenant.servicePrincipalByAppId(run.outputs['app-id'], true)
    expect(app?.keyCredentials.map(k => k.key)).toEqual([run.outputs['certificate-der-base64']])
    expect(tenant.appRoleAssignments.filter(a => a.principalId === sp?.id).map(a => a.appRoleId)).toEqual([MANAGE_AS_APP_ROLE_ID])
    expect(tenant.roleAssignments.filter(a => a.principalId === sp?.id).map(a => a.roleDefinitionId)).toEqual([EXCHANGE_ADMINISTRATOR])
    expect(run.main.stdout).toMatch(/Verified: the token for Exchange Online carries Exchange\.ManageAsApp and Exchange Administrator/)
    expect(warningsOf(run)).toEqual([])

    // The faults were real: Graph throttled, and the just-created objects were not yet visible.
    expect(throttledWithRetryAfter.hits).toBeGreaterThan(0)
    expect(throttledWithout.hits).toBe(2)
    expect(batchStepThrottled.hits).toBe(1)
    expect(unavailable.hits).toBe(1)
    expect(dropped.hits).toBe(1)
    const lagAnswers = emulator.log.list({ service: 'graph' }).filter(e => !e.fault && (e.status === 404 || e.status === 400))
    expect(lagAnswers.map(e => `${e.method} ${e.path.split('?')[0]}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^PATCH \/v1\.0\/servicePrincipals\(appId=/)])
    )
    // The certificate needs only the app, so it was added while the service principal was
    // still waiting out its replication lag: the key's own lag overlapped the others'.
    // (Its first read is logged before the service principal's creation succeeds, which the
    // lag holds back for 10 s.)
    const graphLog = emulator.log.list({ service: 'graph' })
    const firstKeyRead = graphLog.find(e => e.method === 'GET' && /\$select=id,keyCredentials/.test(e.path))
    const spCreated = graphLog.find(e => e.method === 'PATCH' && /servicePrincipals\(appId=/.test(e.path) && e.status === 201)
    expect(firstKeyRead).toBeDefined()
    expect(spCreated).toBeDefined()
    expect(firstKeyRead!.seq).toBeLessThan(spCreated!.seq)

    const claims = await exchangeTokenClaims(emulator, run.outputs['app-id'], pemFromPfx(run.outputs['pfx-base64'], run.outputs['pfx-password']))
    expect(claims.roles).toContain('Exchange.ManageAsApp')
    expect(claims.wids).toContain(EXCHANGE_ADMINISTRATOR)
    expect(findLeaks(run, secretsOfRun(run, [emulator.oidc.requestToken]))).toEqual([])
  }, 240_000)
})

describe('a role that does not replicate within verify-timeout-seconds', () => {
  it('warns naming exactly the missing directory role, and succeeds', async () => {
    emulator = await startEmulator({ replicationLag: { roleAssignments: 600_000 } })
    const run = await provision(action, emulator, { 'verify-timeout-seconds': '2' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    const warnings = warningsOf(run)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`Exchange Administrator (${EXCHANGE_ADMINISTRATOR}) in 'wids'`)
    expect(warnings[0]).not.toContain("Exchange.ManageAsApp in 'roles'")
    expect(warnings[0]).not.toMatch(/access denied/i)
    expect(warnings[0]).toMatch(/after 2 s/i)
    // Everything was written: the certificate stays, the outputs are set, the summary says what to expect.
    expect(run.outputs.rotated).toBe('true')
    expect(emulator.tenant.applicationByAppId(run.outputs['app-id'], true)?.keyCredentials).toHaveLength(1)
    expect(run.summary).toContain(`Exchange Administrator (${EXCHANGE_ADMINISTRATOR}) in 'wids'`)
  }, 120_000)

  it('names the consent too when Exchange.ManageAsApp has not replicated either', async () => {
    emulator = await startEmulator({ replicationLag: { roleAssignments: 600_000, appRoleAssignments: 600_000 } })
    const run = await provision(action, emulator, { 'verify-timeout-seconds': '2' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    const warnings = warningsOf(run)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain("Exchange.ManageAsApp in 'roles' (admin consent)")
    expect(warnings[0]).toContain(`Exchange Administrator (${EXCHANGE_ADMINISTRATOR}) in 'wids'`)
  }, 120_000)
})
