/**
 * The emulated Graph's own origin is one more name of Microsoft Graph, as
 * https://canary.graph.microsoft.com is one: a client whose cloud names the Graph endpoint as
 * the token resource (the Azure CLI's `microsoftGraphResourceId`) gets Graph tokens for it and
 * Graph takes them. Nothing else widens: the other emulated origins are no resources, and a
 * token for another resource is still refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { claimsOf, graph, tokenFor } from './helpers.js'

describe("the emulated Graph's origin as a Graph resource", () => {
  let emulator: Emulator

  beforeAll(async () => { emulator = await startEmulator() })
  afterAll(async () => { await emulator?.close() })

  const provisioningTokenFor = (scope: string) => tokenFor(emulator, emulator.provisioning.appId, emulator.provisioning.clientSecret, scope)

  it('issues Graph tokens, with the Graph roles, for the origin with or without the trailing slash', async () => {
    for (const resource of [emulator.urls.graph, `${emulator.urls.graph}/`]) {
      const token = await provisioningTokenFor(`${resource}/.default`)
      const claims = claimsOf(token)
      expect(claims.aud).toBe(resource)
      expect(claims.roles).toEqual(expect.arrayContaining(['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']))
      const org = await graph(emulator, token, 'GET', '/organization')
      expect(org.status).toBe(200)
      expect(org.json.value[0].id).toBe(emulator.tenant.tenantId)
    }
  })

  it("lists the origin among Microsoft Graph's servicePrincipalNames", () => {
    expect(emulator.tenant.graphServicePrincipal.servicePrincipalNames).toEqual(expect.arrayContaining(['00000003-0000-0000-c000-000000000000', 'https://graph.microsoft.com', emulator.urls.graph]))
  })

  it('makes no other emulated origin a resource, and Graph still refuses tokens for other resources', async () => {
    await expect(provisioningTokenFor(`${emulator.urls.github}/.default`)).rejects.toThrow(/AADSTS500011/)
    await expect(provisioningTokenFor(`${emulator.urls.login}/.default`)).rejects.toThrow(/AADSTS500011/)
    const exchange = await provisioningTokenFor('https://outlook.office365.com/.default')
    const refused = await graph(emulator, exchange, 'GET', '/organization')
    expect(refused.status).toBe(401)
    expect(refused.json.error.message).toMatch(/Invalid audience/)
  })
})
