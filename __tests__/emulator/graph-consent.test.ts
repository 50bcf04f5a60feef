/**
 * Service principals, admin consent (appRoleAssignedTo) and directory roles
 * (roleAssignments): created as the real service does, duplicates refused with the real
 * errors, each guarded by its own permission, and visible in newly issued tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { startEmulator, EXCHANGE_ONLINE, type Emulator } from '../../emulator/index.js'
import { claimsOf, graph, makeCertificate, provisioningToken, tokenFor } from './helpers.js'

const EXCHANGE_ADMINISTRATOR = '29232cdf-9323-42fd-ade2-1d097af3e4de'
const MANAGE_AS_APP = 'dc50a0fb-09a3-484d-be87-e023b12c6440'

describe('emulated Graph consent and directory roles', () => {
  let emulator: Emulator
  let token: string
  const limited: Record<string, { appId: string; secret: string }> = {}
  const profiles: Record<string, string[]> = {
    noAppWrite: ['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'Organization.Read.All'],
    noConsent: ['Application.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'Organization.Read.All'],
    noRoles: ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'Organization.Read.All'],
    noOrganization: ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']
  }

  beforeAll(async () => {
    for (const name of Object.keys(profiles)) limited[name] = { appId: randomUUID(), secret: `${name}-secret` }
    emulator = await startEmulator({
      apps: Object.entries(profiles).map(([name, permissions]) => ({
        displayName: name, appId: limited[name].appId, clientSecret: limited[name].secret, graphPermissions: permissions
      }))
    })
    token = await provisioningToken(emulator)
  })
  afterAll(async () => { await emulator?.close() })

  async function newAppWithServicePrincipal(name: string) {
    const app = (await graph(emulator, token, 'PATCH', `/applications(uniqueName='${name}')`, { displayName: name }, { prefer: 'create-if-missing' })).json
    const sp = await graph(emulator, token, 'PATCH', `/servicePrincipals(appId='${app.appId}')`, {}, { prefer: 'create-if-missing' })
    return { app, sp }
  }

  it('upserts a service principal by appId: 201, then 204; GET by appId finds it', async () => {
    const { app, sp } = await newAppWithServicePrincipal('sp-upsert')
    expect(sp.status).toBe(201)
    expect(sp.json).toMatchObject({ appId: app.appId, displayName: 'sp-upsert', servicePrincipalType: 'Application' })
    expect((await graph(emulator, token, 'PATCH', `/servicePrincipals(appId='${app.appId}')`, { tags: ['x'] }, { prefer: 'create-if-missing' })).status).toBe(204)
    const byAppId = await graph(emulator, token, 'GET', `/servicePrincipals(appId='${app.appId}')`)
    expect(byAppId.json).toMatchObject({ id: sp.json.id, tags: ['x'] })
    const duplicate = await graph(emulator, token, 'POST', '/servicePrincipals', { appId: app.appId })
    expect(duplicate.status).toBe(409)
    expect(duplicate.json.error.code).toBe('Request_MultipleObjectsWithSameKeyValue')
  })

  it('grants Exchange.ManageAsApp once (201) and refuses the duplicate (400), then the new token carries it', async () => {
    const { app, sp } = await newAppWithServicePrincipal('consent-target')
    const exo = (await graph(emulator, token, 'GET', `/servicePrincipals?$filter=appId eq '${EXCHANGE_ONLINE.appId}'&$select=id,appRoles`)).json.value[0]
    expect(exo.appRoles).toEqual(expect.arrayContaining([expect.objectContaining({ id: MANAGE_AS_APP, value: 'Exchange.ManageAsApp' })]))
    const grant = { principalId: sp.json.id, resourceId: exo.id, appRoleId: MANAGE_AS_APP }
    const first = await graph(emulator, token, 'POST', `/servicePrincipals/${exo.id}/appRoleAssignedTo`, grant)
    expect(first.status).toBe(201)
    expect(first.json).toMatchObject({ ...grant, principalType: 'ServicePrincipal', resourceDisplayName: 'Office 365 Exchange Online' })
    const second = await graph(emulator, token, 'POST', `/servicePrincipals/${exo.id}/appRoleAssignedTo`, grant)
    expect(second.status).toBe(400)
    expect(second.json.error).toMatchObject({ code: 'Request_BadRequest', message: expect.stringContaining('Permission being assigned already exists on the object') })
    const unknownRole = await graph(emulator, token, 'POST', `/servicePrincipals/${exo.id}/appRoleAssignedTo`, { ...grant, appRoleId: randomUUID() })
    expect(unknownRole.status).toBe(400)

    const assignedTo = (await graph(emulator, token, 'GET', `/servicePrincipals/${exo.id}/appRoleAssignedTo`)).json.value
    expect(assignedTo.map((a: { principalId: string }) => a.principalId)).toContain(sp.json.id)
    const ofPrincipal = (await graph(emulator, token, 'GET', `/servicePrincipals/${sp.json.id}/appRoleAssignments`)).json.value
    expect(ofPrincipal).toEqual([expect.objectContaining({ appRoleId: MANAGE_AS_APP, resourceId: exo.id })])

    const roleRes = await graph(emulator, token, 'POST', '/roleManagement/directory/roleAssignments', { principalId: sp.json.id, roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' })
    expect(roleRes.status).toBe(201)
    expect(roleRes.json).toMatchObject({ principalId: sp.json.id, roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' })
    const dupRole = await graph(emulator, token, 'POST', '/roleManagement/directory/roleAssignments', { principalId: sp.json.id, roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' })
    expect(dupRole.status).toBe(400)
    expect(dupRole.json.error.message).toBe('A conflicting object with one or more of the specified property values is present in the directory.')
    const listed = (await graph(emulator, token, 'GET', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${sp.json.id}'`)).json.value
    expect(listed).toHaveLength(1)

    // Sign in as the new app with a certificate: its Exchange token shows consent and role.
    const cert = makeCertificate()
    await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.base64Der }] })
    const { ClientCertificateCredential } = await import('@azure/identity')
    const exoToken = await new ClientCertificateCredential(emulator.tenant.tenantId, app.appId, { certificate: cert.pem }, {
      authorityHost: emulator.urls.login, disableInstanceDiscovery: true
    }).getToken('https://outlook.office365.com/.default')
    const claims = claimsOf(exoToken.token)
    expect(claims.roles).toEqual(['Exchange.ManageAsApp'])
    expect(claims.wids).toContain(EXCHANGE_ADMINISTRATOR)
  })

  it('lists role definitions with template ids and filters them by displayName', async () => {
    const res = (await graph(emulator, token, 'GET', `/roleManagement/directory/roleDefinitions?$filter=${encodeURIComponent("displayName eq 'Exchange Administrator'")}`)).json
    expect(res.value).toEqual([expect.objectContaining({ id: EXCHANGE_ADMINISTRATOR, templateId: EXCHANGE_ADMINISTRATOR, isBuiltIn: true })])
  })

  it('answers 403 Authorization_RequestDenied for each missing permission', async () => {
    const tokenOf = (name: string) => tokenFor(emulator, limited[name].appId, limited[name].secret)
    const { sp } = await newAppWithServicePrincipal('permission-target')
    const exo = emulator.tenant.exchangeServicePrincipal

    const noAppWrite = await graph(emulator, await tokenOf('noAppWrite'), 'POST', '/applications', { displayName: 'nope' })
    expect(noAppWrite.status).toBe(403)
    expect(noAppWrite.json.error.code).toBe('Authorization_RequestDenied')

    const noConsent = await graph(emulator, await tokenOf('noConsent'), 'POST', `/servicePrincipals/${exo.id}/appRoleAssignedTo`,
      { principalId: sp.json.id, resourceId: exo.id, appRoleId: MANAGE_AS_APP })
    expect(noConsent.status).toBe(403)

    const noRoles = await graph(emulator, await tokenOf('noRoles'), 'POST', '/roleManagement/directory/roleAssignments',
      { principalId: sp.json.id, roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' })
    expect(noRoles.status).toBe(403)

    const noOrganization = await graph(emulator, await tokenOf('noOrganization'), 'GET', '/organization')
    expect(noOrganization.status).toBe(403)
    // The same calls with the full set succeed, so the 403s are about the permission alone.
    expect((await graph(emulator, token, 'GET', '/organization')).status).toBe(200)
  })
})
