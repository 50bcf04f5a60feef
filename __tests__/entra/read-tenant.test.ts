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

  it('the app\'s federated credentials, in every mode, ride in the same round trips (uniqueName, app-id, display name)', async () => {
    const fics = [{ name: 'exo-cba-main', subject: 'repo:octo/demo:ref:refs/heads/main' }, { name: 'made-by-hand', subject: 'repo:octo/other:environment:prod' }]
    const { e, graph } = await tenantWith([
      { displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME), federatedCredentials: fics },
      { displayName: 'Portal made', federatedCredentials: fics }
    ])
    const subjects = (state: Awaited<ReturnType<typeof readTenant>>) => state.app?.federatedCredentials?.map(f => [f.name, f.subject, typeof f.id])
    const expected = fics.map(f => [f.name, f.subject, 'string'])

    expect(subjects(await readTenant(graph, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false }))).toEqual(expected)
    expect(roundTrips(e)).toBe(3)

    e.log.clear()
    const portal = [...e.tenant.applications.values()].find(a => a.displayName === 'Portal made')!
    expect(subjects(await readTenant(graph, { appId: portal.appId, appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false }))).toEqual(expected)
    expect(roundTrips(e)).toBe(2)

    e.log.clear()
    const byName = await readTenant(graph, { appName: 'Portal made', needInitialDomain: false, securityAndCompliance: false })
    expect(byName.app?.foundBy).toBe('display-name')
    expect(subjects(byName)).toEqual(expected)
    expect(roundTrips(e)).toBe(3)
  })

  it('a fresh tenant: the federated credentials of an app not made yet are nothing to read, still one round trip', async () => {
    const { e, graph } = await tenantWith()
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: false })
    expect(state.app).toBeUndefined()
    expect(roundTrips(e)).toBe(1)
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

  it('a refused read is recorded for the preflight, not thrown: the organization', async () => {
    const { graph } = await tenantWith([], ['Application.ReadWrite.All'])
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: false })
    expect(state.refusedReads).toEqual([
      { capability: 'read-organization', request: 'GET /organization', task: "discover the tenant's initial domain (or pass 'organization')" }
    ])
    expect(state.initialDomain).toBeUndefined()
    // The rest was read as usual.
    expect(state.exchangeOnline?.id).toBeDefined()
  })

  it('refused app reads: the state is marked incomplete (nothing to plan from), with every refused request once', async () => {
    const { graph } = await tenantWith([], ['Organization.Read.All'])
    const state = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: false })
    expect(new Set(state.refusedReads.map(read => read.capability))).toEqual(new Set(['read-tenant']))
    const requests = state.refusedReads.map(read => read.request)
    expect(requests).toEqual(expect.arrayContaining(['GET /applications', "GET /servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')"]))
    expect(new Set(requests).size).toBe(requests.length)
    expect(state.app).toBeUndefined()
    expect(state.exchangeOnline).toBeUndefined()
    expect(state.initialDomain).toBe('contoso.onmicrosoft.com')
  })

  it("other errors are still thrown as the GraphRequestError (the caller explains them)", async () => {
    const { e, graph } = await tenantWith()
    e.faults.fail(500, { service: 'graph', path: /^\/v1\.0\/organization/ })
    const error = await readTenant(graph, { appName: APP_NAME, needInitialDomain: true, securityAndCompliance: false }).then(
      () => undefined,
      (thrown: unknown) => thrown
    )
    expect(error).toBeInstanceOf(GraphRequestError)
    expect((error as GraphRequestError).status).toBe(500)
  })
})

describe('readTenant: the provisioning identity\'s own entries, for the preflight', () => {
  it('its owned objects and role assignments ride in the first round trip', async () => {
    const { e, graph } = await tenantWith()
    const owned = e.tenant.seedApplication({ displayName: APP_NAME, owners: [e.provisioning.servicePrincipalId] }, e.urls.oidc).app
    const state = await readTenant(graph, {
      appName: APP_NAME,
      needInitialDomain: false,
      securityAndCompliance: false,
      identity: { servicePrincipalId: e.provisioning.servicePrincipalId, ownedObjects: true, roleAssignments: true }
    })
    expect(state.provisioningIdentity?.ownedObjectIds).toEqual([owned.id])
    expect(state.provisioningIdentity?.roleAssignments).toEqual([])
    const first = e.log.list({ service: 'graph' }).filter(entry => entry.batch).slice(0, 5).map(entry => entry.path)
    expect(first).toContainEqual(`/v1.0/servicePrincipals/${e.provisioning.servicePrincipalId}/ownedObjects?$select=id&$top=999`)
    expect(first).toContainEqual(expect.stringMatching(/^\/v1\.0\/roleManagement\/directory\/roleAssignments\?\$filter=principalId/))
    // The app, its service principal, its grants and roles: still three round trips.
    expect(roundTrips(e)).toBe(3)
  })

  it('a custom or scoped role of the identity shows in its role assignments', async () => {
    const e = await startEmulator({
      tenant: { customDirectoryRoles: [{ displayName: 'App credential manager', allowedResourceActions: ['microsoft.directory/applications/credentials/update'] }] },
      provisioning: { directoryRoles: ['App credential manager'] }
    })
    emulator = e
    const credential = new ClientSecretCredential(e.tenant.tenantId, e.provisioning.appId, e.provisioning.clientSecret, { authorityHost: e.urls.login, disableInstanceDiscovery: true })
    const graph = Graph.create(credential, resolveCloud('global', { authorityHost: e.urls.login, graphEndpoint: e.urls.graph }))
    const state = await readTenant(graph, {
      appName: APP_NAME,
      needInitialDomain: false,
      securityAndCompliance: false,
      identity: { servicePrincipalId: e.provisioning.servicePrincipalId, ownedObjects: false, roleAssignments: true }
    })
    const custom = e.tenant.roleDefinition('App credential manager')!
    expect(custom.isBuiltIn).toBe(false)
    expect(state.provisioningIdentity?.roleAssignments).toEqual([{ roleDefinitionId: custom.id, directoryScopeId: '/' }])
  })

  it('more than one page of owned objects (Graph gives at most 999) is followed to the end', async () => {
    const { e, graph } = await tenantWith()
    const ids = Array.from({ length: 1001 }, (_, i) => e.tenant.seedApplication({ displayName: `owned ${i}`, owners: [e.provisioning.servicePrincipalId] }, e.urls.oidc).app.id)
    const state = await readTenant(graph, {
      appName: APP_NAME,
      needInitialDomain: false,
      securityAndCompliance: false,
      identity: { servicePrincipalId: e.provisioning.servicePrincipalId, ownedObjects: true, roleAssignments: false }
    })
    expect(new Set(state.provisioningIdentity?.ownedObjectIds)).toEqual(new Set(ids))
    expect(e.log.list({ service: 'graph', path: /ownedObjects/ }).map(entry => entry.batch ?? false)).toEqual([true, false])
  })

  it('refused identity reads leave that part unknown and do not stop the read', async () => {
    const { e, graph } = await tenantWith([], ['Application.ReadWrite.OwnedBy'])
    const state = await readTenant(graph, {
      appName: APP_NAME,
      needInitialDomain: false,
      securityAndCompliance: false,
      identity: { servicePrincipalId: e.provisioning.servicePrincipalId, ownedObjects: true, roleAssignments: true }
    })
    // Its own owned objects it may always list; role assignments need a role-management read permission.
    expect(state.provisioningIdentity?.ownedObjectIds).toEqual([])
    expect(state.provisioningIdentity?.roleAssignments).toBeUndefined()
    expect(state.refusedReads).toEqual([])
  })
})
