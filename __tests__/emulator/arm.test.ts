/**
 * The emulated Azure Resource Manager answers what `az login` reads after it has a token:
 * the subscriptions (none: the emulated tenant has no Azure subscription) and the tenants of
 * the caller, only for a Resource Manager token of this tenant, in ARM's error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { claimsOf, provisioningToken, tokenFor } from './helpers.js'

/** The scope the Azure CLI asks for: AzureCloud's activeDirectoryResourceId + /.default. */
const ARM_SCOPE = 'https://management.core.windows.net//.default'

describe('emulated Azure Resource Manager', () => {
  let emulator: Emulator
  let armToken: string

  beforeAll(async () => {
    emulator = await startEmulator()
    armToken = await tokenFor(emulator, emulator.provisioning.appId, emulator.provisioning.clientSecret, ARM_SCOPE)
  })
  afterAll(async () => { await emulator?.close() })

  const arm = async (path: string, token: string | undefined = armToken, method = 'GET') => {
    const res = await fetch(`${emulator.urls.arm}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} })
    return { status: res.status, headers: res.headers, json: (await res.json()) as any }
  }

  it('issues Resource Manager tokens for the Windows Azure Service Management API, without app roles', () => {
    const claims = claimsOf(armToken)
    expect(claims).toMatchObject({ aud: 'https://management.core.windows.net/', tid: emulator.tenant.tenantId, appid: emulator.provisioning.appId })
    expect(claims.roles).toBeUndefined()
  })

  it('lists no subscription and the caller\'s own tenant', async () => {
    expect(await arm('/subscriptions?api-version=2019-11-01')).toMatchObject({ status: 200, json: { value: [] } })
    const tenants = await arm('/tenants?api-version=2022-12-01')
    expect(tenants.status).toBe(200)
    expect(tenants.json.value).toEqual([expect.objectContaining({
      id: `/tenants/${emulator.tenant.tenantId}`,
      tenantId: emulator.tenant.tenantId,
      tenantCategory: 'Home',
      defaultDomain: 'contoso.com',
      domains: ['contoso.onmicrosoft.com', 'contoso.com']
    })])
  })

  it('needs an api-version', async () => {
    expect(await arm('/subscriptions')).toMatchObject({ status: 400, json: { error: { code: 'MissingApiVersionParameter' } } })
    expect(await arm('/subscriptions?api-version=latest')).toMatchObject({ status: 400, json: { error: { code: 'InvalidApiVersionParameter' } } })
  })

  it('refuses a missing token, a Graph token and a forged one, with a Bearer challenge', async () => {
    const missing = await arm('/subscriptions?api-version=2019-11-01', '')
    expect(missing).toMatchObject({ status: 401, json: { error: { code: 'AuthenticationFailed' } } })
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /)
    const graphToken = await provisioningToken(emulator)
    expect(await arm('/subscriptions?api-version=2019-11-01', graphToken)).toMatchObject({ status: 401, json: { error: { code: 'InvalidAuthenticationTokenAudience' } } })
    const [header, payload] = armToken.split('.')
    expect(await arm('/subscriptions?api-version=2019-11-01', `${header}.${payload}.c2lnbmF0dXJl`)).toMatchObject({ status: 401, json: { error: { code: 'InvalidAuthenticationToken' } } })
  })

  it('is not a Graph audience: Graph refuses a Resource Manager token', async () => {
    const res = await fetch(`${emulator.urls.graph}/v1.0/organization`, { headers: { authorization: `Bearer ${armToken}` } })
    expect(res.status).toBe(401)
    expect(((await res.json()) as any).error.message).toMatch(/Invalid audience/)
  })

  it('answers only GET on the two lists: other methods 405, other paths 404', async () => {
    expect(await arm('/subscriptions?api-version=2019-11-01', armToken, 'POST')).toMatchObject({ status: 405, json: { error: { code: 'MethodNotAllowed' } } })
    expect(await arm('/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups?api-version=2021-04-01')).toMatchObject({ status: 404, json: { error: { code: 'NotFound' } } })
  })

  it('takes faults and latency like the other services, in ARM\'s error shape, and logs its requests', async () => {
    const throttle = emulator.faults.throttle({ service: 'arm', first: 1, retryAfterSeconds: 7 })
    try {
      const throttled = await arm('/subscriptions?api-version=2019-11-01')
      expect(throttled).toMatchObject({ status: 429, json: { error: { code: 'TooManyRequests' } } })
      expect(throttled.headers.get('retry-after')).toBe('7')
      expect((await arm('/subscriptions?api-version=2019-11-01')).status).toBe(200)
    } finally {
      throttle.remove()
    }
    const logged = emulator.log.list({ service: 'arm', method: 'GET', path: /^\/subscriptions/ })
    expect(logged.map(e => e.status)).toEqual(expect.arrayContaining([429, 200]))
    expect(logged.every(e => e.kind === 'read')).toBe(true)
  })
})
