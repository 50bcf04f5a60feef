/**
 * Where the emulator and the Graph v1.0 description disagreed, the description won: the
 * emulator now serves every URL form the description gives for what it emulates, selects
 * every declared property, takes every declared writable application property, updates and
 * upserts federated identity credentials, and runs $batch steps in the order listed.
 * Each request here is one the description accepts (the emulator would fail close() otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { graph, provisioningToken } from '../emulator/helpers.js'

describe('the emulated Graph follows the description where they disagreed', () => {
  let emulator: Emulator
  let token: string
  let appObjectId: string

  beforeAll(async () => {
    emulator = await startEmulator({ provisioning: { directoryRoles: ['Exchange Administrator'] } })
    token = await provisioningToken(emulator)
    const created = await graph(emulator, token, 'PATCH', "/applications(uniqueName='described')", { displayName: 'Described' }, { Prefer: 'create-if-missing' })
    expect(created.status).toBe(201)
    appObjectId = created.json.id
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it("addresses an application by key in every form OData gives: /{id}, ('{id}'), (id='{id}')", async () => {
    for (const path of [`/applications/${appObjectId}`, `/applications('${appObjectId}')`, `/applications(id='${appObjectId}')`]) {
      const res = await graph(emulator, token, 'GET', `${path}?$select=id`)
      expect([path, res.status, res.json.id]).toEqual([path, 200, appObjectId])
    }
  })

  it('selects a property the description declares but the emulator does not model (null)', async () => {
    const res = await graph(emulator, token, 'GET', `/applications/${appObjectId}?$select=id,isDisabled,managerApplications`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ id: appObjectId, isDisabled: null, managerApplications: [] })
  })

  it('takes every writable property the description declares on application', async () => {
    const res = await graph(emulator, token, 'PATCH', `/applications/${appObjectId}`, { isDisabled: false, authenticationBehaviors: { requireClientServicePrincipal: true } })
    expect(res.status).toBe(204)
    const read = await graph(emulator, token, 'GET', `/applications/${appObjectId}?$select=isDisabled,authenticationBehaviors`)
    expect(read.json).toMatchObject({ isDisabled: false, authenticationBehaviors: { requireClientServicePrincipal: true } })
  })

  it('still refuses what Graph refuses although the description allows its shape: a read-only property', async () => {
    const res = await graph(emulator, token, 'PATCH', `/applications/${appObjectId}`, { createdByAppId: '00000000-0000-0000-0000-000000000001' })
    expect(res.status).toBe(400)
    expect(res.json.error.message).toMatch(/read-only/)
  })

  it('calls the bound action qualified (microsoft.graph.addKey) as well as unqualified', async () => {
    // No proof of possession: Graph's own 400, not "Resource not found for the segment".
    const res = await graph(emulator, token, 'POST', `/applications/${appObjectId}/microsoft.graph.addKey`, {
      keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: 'AAAA' },
      passwordCredential: null,
      proof: 'not-a-jwt'
    })
    expect(res.status).toBe(400)
    expect(res.json.error.message).toMatch(/proof of possession token is not a valid JWT/)
  })

  it('updates a federated identity credential (PATCH by id or name), and upserts one by name', async () => {
    const fic = { name: 'main', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:octo/demo:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }
    const created = await graph(emulator, token, 'POST', `/applications/${appObjectId}/federatedIdentityCredentials`, fic)
    expect(created.status).toBe(201)
    expect((await graph(emulator, token, 'PATCH', `/applications/${appObjectId}/federatedIdentityCredentials/${created.json.id}`, { subject: 'repo:octo/demo:environment:production' })).status).toBe(204)
    expect((await graph(emulator, token, 'PATCH', `/applications/${appObjectId}/federatedIdentityCredentials/main`, { description: 'deploys' })).status).toBe(204)
    const renamed = await graph(emulator, token, 'PATCH', `/applications/${appObjectId}/federatedIdentityCredentials/main`, { name: 'other' })
    expect(renamed.status).toBe(400)
    expect(renamed.json.error.message).toMatch(/immutable/)
    const read = await graph(emulator, token, 'GET', `/applications/${appObjectId}/federatedIdentityCredentials/${created.json.id}`)
    expect(read.json).toMatchObject({ name: 'main', subject: 'repo:octo/demo:environment:production', description: 'deploys' })

    // federatedidentitycredential-upsert.md (microsoft-graph-docs-contrib @ 24221596807ed361169a98a3910dc655ecb2d43e)
    const upsert = (subject: string) => graph(emulator, token, 'PATCH', "/applications(uniqueName='described')/federatedIdentityCredentials(name='fic01')",
      { issuer: 'https://login.microsoftonline.com/3d1e2be9-a10a-4a0c-8380-7ce190f98ed9/v2.0', subject, audiences: ['api://AzureADTokenExchange'] },
      { Prefer: 'create-if-missing' })
    const first = await upsert('a7d388c3-5e3f-4959-ac7d-786b3383006a')
    expect([first.status, first.json.name]).toEqual([201, 'fic01'])
    expect((await upsert('b7d388c3-5e3f-4959-ac7d-786b3383006a')).status).toBe(204)
  })

  it("addresses a role assignment by key in parentheses as well as by segment", async () => {
    const sp = emulator.provisioning.servicePrincipalId
    const list = await graph(emulator, token, 'GET', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${sp}'&$select=id`)
    expect(list.status).toBe(200)
    expect(list.json.value).toHaveLength(1)
    for (const assignment of list.json.value as Array<{ id: string }>) {
      const res = await graph(emulator, token, 'GET', `/roleManagement/directory/roleAssignments('${assignment.id}')?$select=id`)
      expect([res.status, res.json.id]).toEqual([200, assignment.id])
    }
  })
})
