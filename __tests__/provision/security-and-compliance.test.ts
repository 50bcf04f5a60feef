/**
 * `connect-ippssession: true` end to end: besides Exchange Online's Exchange.ManageAsApp,
 * the app requests and is granted Exchange.ManageAsApp of Microsoft Exchange Online
 * Protection (the resource Security & Compliance PowerShell may need; src/entra/well-known.ts),
 * so a Connect-IPPSSession token carries it; a rerun writes nothing; a tenant without that
 * service principal gets a warning, not a failure; a grant a concurrent run already made
 * counts as done. The bundled action runs as the runner runs it, against the emulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { ClientCertificateCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  APP_NAME,
  EXCHANGE_ONLINE_APP_ID,
  MANAGE_AS_APP_ROLE_ID,
  explain,
  graphWrites,
  pemFromPfx,
  provision,
  resourceRows
} from './provision-helpers.js'

const EOP_APP_ID = '00000007-0000-0ff1-ce00-000000000000'
const EOP_MANAGE_AS_APP = '455e5cd2-84e8-4751-8344-5672145dfa17'
const ROW = 'Security & Compliance: Exchange.ManageAsApp permission + consent'
const COMPLIANCE_SCOPE = 'https://ps.compliance.protection.outlook.com/.default'

let action: BundledAction
beforeAll(() => {
  action = new BundledAction()
})
afterAll(() => action?.cleanup())

/** Resource → app role ids the app requests, as the emulator stores them. */
function requested(emulator: Emulator, appId: string): Record<string, string[]> {
  const app = emulator.tenant.applicationByAppId(appId, true)
  return Object.fromEntries((app?.requiredResourceAccess ?? []).map(entry => [entry.resourceAppId, entry.resourceAccess.map(access => access.id)]))
}

/** `resourceId appRoleId` of every grant the app's service principal holds. */
function grants(emulator: Emulator, appId: string): string[] {
  const sp = emulator.tenant.servicePrincipalByAppId(appId, true)
  return emulator.tenant.appRoleAssignments.filter(a => a.principalId === sp?.id).map(a => `${a.resourceId} ${a.appRoleId}`).sort()
}

function changeKinds(run: ActionRun): string[] {
  return (JSON.parse(run.outputs.changes) as Array<{ kind: string }>).map(change => change.kind)
}

describe('connect-ippssession: true on a fresh tenant', () => {
  let emulator: Emulator
  let first: ActionRun

  beforeAll(async () => {
    emulator = await startEmulator()
    first = await provision(action, emulator, { 'connect-ippssession': 'true' }, { skipPost: true })
  }, 120_000)
  afterAll(async () => {
    await emulator?.close()
  })

  it('succeeds', () => {
    expect(first.main.exitCode === 0 ? 'exit 0' : explain(first)).toBe('exit 0')
  })

  it('requests both Exchange.ManageAsApp permissions on the app', () => {
    expect(requested(emulator, first.outputs['app-id'])).toEqual({
      [EXCHANGE_ONLINE_APP_ID]: [MANAGE_AS_APP_ROLE_ID],
      [EOP_APP_ID]: [EOP_MANAGE_AS_APP]
    })
  })

  it('grants both, each on its own resource', () => {
    const { exchangeServicePrincipal, exchangeProtectionServicePrincipal } = emulator.tenant
    expect(grants(emulator, first.outputs['app-id'])).toEqual(
      [`${exchangeServicePrincipal.id} ${MANAGE_AS_APP_ROLE_ID}`, `${exchangeProtectionServicePrincipal.id} ${EOP_MANAGE_AS_APP}`].sort()
    )
    expect(graphWrites(emulator)).toContain(`POST /v1.0/servicePrincipals/${exchangeProtectionServicePrincipal.id}/appRoleAssignedTo → 201`)
    expect(changeKinds(first)).toContain('grant-security-and-compliance')
  })

  it('so the certificate gets a Security & Compliance token that carries Exchange.ManageAsApp', async () => {
    const pem = pemFromPfx(first.outputs['pfx-base64'], first.outputs['pfx-password'])
    const credential = new ClientCertificateCredential(
      emulator.tenant.tenantId,
      first.outputs['app-id'],
      { certificate: `${pem.privateKeyPem}\n${pem.certificatePem}\n` },
      { authorityHost: emulator.urls.login, disableInstanceDiscovery: true }
    )
    const token = await credential.getToken(COMPLIANCE_SCOPE)
    const claims = JSON.parse(Buffer.from(token.token.split('.')[1], 'base64url').toString('utf8')) as { aud: string; roles?: string[] }
    expect(claims).toMatchObject({ aud: 'https://ps.compliance.protection.outlook.com', roles: ['Exchange.ManageAsApp'] })
  })

  it('shows the permission in the summary and the plan', () => {
    expect(resourceRows(first.summary).get(ROW)).toEqual({
      before: 'not requested, not consented',
      after: 'created',
      detail: 'application permission of Microsoft Exchange Online Protection, for Connect-IPPSSession'
    })
    expect(first.main.stdout).toContain('+ grant Exchange.ManageAsApp of Microsoft Exchange Online Protection (admin consent, for Security & Compliance PowerShell)')
  })

  describe('the rerun with the held PFX', () => {
    let rerun: ActionRun

    beforeAll(async () => {
      emulator.log.clear()
      rerun = await provision(action, emulator, {
        'connect-ippssession': 'true',
        'app-id': first.outputs['app-id'],
        organization: first.outputs.organization,
        'pfx-base64': first.outputs['pfx-base64'],
        'pfx-password': first.outputs['pfx-password']
      }, { skipPost: true })
    }, 120_000)

    it('writes nothing to Graph and plans nothing', () => {
      expect(rerun.main.exitCode === 0 ? 'exit 0' : explain(rerun)).toBe('exit 0')
      expect(graphWrites(emulator)).toEqual([])
      expect(JSON.parse(rerun.outputs.changes)).toEqual([])
    })

    it('reads Exchange Online Protection inside the same round trips as before', () => {
      const eopReads = emulator.log.list({ service: 'graph', path: /^\/v1\.0\/servicePrincipals\(appId='00000007-0000-0ff1-ce00-000000000000'\)/ })
      expect(eopReads).toEqual([expect.objectContaining({ batch: true, status: 200 })])
      expect(emulator.log.list({ service: 'graph' }).filter(entry => !entry.batch).length).toBeLessThanOrEqual(3)
    })

    it('summarises the permission as present', () => {
      expect(resourceRows(rerun.summary).get(ROW)).toMatchObject({ before: 'requested, consented', after: 'present' })
    })
  })
})

describe('connect-ippssession: true in special cases', () => {
  let emulator: Emulator | undefined
  afterEach(async () => {
    await emulator?.close()
    emulator = undefined
  })

  it('a tenant without Exchange Online Protection: provisioned anyway, with a warning row and plan line', async () => {
    emulator = await startEmulator()
    emulator.tenant.servicePrincipals.delete(emulator.tenant.exchangeProtectionServicePrincipal.id)
    const run = await provision(action, emulator, { 'connect-ippssession': 'true' }, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(Object.keys(requested(emulator, run.outputs['app-id']))).toEqual([EXCHANGE_ONLINE_APP_ID])
    expect(grants(emulator, run.outputs['app-id'])).toEqual([`${emulator.tenant.exchangeServicePrincipal.id} ${MANAGE_AS_APP_ROLE_ID}`])
    expect(changeKinds(run)).not.toContain('grant-security-and-compliance')
    const row = resourceRows(run.summary).get(ROW)
    expect(row).toMatchObject({ before: 'not available in this tenant', after: 'skipped' })
    expect(row?.detail).toContain(`az ad sp create --id ${EOP_APP_ID}`)
    expect(run.main.stdout).toContain(`! Security & Compliance: This tenant has no service principal for Microsoft Exchange Online Protection (appId ${EOP_APP_ID})`)
  }, 120_000)

  it('a grant a concurrent run already made (not yet visible to reads) counts as done', async () => {
    emulator = await startEmulator({ apps: [{ displayName: APP_NAME, exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] }] })
    const tenant = emulator.tenant
    const app = [...tenant.applications.values()].find(candidate => candidate.displayName === APP_NAME)!
    const sp = tenant.servicePrincipalByAppId(app.appId)!
    // Written but not replicated: reads miss it, the create answers "already exists".
    tenant.grantAppRole(sp, tenant.exchangeProtectionServicePrincipal, EOP_MANAGE_AS_APP, Date.now() + 10 * 60_000)
    const run = await provision(action, emulator, { 'connect-ippssession': 'true', roles: 'Exchange Administrator' }, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(changeKinds(run)).toContain('grant-security-and-compliance')
    expect(graphWrites(emulator)).toContain(`POST /v1.0/servicePrincipals/${tenant.exchangeProtectionServicePrincipal.id}/appRoleAssignedTo → 400`)
    expect(tenant.appRoleAssignments.filter(a => a.principalId === sp.id && a.appRoleId === EOP_MANAGE_AS_APP)).toHaveLength(1)
  }, 120_000)

  it('connect-ippssession false: Exchange Online Protection is neither read nor granted', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, {}, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(emulator.log.list({ service: 'graph', path: /00000007-0000-0ff1-ce00-000000000000/ })).toEqual([])
    expect(Object.keys(requested(emulator, run.outputs['app-id']))).toEqual([EXCHANGE_ONLINE_APP_ID])
    expect([...resourceRows(run.summary).keys()]).not.toContain(ROW)
  }, 120_000)
})
