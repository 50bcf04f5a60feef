/**
 * Fault injection: throttling with and without Retry-After, 503/504, every Nth request,
 * connection resets, latency, and replication lag with the errors Entra answers while an
 * object has not replicated yet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { ClientAssertionCredential, ClientCertificateCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { claimsOf, eventually, graph, makeCertificate, provisioningToken } from './helpers.js'

const MANAGE_AS_APP = 'dc50a0fb-09a3-484d-be87-e023b12c6440'

describe('emulator faults', () => {
  let emulator: Emulator
  let token: string

  beforeAll(async () => {
    emulator = await startEmulator()
    token = await provisioningToken(emulator)
  })
  afterEach(() => emulator.faults.clear())
  afterAll(async () => { await emulator?.close() })

  it('throttles the first K requests with 429 and Retry-After, then lets them through', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', method: 'GET', path: /\/organization/, first: 2, retryAfterSeconds: 7 })
    const first = await graph(emulator, token, 'GET', '/organization')
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('7')
    expect(first.json.error.code).toBe('TooManyRequests')
    expect((await graph(emulator, token, 'GET', '/organization')).status).toBe(429)
    expect((await graph(emulator, token, 'GET', '/organization')).status).toBe(200)
    // Other routes are not affected.
    expect((await graph(emulator, token, 'GET', '/applications?$top=1')).status).toBe(200)
    expect(fault.hits).toBe(2)
    expect(emulator.log.list({ path: /\/organization/ }).map(e => e.fault ?? null).slice(-3)).toEqual(['status:429', 'status:429', null])
  })

  it('throttles without Retry-After when asked', async () => {
    emulator.faults.throttle({ service: 'graph', first: 1, retryAfterSeconds: null })
    const res = await graph(emulator, token, 'GET', '/organization')
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBeNull()
  })

  it('answers 503 on every 3rd matching request and 504 when asked', async () => {
    emulator.faults.fail(503, { service: 'graph', path: /\/organization/, every: 3 })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await graph(emulator, token, 'GET', '/organization')).status)
    expect(statuses).toEqual([200, 200, 503, 200, 200, 503])
    emulator.faults.clear()
    emulator.faults.fail(504, { service: 'graph', first: 1 })
    const timeout = await graph(emulator, token, 'GET', '/organization')
    expect(timeout.status).toBe(504)
    expect(timeout.json.error.code).toBe('UnknownError')
  })

  it('throttles the token endpoint in Entra\'s error shape', async () => {
    emulator.faults.throttle({ service: 'login', first: 1, retryAfterSeconds: 2 })
    const res = await fetch(`${emulator.urls.login}/${emulator.tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emulator.provisioning.appId, client_secret: emulator.provisioning.clientSecret, scope: 'https://graph.microsoft.com/.default' })
    })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('2')
    expect(((await res.json()) as { error: string }).error).toBe('temporarily_unavailable')
  })

  it('resets the connection without an answer', async () => {
    const fault = emulator.faults.reset({ service: 'graph', first: 1 })
    await expect(graph(emulator, token, 'GET', '/organization')).rejects.toThrow()
    expect(fault.hits).toBe(1)
    expect(emulator.log.list({ service: 'graph' }).at(-1)).toMatchObject({ status: 0, fault: 'reset' })
    expect((await graph(emulator, token, 'GET', '/organization')).status).toBe(200)
  })

  it('adds fixed latency to matching requests', async () => {
    const fault = emulator.faults.latency(120, { service: 'graph', path: /\/organization/ })
    await graph(emulator, token, 'GET', '/organization')
    await graph(emulator, token, 'GET', '/organization')
    expect(fault.hits).toBe(2)
    // A lower bound only: the emulator waited at least the injected latency.
    for (const entry of emulator.log.list({ path: /\/organization/ }).slice(-2)) expect(entry.ms).toBeGreaterThanOrEqual(118)
  })

  describe('replication lag', () => {
    it('hides a new app from reads and from service principal creation until it has replicated', async () => {
      emulator.faults.replicationLag({ applications: 400 })
      const app = (await graph(emulator, token, 'PATCH', `/applications(uniqueName='lagging')`, { displayName: 'Lagging' }, { prefer: 'create-if-missing' })).json
      const read = await graph(emulator, token, 'GET', `/applications/${app.id}`)
      expect(read.status).toBe(404)
      expect(read.json.error.code).toBe('Request_ResourceNotFound')
      expect((await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { notes: 'x' })).status).toBe(404)
      const sp = await graph(emulator, token, 'POST', '/servicePrincipals', { appId: app.appId })
      expect(sp.status).toBe(400)
      expect(sp.json.error.code).toBe('Request_BadRequest')
      expect(sp.json.error.message).toContain('does not reference a valid application object')
      expect(sp.json.error.details[0].code).toBe('NoBackingApplicationObject')

      const created = await eventually(async () => {
        const res = await graph(emulator, token, 'POST', '/servicePrincipals', { appId: app.appId })
        return res.status === 201 ? res : undefined
      })
      expect(created.json.appId).toBe(app.appId)
    })

    it('keeps a new grant out of lists and tokens, and a new certificate out of sign-in, until replicated', async () => {
      const app = (await graph(emulator, token, 'POST', '/applications', { displayName: 'Lagging grant' })).json
      const sp = (await graph(emulator, token, 'POST', '/servicePrincipals', { appId: app.appId })).json
      emulator.faults.replicationLag({ appRoleAssignments: 400, keyCredentials: 400 })
      const cert = makeCertificate()
      await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.base64Der }] })
      const exo = emulator.tenant.exchangeServicePrincipal
      expect((await graph(emulator, token, 'POST', `/servicePrincipals/${exo.id}/appRoleAssignedTo`, { principalId: sp.id, resourceId: exo.id, appRoleId: MANAGE_AS_APP })).status).toBe(201)
      expect((await graph(emulator, token, 'GET', `/servicePrincipals/${sp.id}/appRoleAssignments`)).json.value).toEqual([])

      const credential = () => new ClientCertificateCredential(emulator.tenant.tenantId, app.appId, { certificate: cert.pem }, {
        authorityHost: emulator.urls.login, disableInstanceDiscovery: true
      })
      await expect(credential().getToken('https://outlook.office365.com/.default')).rejects.toThrow(/AADSTS700027/)
      const roles = await eventually(async () => {
        try {
          const claims = claimsOf((await credential().getToken('https://outlook.office365.com/.default')).token)
          return Array.isArray(claims.roles) ? claims.roles : undefined
        } catch {
          return undefined
        }
      })
      expect(roles).toEqual(['Exchange.ManageAsApp'])
    })

    it('refuses a new federated credential with AADSTS70021 until it has replicated', async () => {
      const app = (await graph(emulator, token, 'POST', '/applications', { displayName: 'Lagging federation' })).json
      await graph(emulator, token, 'POST', '/servicePrincipals', { appId: app.appId })
      emulator.faults.replicationLag({ federatedIdentityCredentials: 400 })
      const subject = 'repo:octo/demo:environment:prod'
      const fic = await graph(emulator, token, 'POST', `/applications/${app.id}/federatedIdentityCredentials`, {
        name: 'prod', issuer: emulator.urls.oidc, subject, audiences: ['api://AzureADTokenExchange']
      })
      expect(fic.status).toBe(201)
      const idToken = emulator.oidc.issueToken({ subject })
      const credential = () => new ClientAssertionCredential(emulator.tenant.tenantId, app.appId, async () => idToken, {
        authorityHost: emulator.urls.login, disableInstanceDiscovery: true
      })
      await expect(credential().getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS70021/)
      const signedIn = await eventually(async () => {
        try {
          return await credential().getToken('https://graph.microsoft.com/.default')
        } catch {
          return undefined
        }
      })
      expect(claimsOf(signedIn.token).appid).toBe(app.appId)
    })
  })

  it('moves a key credential end date (rotation tests)', async () => {
    const app = (await graph(emulator, token, 'POST', '/applications', { displayName: 'Rotating' })).json
    const cert = makeCertificate()
    await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.base64Der }] })
    const soon = new Date(Date.now() + 5 * 86400_000)
    emulator.setKeyCredentialEndDate(app.appId, cert.thumbprint, soon)
    const read = (await graph(emulator, token, 'GET', `/applications/${app.id}`)).json
    expect(read.keyCredentials[0].endDateTime).toBe(soon.toISOString())
  })
})
