/**
 * Directory roles as Graph honours them for an app-only caller: built-in admin roles allow
 * what Microsoft's permissions reference says, a custom role allows what its resource actions
 * say (within its scope), and only built-in roles over the whole directory appear in `wids`.
 * Plus `ownedObjects`, which the preflight reads for Application.ReadWrite.OwnedBy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { claimsOf, graph, provisioningToken, tokenFor } from './helpers.js'

const DEFAULT_WID = '0997a1d0-0d1d-4acb-b408-d5ca73121e90'
const APPLICATION_ADMINISTRATOR = '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3'
const PRIVILEGED_ROLE_ADMINISTRATOR = 'e8611ab8-c189-46e8-94e1-60213ab1f814'
const EXCHANGE_ADMINISTRATOR = '29232cdf-9323-42fd-ade2-1d097af3e4de'
const MANAGE_AS_APP = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
/** Microsoft Graph's Organization.Read.All: a Graph app role, which only some roles may grant. */
const ORGANIZATION_READ_ALL = '498476ce-e0fe-48b0-b801-37ba7e2685c6'

describe('emulated Graph: directory roles of the caller', () => {
  let emulator: Emulator
  let admin: string
  const callers: Record<string, { appId: string; secret: string; token?: string; spId?: string }> = {
    appAdmin: { appId: randomUUID(), secret: 'app-admin' },
    roleAdmin: { appId: randomUUID(), secret: 'role-admin' },
    credentialsOnOneApp: { appId: randomUUID(), secret: 'creds' },
    nothing: { appId: randomUUID(), secret: 'nothing' }
  }

  beforeAll(async () => {
    emulator = await startEmulator({
      tenant: { customDirectoryRoles: [{ displayName: 'Credential keeper', allowedResourceActions: ['microsoft.directory/applications/credentials/update'] }] },
      apps: [
        { displayName: 'app admin', appId: callers.appAdmin.appId, clientSecret: callers.appAdmin.secret, graphPermissions: [], directoryRoles: ['Application Administrator'] },
        { displayName: 'role admin', appId: callers.roleAdmin.appId, clientSecret: callers.roleAdmin.secret, graphPermissions: [], directoryRoles: ['Privileged Role Administrator'] },
        { displayName: 'credential keeper', appId: callers.credentialsOnOneApp.appId, clientSecret: callers.credentialsOnOneApp.secret, graphPermissions: [] },
        { displayName: 'nothing', appId: callers.nothing.appId, clientSecret: callers.nothing.secret, graphPermissions: [] },
        { displayName: 'target one' },
        { displayName: 'target two' }
      ]
    })
    admin = await provisioningToken(emulator)
    // A custom role scoped to one app: only that app's credentials.
    const keeper = emulator.tenant.servicePrincipalByAppId(callers.credentialsOnOneApp.appId)!
    const targetOne = [...emulator.tenant.applications.values()].find(app => app.displayName === 'target one')!
    emulator.tenant.assignDirectoryRole(keeper.id, emulator.tenant.roleDefinition('Credential keeper')!, `/${targetOne.id}`, 0)
    for (const caller of Object.values(callers)) {
      caller.token = await tokenFor(emulator, caller.appId, caller.secret)
      caller.spId = emulator.tenant.servicePrincipalByAppId(caller.appId)!.id
    }
  })
  afterAll(async () => {
    await emulator?.close()
  })

  const appNamed = (name: string) => [...emulator.tenant.applications.values()].find(app => app.displayName === name)!

  it('wids shows built-in roles over the whole directory only (and the default app-only wid)', () => {
    expect(claimsOf(callers.appAdmin.token!).wids).toEqual(expect.arrayContaining([APPLICATION_ADMINISTRATOR, DEFAULT_WID]))
    expect(claimsOf(callers.roleAdmin.token!).wids).toEqual(expect.arrayContaining([PRIVILEGED_ROLE_ADMINISTRATOR]))
    // A custom role, and one scoped to an app, never appear.
    expect(claimsOf(callers.credentialsOnOneApp.token!).wids).toEqual([DEFAULT_WID])
    expect(claimsOf(callers.appAdmin.token!).roles).toBeUndefined()
  })

  it('Application Administrator creates apps and service principals, and grants Exchange.ManageAsApp but not a Microsoft Graph permission', async () => {
    const token = callers.appAdmin.token!
    const created = await graph(emulator, token, 'PATCH', "/applications(uniqueName='made-by-app-admin')", { displayName: 'made by app admin' }, { prefer: 'create-if-missing' })
    expect(created.status).toBe(201)
    const sp = await graph(emulator, token, 'PATCH', `/servicePrincipals(appId='${created.json.appId}')`, {}, { prefer: 'create-if-missing' })
    expect(sp.status).toBe(201)
    const exchange = emulator.tenant.exchangeServicePrincipal
    const consent = await graph(emulator, token, 'POST', `/servicePrincipals/${exchange.id}/appRoleAssignedTo`, { principalId: sp.json.id, resourceId: exchange.id, appRoleId: MANAGE_AS_APP })
    expect(consent.status).toBe(201)
    const graphSp = emulator.tenant.graphServicePrincipal
    const graphConsent = await graph(emulator, token, 'POST', `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { principalId: sp.json.id, resourceId: graphSp.id, appRoleId: ORGANIZATION_READ_ALL })
    expect(graphConsent.status).toBe(403)
    const role = await graph(emulator, token, 'POST', '/roleManagement/directory/roleAssignments', { principalId: sp.json.id, roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' })
    expect(role.status).toBe(403)
  })

  it('Privileged Role Administrator assigns directory roles and grants Microsoft Graph permissions, but does not change apps', async () => {
    const token = callers.roleAdmin.token!
    const target = emulator.tenant.servicePrincipalByAppId(appNamed('target two').appId)!
    const role = await graph(emulator, token, 'POST', '/roleManagement/directory/roleAssignments', { principalId: target.id, roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' })
    expect(role.status).toBe(201)
    const graphSp = emulator.tenant.graphServicePrincipal
    const graphConsent = await graph(emulator, token, 'POST', `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { principalId: target.id, resourceId: graphSp.id, appRoleId: ORGANIZATION_READ_ALL })
    expect(graphConsent.status).toBe(201)
    const patch = await graph(emulator, token, 'PATCH', `/applications/${appNamed('target two').id}`, { notes: 'no' })
    expect(patch.status).toBe(403)
  })

  it('a custom role scoped to one app changes that app only', async () => {
    const token = callers.credentialsOnOneApp.token!
    expect((await graph(emulator, token, 'PATCH', `/applications/${appNamed('target one').id}`, { notes: 'mine' })).status).toBe(204)
    expect((await graph(emulator, token, 'PATCH', `/applications/${appNamed('target two').id}`, { notes: 'not mine' })).status).toBe(403)
  })

  it('no permission and no role: refused', async () => {
    const token = callers.nothing.token!
    expect((await graph(emulator, token, 'GET', '/applications')).status).toBe(403)
    expect((await graph(emulator, token, 'PATCH', "/applications(uniqueName='nope')", { displayName: 'nope' }, { prefer: 'create-if-missing' })).status).toBe(403)
  })

  describe('ownedObjects', () => {
    it('lists the apps and service principals a service principal owns', async () => {
      const caller = callers.nothing
      const owned = emulator.tenant.seedApplication({ displayName: 'owned by nothing', owners: [caller.spId!] }, emulator.urls.oidc).app
      // A caller may always list its own owned objects...
      const own = await graph(emulator, caller.token, 'GET', `/servicePrincipals/${caller.spId}/ownedObjects?$select=id&$top=999`)
      expect(own.status).toBe(200)
      expect(own.json.value).toEqual([{ id: owned.id }])
      // ...another's needs an app read permission.
      expect((await graph(emulator, caller.token, 'GET', `/servicePrincipals/${callers.appAdmin.spId}/ownedObjects`)).status).toBe(403)
      const byAdmin = await graph(emulator, admin, 'GET', `/servicePrincipals/${caller.spId}/ownedObjects`)
      expect(byAdmin.json.value).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.application', id: owned.id })])
    })

    it('an app the provisioning identity creates is one it owns', async () => {
      const created = await graph(emulator, admin, 'PATCH', "/applications(uniqueName='provisioned')", { displayName: 'provisioned' }, { prefer: 'create-if-missing' })
      const owned = await graph(emulator, admin, 'GET', `/servicePrincipals/${emulator.provisioning.servicePrincipalId}/ownedObjects?$select=id`)
      expect(owned.json.value.map((o: { id: string }) => o.id)).toContain(created.json.id)
    })
  })
})
