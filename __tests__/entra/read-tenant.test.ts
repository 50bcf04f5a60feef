/**
 * Reading the tenant (src/entra/read-tenant.ts) through the real Graph client against the
 * emulator: what it finds, how it finds the app (app-id, uniqueName, display name), and
 * that it needs at most three round trips.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator, type SeedApplication } from '../../emulator/index.js'
import { resolveCloud } from '../../src/cloud.js'
import { Graph, GraphRequestError } from '../../src/entra/graph.js'
import { uniqueNameFor } from '../../src/entra/plan.js'
import { readTenant } from '../../src/entra/read-tenant.js'
import { UserError } from '../../src/errors.js'
import { makeCertificate } from '../emulator/helpers.js'

const APP_NAME = 'EXO Background Process'
const EXCHANGE_ADMINISTRATOR = '29232cdf-9323-42fd-ade2-1d097af3e4de'
const MANAGE_AS_APP = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
const EOP_MANAGE_AS_APP = '455e5cd2-84e8-4751-8344-5672145dfa17'
/** GET of Microsoft Exchange Online Protection's service principal by its appId. */
const EOP_READ = /^\/v1\.0\/servicePrincipals\(appId='00000007-0000-0ff1-ce00-000000000000'\)/

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function tenantWith(apps: SeedApplication[] = [], graphPermissions?: string[]): Promise<{ e: Emulator; graph: Graph }> {
  const e = await startEmulator({ apps, ...(graphPermissions ? { provisioning: { graphPermissions } } : {}) })
  emulator = e
  const credential = new ClientSecretCredential(e.tenant.tenantId, e.provisioning.appId, e.provisioning.clientSecret, {
    authorityHost: e.urls.login,
    disableInstanceDiscovery: true
  })
  const graph = Graph.create(credential, resolveCloud('global', { authorityHost: e.urls.login, graphEndpoint: e.urls.graph }))
  return { e, graph }
}

/** Graph round trips: requests on the wire ($batch sub-requests ride inside their envelope). */
function roundTrips(e: Emulator): number {
  return e.log.list({ service: 'graph' }).filter(entry => !entry.batch).length
}

describe('readTenant', () => {
  it('a fresh tenant: no app, Exchange Online and the initial domain, in one round trip', async () => {
    const { e, graph } = await tenantWith()
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: false })
    expect(state.app).toBeUndefined()
    expect(state.servicePrincipal).toBeUndefined()
    expect(state.exchangeOnline?.id).toBe(e.tenant.exchangeServicePrincipal.id)
    expect(state.exchangeOnline?.appRoles.map(r => r.id)).toContain(MANAGE_AS_APP)
    expect(state.initialDomain).toBe('contoso.onmicrosoft.com')
    expect(state.appRoleAssignments).toEqual([])
    expect(state.directoryRoleAssignments).toEqual([])
    expect(roundTrips(e)).toBe(1)
  })

  it('connect-ippssession: Exchange Online Protection\'s service principal rides in the same first round trip', async () => {
    const { e, graph } = await tenantWith()
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: true })
    expect(state.exchangeProtection?.id).toBe(e.tenant.exchangeProtectionServicePrincipal.id)
    expect(state.exchangeProtection?.appRoles).toContainEqual({ id: EOP_MANAGE_AS_APP, value: 'Exchange.ManageAsApp' })
    expect(e.log.list({ service: 'graph', path: EOP_READ })).toEqual([expect.objectContaining({ batch: true, status: 200 })])
    expect(roundTrips(e)).toBe(1)
  })

  it('without connect-ippssession, Exchange Online Protection is not read at all', async () => {
    const { e, graph } = await tenantWith()
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: false })
    expect(state).not.toHaveProperty('exchangeProtection')
    expect(e.log.list({ service: 'graph', path: EOP_READ })).toEqual([])
  })

  it('a tenant without Exchange Online Protection reads as "not there", not as an error', async () => {
    const { e, graph } = await tenantWith()
    e.tenant.servicePrincipals.delete(e.tenant.exchangeProtectionServicePrincipal.id)
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: true })
    expect(state.exchangeProtection).toBeUndefined()
    expect(state.exchangeOnline?.id).toBe(e.tenant.exchangeServicePrincipal.id)
    expect(e.log.list({ service: 'graph', path: EOP_READ })).toEqual([expect.objectContaining({ status: 404 })])
  })

  it('a provisioned app found by its uniqueName: everything, with certificates, in three round trips', async () => {
    const certificate = makeCertificate()
    const { e, graph } = await tenantWith([
      { displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME), certificates: [certificate.certPem], exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] }
    ])
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    const seeded = [...e.tenant.applications.values()].find(a => a.displayName === APP_NAME)!
    expect(state.app).toMatchObject({ objectId: seeded.id, appId: seeded.appId, uniqueName: uniqueNameFor(APP_NAME), foundBy: 'unique-name' })
    expect(state.app?.keyCredentials).toEqual([expect.objectContaining({ key: certificate.base64Der, type: 'AsymmetricX509Cert', usage: 'Verify' })])
    expect(state.servicePrincipal?.id).toBe(e.tenant.servicePrincipalByAppId(seeded.appId)?.id)
    expect(state.appRoleAssignments).toEqual([expect.objectContaining({ resourceId: e.tenant.exchangeServicePrincipal.id, appRoleId: MANAGE_AS_APP })])
    expect(state.directoryRoleAssignments).toEqual([expect.objectContaining({ roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' })])
    expect(state.initialDomain).toBeUndefined()
    expect(e.log.list({ service: 'graph', path: /^\/v1\.0\/organization/ })).toEqual([])
    expect(roundTrips(e)).toBe(3)
  })

  it('by app-id: the app and its service principal in the first round trip', async () => {
    const { e, graph } = await tenantWith([{ displayName: 'Mailbox automation' }])
    const seeded = [...e.tenant.applications.values()].find(a => a.displayName === 'Mailbox automation')!
    const state = await readTenant(graph, { appId: seeded.appId, appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    expect(state.app).toMatchObject({ appId: seeded.appId, foundBy: 'app-id' })
    expect(state.servicePrincipal?.appId).toBe(seeded.appId)
    expect(roundTrips(e)).toBe(2)
  })

  it('an unknown app-id reads as "no app" (the planner names it)', async () => {
    const { graph } = await tenantWith([{ displayName: APP_NAME }])
    const state = await readTenant(graph, { appId: '0d6b1a35-9f5e-4c1e-8a11-4b0f1f2c3d4e', appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    expect(state.app).toBeUndefined()
  })

  it('an app made in the portal (no uniqueName) is found by display name, even with quotes and & in it', async () => {
    const name = "O'Brien & Co #1 EXO"
    const { graph } = await tenantWith([{ displayName: name }])
    const state = await readTenant(graph, { appName: name, needInitialDomain: false, securityAndCompliance: false })
    expect(state.app).toMatchObject({ displayName: name, uniqueName: null, foundBy: 'display-name' })
    expect(state.servicePrincipal).toBeDefined()
  })

  it('two apps with the display name: a UserError listing both appIds', async () => {
    const { e, graph } = await tenantWith([{ displayName: APP_NAME }, { displayName: APP_NAME }])
    const appIds = [...e.tenant.applications.values()].filter(a => a.displayName === APP_NAME).map(a => a.appId)
    const error = await readTenant(graph, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false }).then(
      () => undefined,
      (thrown: unknown) => thrown
    )
    expect(error).toBeInstanceOf(UserError)
    for (const appId of appIds) expect((error as Error).message).toContain(appId)
    expect((error as UserError).input).toBe('app-name')
  })

  it('a refused read comes back as the GraphRequestError (the caller explains it)', async () => {
    const { graph } = await tenantWith([], ['Application.ReadWrite.All'])
    const error = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: false }).then(
      () => undefined,
      (thrown: unknown) => thrown
    )
    expect(error).toBeInstanceOf(GraphRequestError)
    expect((error as GraphRequestError).status).toBe(403)
    expect((error as GraphRequestError).path).toBe('/organization')
  })
})
