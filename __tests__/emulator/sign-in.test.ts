/**
 * The real @azure/identity credentials sign in against the emulated Entra ID unmodified
 * (authorityHost + disableInstanceDiscovery), and forged or mismatched assertions are
 * refused with Entra's AADSTS codes.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential } from '@azure/identity'
import { createHash, randomUUID } from 'node:crypto'
import { startEmulator, DEFAULT_APP_WID, type Emulator } from '../../emulator/index.js'
import { signJwt } from '../../emulator/jwt.js'
import { claimsOf, GRAPH_SCOPE, makeCertificate, type TestCertificate } from './helpers.js'

const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default'

describe('emulated Entra ID sign-in', () => {
  let emulator: Emulator
  let portalCert: TestCertificate
  let expiredCert: TestCertificate
  const portalAppId = randomUUID()
  const expiredAppId = randomUUID()

  beforeAll(async () => {
    portalCert = makeCertificate({ subject: 'portal app' })
    expiredCert = makeCertificate({ subject: 'expired', notBefore: new Date(Date.now() - 10 * 86400_000), notAfter: new Date(Date.now() - 86400_000) })
    emulator = await startEmulator({
      apps: [
        { displayName: 'Made in the portal', appId: portalAppId, certificates: [portalCert.certPem], exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] },
        { displayName: 'Expired certificate', appId: expiredAppId, certificates: [expiredCert.certPem] }
      ]
    })
  })
  afterAll(async () => { await emulator?.close() })

  const options = () => ({ authorityHost: emulator.urls.login, disableInstanceDiscovery: true })

  it('issues a Graph token for a client secret, with the granted Graph roles', async () => {
    const { appId, clientSecret, servicePrincipalId } = emulator.provisioning
    const credential = new ClientSecretCredential(emulator.tenant.tenantId, appId, clientSecret, options())
    const token = await credential.getToken(GRAPH_SCOPE)
    const claims = claimsOf(token.token)
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${emulator.tenant.tenantId}/`,
      tid: emulator.tenant.tenantId,
      appid: appId,
      oid: servicePrincipalId,
      idtyp: 'app'
    })
    expect([...(claims.roles as string[])].sort()).toEqual([
      'AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Organization.Read.All', 'RoleManagement.ReadWrite.Directory'
    ])
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 50 * 60_000)
  })

  it('accepts a verified domain instead of the tenant id', async () => {
    const { appId, clientSecret } = emulator.provisioning
    const credential = new ClientSecretCredential('contoso.onmicrosoft.com', appId, clientSecret, options())
    expect(claimsOf((await credential.getToken(GRAPH_SCOPE)).token).tid).toBe(emulator.tenant.tenantId)
  })

  it('refuses a wrong client secret with AADSTS7000215', async () => {
    const credential = new ClientSecretCredential(emulator.tenant.tenantId, emulator.provisioning.appId, 'not-the-secret', options())
    await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS7000215/)
  })

  it('refuses an unknown client (AADSTS700016) and an unknown tenant (AADSTS90002)', async () => {
    await expect(new ClientSecretCredential(emulator.tenant.tenantId, randomUUID(), 'x', options()).getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS700016/)
    // msal-node reads the tenant's discovery document first; Entra answers it with AADSTS90002.
    const discovery = await fetch(`${emulator.urls.login}/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration`)
    expect(discovery.status).toBe(400)
    expect(((await discovery.json()) as { error_codes: number[] }).error_codes).toEqual([90002])
    await expect(new ClientSecretCredential('fabrikam.onmicrosoft.com', emulator.provisioning.appId, 'x', options()).getToken(GRAPH_SCOPE)).rejects.toThrow(/endpoints_resolution_error/)
  })

  it('refuses a resource the tenant does not have with AADSTS500011', async () => {
    const { appId, clientSecret } = emulator.provisioning
    const credential = new ClientSecretCredential(emulator.tenant.tenantId, appId, clientSecret, options())
    await expect(credential.getToken('https://vault.azure.net/.default')).rejects.toThrow(/AADSTS500011/)
  })

  it('signs in with a certificate (SHA-256 thumbprint, PS256) and carries roles and wids for Exchange Online', async () => {
    const credential = new ClientCertificateCredential(emulator.tenant.tenantId, portalAppId, { certificate: portalCert.pem }, options())
    const token = await credential.getToken(EXCHANGE_SCOPE)
    const claims = claimsOf(token.token)
    expect(claims.aud).toBe('https://outlook.office365.com')
    expect(claims.roles).toEqual(['Exchange.ManageAsApp'])
    expect(claims.wids).toEqual(expect.arrayContaining(['29232cdf-9323-42fd-ade2-1d097af3e4de', DEFAULT_APP_WID]))
    expect(claims.appidacr).toBe('2')
    // The same app has no Graph permission: its Graph token carries no roles at all.
    expect(claimsOf((await credential.getToken(GRAPH_SCOPE)).token).roles).toBeUndefined()
  })

  it('signs in with a certificate assertion signed RS256 with x5t (SHA-1)', async () => {
    const token = await postAssertion(portalAppId, certificateAssertion(portalCert, portalAppId, tokenEndpoint(), 'RS256'))
    expect(token.status).toBe(200)
    expect(claimsOf(token.json.access_token).appid).toBe(portalAppId)
  })

  it('signs in with a certificate assertion signed PS256 with x5t#S256', async () => {
    const now = Math.floor(Date.now() / 1000)
    const x5tS256 = createHash('sha256').update(Buffer.from(portalCert.base64Der, 'base64')).digest('base64url')
    const assertion = signJwt({ alg: 'PS256', 'x5t#S256': x5tS256 }, { aud: tokenEndpoint(), iss: portalAppId, sub: portalAppId, jti: randomUUID(), nbf: now, exp: now + 600 }, portalCert.privateKey)
    const res = await postAssertion(portalAppId, assertion)
    expect(res.status).toBe(200)
    // The same signature presented as RS256 does not verify.
    const [header, payload, signature] = assertion.split('.')
    const relabelled = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'RS256' })).toString('base64url')}.${payload}.${signature}`
    expect((await postAssertion(portalAppId, relabelled)).json.error_codes).toEqual([700027])
  })

  it('refuses an assertion signed with a key that is not the registered certificate (AADSTS700027)', async () => {
    const impostor = makeCertificate()
    const assertion = certificateAssertion({ ...impostor, thumbprint: portalCert.thumbprint }, portalAppId, tokenEndpoint(), 'RS256')
    const res = await postAssertion(portalAppId, assertion)
    expect(res.status).toBe(401)
    expect(res.json.error_codes).toEqual([700027])
    expect(res.json.error_description).toMatch(/signature validation/)
  })

  it('refuses a certificate that is not registered (AADSTS700027, key not found)', async () => {
    const credential = new ClientCertificateCredential(emulator.tenant.tenantId, portalAppId, { certificate: makeCertificate().pem }, options())
    await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS700027.*key was not found/s)
  })

  it('refuses an expired certificate and an expired assertion (AADSTS700027, AADSTS700024)', async () => {
    const credential = new ClientCertificateCredential(emulator.tenant.tenantId, expiredAppId, { certificate: expiredCert.pem }, options())
    await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS700027.*expired/s)
    const now = Math.floor(Date.now() / 1000)
    const stale = certificateAssertion(portalCert, portalAppId, tokenEndpoint(), 'RS256', { nbf: now - 7200, exp: now - 3600 })
    const res = await postAssertion(portalAppId, stale)
    expect(res.json.error_codes).toEqual([700024])
  })

  it('refuses an assertion for another audience (AADSTS50012)', async () => {
    const res = await postAssertion(portalAppId, certificateAssertion(portalCert, portalAppId, 'https://login.microsoftonline.com/common/oauth2/v2.0/token', 'RS256'))
    expect(res.status).toBe(401)
    expect(res.json.error_codes).toEqual([50012])
  })

  it('exchanges the emulated GitHub OIDC token for a Graph token (ClientAssertionCredential)', async () => {
    const idToken = await fetchGitHubIdToken('api://AzureADTokenExchange')
    const credential = new ClientAssertionCredential(emulator.tenant.tenantId, emulator.provisioning.appId, async () => idToken, options())
    const claims = claimsOf((await credential.getToken(GRAPH_SCOPE)).token)
    expect(claims.appid).toBe(emulator.provisioning.appId)
    expect(claims.roles).toContain('Application.ReadWrite.All')
  })

  it('refuses a GitHub token whose subject has no federated credential (AADSTS700213)', async () => {
    const idToken = emulator.oidc.issueToken({ subject: 'repo:octo/demo:ref:refs/heads/feature' })
    const credential = new ClientAssertionCredential(emulator.tenant.tenantId, emulator.provisioning.appId, async () => idToken, options())
    await expect(credential.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS700213.*repo:octo\/demo:ref:refs\/heads\/feature/s)
  })

  it('refuses a GitHub token for another audience (AADSTS700212) and an expired one (AADSTS700024)', async () => {
    const wrongAudience = emulator.oidc.issueToken({ audience: 'https://github.com/octo' })
    const expired = emulator.oidc.issueToken({ notBefore: Math.floor(Date.now() / 1000) - 3600, lifetimeSeconds: -1800 })
    expect((await postAssertion(emulator.provisioning.appId, wrongAudience)).json.error_codes).toEqual([700212])
    expect((await postAssertion(emulator.provisioning.appId, expired)).json.error_codes).toEqual([700024])
  })

  it('serves @actions/core getIDToken from the job environment', async () => {
    const core = await import('@actions/core')
    const saved = { ...process.env }
    Object.assign(process.env, emulator.oidc.actionsEnv())
    // getIDToken registers the token as a secret (`::add-mask::<token>` on stdout): keep it out of the test output.
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      const idToken = await core.getIDToken('api://AzureADTokenExchange')
      expect(stdout).toHaveBeenCalledWith(expect.stringContaining('::add-mask::'))
      stdout.mockRestore()
      expect(claimsOf(idToken)).toMatchObject({ aud: 'api://AzureADTokenExchange', sub: emulator.provisioning.federatedSubject })
    } finally {
      stdout.mockRestore()
      delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
      delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
      Object.assign(process.env, saved)
    }
  })

  it('answers the GitHub OIDC token request only with the job request token', async () => {
    const { ACTIONS_ID_TOKEN_REQUEST_URL } = emulator.oidc.actionsEnv()
    const res = await fetch(`${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=x`, { headers: { authorization: 'Bearer wrong' } })
    expect(res.status).toBe(401)
    const claims = claimsOf(await fetchGitHubIdToken('api://AzureADTokenExchange'))
    expect(claims).toMatchObject({ iss: emulator.urls.oidc, sub: emulator.provisioning.federatedSubject, aud: 'api://AzureADTokenExchange' })
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(600)
  })

  it('serves discovery whose issuer shares the authority origin, and the token signing keys', async () => {
    const config = await (await fetch(`${emulator.urls.login}/contoso.com/v2.0/.well-known/openid-configuration`)).json() as Record<string, string>
    expect(new URL(config.issuer).origin).toBe(emulator.urls.login)
    expect(config.token_endpoint).toBe(`${emulator.urls.login}/${emulator.tenant.tenantId}/oauth2/v2.0/token`)
    const jwks = await (await fetch(config.jwks_uri)).json() as { keys: unknown[] }
    expect(jwks.keys).toHaveLength(1)
  })

  function tokenEndpoint(): string {
    return `${emulator.urls.login}/${emulator.tenant.tenantId}/oauth2/v2.0/token`
  }

  async function postAssertion(clientId: string, assertion: string): Promise<{ status: number; json: any }> {
    const res = await fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        scope: GRAPH_SCOPE,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion
      })
    })
    return { status: res.status, json: await res.json() }
  }

  async function fetchGitHubIdToken(audience: string): Promise<string> {
    const { ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN } = emulator.oidc.actionsEnv()
    const res = await fetch(`${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`, {
      headers: { authorization: `Bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
    })
    return ((await res.json()) as { value: string }).value
  }
})

function certificateAssertion(cert: TestCertificate, clientId: string, audience: string, alg: 'RS256' | 'PS256', times: { nbf?: number; exp?: number } = {}): string {
  const now = Math.floor(Date.now() / 1000)
  const x5t = Buffer.from(cert.thumbprint, 'hex').toString('base64url')
  return signJwt({ alg, x5t }, { aud: audience, iss: clientId, sub: clientId, jti: randomUUID(), nbf: times.nbf ?? now, exp: times.exp ?? now + 600 }, cert.privateKey)
}
