/**
 * credentialOptions() shares the tenant's OpenID configuration between credentials: the
 * provisioning sign-in and every verify attempt are separate msal clients, and without
 * the shared answer each of them fetches the document again (one more round trip each).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { defaultScope, resolveCloud } from '../../src/cloud.js'
import { credentialOptions } from '../../src/entra/sign-in.js'

describe('credentialOptions: one OpenID configuration request per tenant', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterAll(async () => {
    await emulator?.close()
  })

  const discoveries = (): number => emulator.log.list({ service: 'login', method: 'GET', path: /\/\.well-known\/openid-configuration$/ }).length
  const tokenRequests = (): number => emulator.log.list({ service: 'login', method: 'POST', path: /\/oauth2\/v2\.0\/token/ }).length

  it('fetches the document once for several credentials, and each still gets its own token', async () => {
    emulator.log.clear()
    const cloud = resolveCloud('global', { authorityHost: emulator.urls.login, graphEndpoint: emulator.urls.graph })
    const { appId, clientSecret } = emulator.provisioning
    const sign = () => new ClientSecretCredential(emulator.tenant.tenantId, appId, clientSecret, credentialOptions(cloud)).getToken(defaultScope(cloud.graphResource))

    const first = await sign()
    // Two at once: the second and third share the answer already there, none fetches again.
    const [second, third] = await Promise.all([sign(), sign()])

    expect([first.token, second.token, third.token].every(token => token.split('.').length === 3)).toBe(true)
    expect(tokenRequests()).toBe(3)
    expect(discoveries()).toBe(1)
  })

  it('does not keep a failed answer: the next credential asks again', async () => {
    emulator.log.clear()
    const cloud = resolveCloud('global', { authorityHost: emulator.urls.login, graphEndpoint: emulator.urls.graph })
    const { appId, clientSecret } = emulator.provisioning
    // A tenant that does not exist: the discovery document answers 400 (AADSTS90002).
    const missingTenant = '00000000-0000-0000-0000-00000000dead'
    const sign = () => new ClientSecretCredential(missingTenant, appId, clientSecret, credentialOptions(cloud)).getToken(defaultScope(cloud.graphResource))

    await expect(sign()).rejects.toThrow()
    await expect(sign()).rejects.toThrow()

    expect(discoveries()).toBe(2)
  })
})
