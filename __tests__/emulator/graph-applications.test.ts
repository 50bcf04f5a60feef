/**
 * Graph v1.0 applications as the action uses them: the real Graph SDK client works
 * against the emulator; upsert by uniqueName follows 201/204/404; keyCredentials replace
 * the collection and `key` shows only under $select; addKey needs a proof signed by a
 * current certificate; OwnedBy reaches only owned apps.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { signJwt } from '../../emulator/jwt.js'
import { graph, graphClient, makeCertificate, provisioningToken, tokenFor } from './helpers.js'

describe('emulated Graph applications', () => {
  let emulator: Emulator
  let token: string
  const ownedByAppId = randomUUID()
  const ownedBySecret = 'owned-by-secret'
  const portalCert = makeCertificate({ subject: 'portal' })
  const portalAppId = randomUUID()

  beforeAll(async () => {
    emulator = await startEmulator({
      apps: [
        { displayName: 'Only OwnedBy', appId: ownedByAppId, clientSecret: ownedBySecret, graphPermissions: ['Application.ReadWrite.OwnedBy'] },
        { displayName: 'Made in the portal', appId: portalAppId, certificates: [portalCert.certPem] }
      ]
    })
    token = await provisioningToken(emulator)
  })
  afterAll(async () => { await emulator?.close() })

  it('works with the Graph SDK client: list with $filter and $select, get by alternate key', async () => {
    const client = graphClient(emulator, token)
    const list = await client.api('/applications').filter(`appId eq '${portalAppId}'`).select('id,appId,displayName').get()
    expect(list.value).toEqual([{ id: expect.any(String), appId: portalAppId, displayName: 'Made in the portal' }])
    const byAppId = await client.api(`/applications(appId='${portalAppId}')`).get()
    expect(byAppId.id).toBe(list.value[0].id)
    expect(byAppId.uniqueName).toBeNull()
    const started = await client.api('/applications').filter("startswith(displayName,'made in')").get()
    expect(started.value.map((a: { appId: string }) => a.appId)).toEqual([portalAppId])
  })

  it('upserts by uniqueName: 201 with the object, then 204; without Prefer a missing app is 404', async () => {
    const path = `/applications(uniqueName='exo-cba-upsert')`
    const missing = await graph(emulator, token, 'PATCH', path, { displayName: 'EXO upsert' })
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('Request_ResourceNotFound')
    expect(missing.json.error.innerError).toEqual({ date: expect.any(String), 'request-id': expect.any(String), 'client-request-id': expect.any(String) })

    const prefer = { prefer: 'create-if-missing' }
    const created = await graph(emulator, token, 'PATCH', path, { displayName: 'EXO upsert', signInAudience: 'AzureADMyOrg' }, prefer)
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ uniqueName: 'exo-cba-upsert', displayName: 'EXO upsert', signInAudience: 'AzureADMyOrg' })
    const again = await graph(emulator, token, 'PATCH', path, { displayName: 'EXO upsert renamed' }, prefer)
    expect(again.status).toBe(204)
    const read = await graph(emulator, token, 'GET', path)
    expect(read.json).toMatchObject({ id: created.json.id, displayName: 'EXO upsert renamed' })
  })

  it('refuses an upsert that would create an app without displayName, and a changed uniqueName', async () => {
    const res = await graph(emulator, token, 'PATCH', `/applications(uniqueName='no-name')`, { signInAudience: 'AzureADMyOrg' }, { prefer: 'create-if-missing' })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('Request_BadRequest')
    const created = await graph(emulator, token, 'POST', '/applications', { displayName: 'fixed name', uniqueName: 'fixed-name' })
    const change = await graph(emulator, token, 'PATCH', `/applications/${created.json.id}`, { uniqueName: 'other-name' })
    expect(change.status).toBe(400)
  })

  it('replaces keyCredentials, dates them from the certificate, and returns key only under $select', async () => {
    const app = (await graph(emulator, token, 'POST', '/applications', { displayName: 'keys' })).json
    const first = makeCertificate()
    const second = makeCertificate()
    const credential = (c: typeof first) => ({ type: 'AsymmetricX509Cert', usage: 'Verify', key: c.base64Der, displayName: 'exo-cba-action test' })
    expect((await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { keyCredentials: [credential(first)] })).status).toBe(204)
    expect((await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { keyCredentials: [credential(second)] })).status).toBe(204)

    const plain = (await graph(emulator, token, 'GET', `/applications/${app.id}`)).json
    expect(plain.keyCredentials).toHaveLength(1)
    expect(plain.keyCredentials[0]).toMatchObject({ key: null, customKeyIdentifier: second.thumbprint, type: 'AsymmetricX509Cert', usage: 'Verify', keyId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    expect(Date.parse(plain.keyCredentials[0].endDateTime)).toBeGreaterThan(Date.now() + 300 * 86400_000)

    const selected = (await graph(emulator, token, 'GET', `/applications/${app.id}?$select=id,keyCredentials`)).json
    expect(Object.keys(selected).filter(k => !k.startsWith('@'))).toEqual(['id', 'keyCredentials'])
    expect(selected.keyCredentials[0].key).toBe(second.base64Der)

    // Sending back what a GET without $select returned (key: null) is refused, not a silent delete.
    const echo = await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { keyCredentials: plain.keyCredentials })
    expect(echo.status).toBe(400)
    const garbage = await graph(emulator, token, 'PATCH', `/applications/${app.id}`, { keyCredentials: [{ ...credential(first), key: Buffer.from('not a cert').toString('base64') }] })
    expect(garbage.status).toBe(400)
    expect(garbage.json.error.message).toMatch(/invalid certificate/i)
  })

  it('reads a key sent as a PEM body with line breaks (as the Azure CLI sends it) and stores the plain base64', async () => {
    const app = (await graph(emulator, token, 'POST', '/applications', { displayName: 'az-made key' })).json
    const certificate = makeCertificate({ subject: 'CLI-Login' })
    const pemBody = certificate.base64Der.replace(/.{64}/g, line => `${line}\n`)
    const patched = await graph(emulator, token, 'PATCH', `/applications/${app.id}`, {
      keyCredentials: [{ '@odata.type': '#microsoft.graph.keyCredential', type: 'AsymmetricX509Cert', usage: 'Verify', key: pemBody, displayName: null, keyId: randomUUID() }]
    })
    expect(patched.status).toBe(204)
    const selected = (await graph(emulator, token, 'GET', `/applications/${app.id}?$select=keyCredentials`)).json
    expect(selected.keyCredentials).toEqual([expect.objectContaining({ key: certificate.base64Der, customKeyIdentifier: certificate.thumbprint })])
  })

  it("filters with the lambda any() over a multi-valued property, as `az ad sp show --id <appId>` does", async () => {
    const exchangeAppId = '00000002-0000-0ff1-ce00-000000000000'
    const filter = (expression: string) => `/servicePrincipals?$filter=${encodeURIComponent(expression)}`
    const byName = await graph(emulator, token, 'GET', filter(`servicePrincipalNames/any(c:c eq '${exchangeAppId}')`))
    expect(byName.status).toBe(200)
    expect(byName.json.value.map((sp: { id: string }) => sp.id)).toEqual([emulator.tenant.exchangeServicePrincipal.id])
    const byUri = await graph(emulator, token, 'GET', filter("servicePrincipalNames/any(n:startswith(n,'https://outlook.office365.'))"))
    expect(byUri.json.value.map((sp: { appId: string }) => sp.appId)).toEqual([exchangeAppId])
    const none = await graph(emulator, token, 'GET', filter("servicePrincipalNames/any(c:c eq 'api://nobody')"))
    expect(none.json.value).toEqual([])
    const combined = await graph(emulator, token, 'GET', filter(`servicePrincipalNames/any(c:c eq '${exchangeAppId}') and accountEnabled eq false`))
    expect(combined.json.value).toEqual([])
    // `all` is not supported on directory objects, nor any() over a single-valued property.
    expect((await graph(emulator, token, 'GET', filter("servicePrincipalNames/all(c:c ne 'x')"))).json.error.code).toBe('Request_UnsupportedQuery')
    expect((await graph(emulator, token, 'GET', filter("displayName/any(c:c eq 'x')"))).status).toBe(400)
  })

  it('adds a key with addKey and a proof signed by a current certificate, needing no Graph permission', async () => {
    const portal = (await graph(emulator, token, 'GET', `/applications(appId='${portalAppId}')`)).json
    // The portal app signs in with its own certificate: it has no Graph permission at all.
    const { ClientCertificateCredential } = await import('@azure/identity')
    const own = await new ClientCertificateCredential(emulator.tenant.tenantId, portalAppId, { certificate: portalCert.pem }, {
      authorityHost: emulator.urls.login, disableInstanceDiscovery: true
    }).getToken('https://graph.microsoft.com/.default')
    const next = makeCertificate({ subject: 'next' })
    const now = Math.floor(Date.now() / 1000)
    const proof = (claims: Record<string, unknown>, key = portalCert.privateKey) =>
      signJwt({ alg: 'RS256' }, { aud: '00000002-0000-0000-c000-000000000000', iss: portal.id, nbf: now, exp: now + 600, ...claims }, key)
    const body = (p: string) => ({ keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: next.base64Der }, passwordCredential: null, proof: p })

    const tooLong = await graph(emulator, own.token, 'POST', `/applications/${portal.id}/addKey`, body(proof({ exp: now + 3600 })))
    expect(tooLong.status).toBe(400)
    const wrongIssuer = await graph(emulator, own.token, 'POST', `/applications/${portal.id}/addKey`, body(proof({ iss: portalAppId })))
    expect(wrongIssuer.status).toBe(400)
    const wrongKey = await graph(emulator, own.token, 'POST', `/applications/${portal.id}/addKey`, body(proof({}, makeCertificate().privateKey)))
    expect(wrongKey.status).toBe(400)

    const added = await graph(emulator, own.token, 'POST', `/applications/${portal.id}/addKey`, body(proof({})))
    expect(added.status).toBe(200)
    expect(added.json).toMatchObject({ type: 'AsymmetricX509Cert', usage: 'Verify', key: null, customKeyIdentifier: next.thumbprint })
    const after = (await graph(emulator, token, 'GET', `/applications/${portal.id}`)).json
    expect(after.keyCredentials.map((k: { customKeyIdentifier: string }) => k.customKeyIdentifier)).toEqual([portalCert.thumbprint, next.thumbprint])
  })

  it('lets Application.ReadWrite.OwnedBy change only apps the caller owns, and owns what it creates', async () => {
    const ownedByToken = await tokenFor(emulator, ownedByAppId, ownedBySecret)
    const portal = (await graph(emulator, ownedByToken, 'GET', `/applications(appId='${portalAppId}')`)).json
    const denied = await graph(emulator, ownedByToken, 'PATCH', `/applications/${portal.id}`, { notes: 'mine now' })
    expect(denied.status).toBe(403)
    expect(denied.json.error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' })

    const created = await graph(emulator, ownedByToken, 'PATCH', `/applications(uniqueName='owned-by-made')`, { displayName: 'Owned' }, { prefer: 'create-if-missing' })
    expect(created.status).toBe(201)
    const owners = (await graph(emulator, ownedByToken, 'GET', `/applications/${created.json.id}/owners`)).json
    const callerSp = emulator.tenant.servicePrincipalByAppId(ownedByAppId)!
    expect(owners.value).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.servicePrincipal', id: callerSp.id })])
    expect((await graph(emulator, ownedByToken, 'PATCH', `/applications/${created.json.id}`, { notes: 'ok' })).status).toBe(204)
  })

  it('answers 401 without a valid token and 404 for unknown ids, in Graph error shape', async () => {
    const none = await graph(emulator, undefined, 'GET', '/applications')
    expect(none.status).toBe(401)
    expect(none.json.error.code).toBe('InvalidAuthenticationToken')
    const exchangeToken = await tokenFor(emulator, emulator.provisioning.appId, emulator.provisioning.clientSecret, 'https://outlook.office365.com/.default')
    expect((await graph(emulator, exchangeToken, 'GET', '/applications')).status).toBe(401)
    const unknown = await graph(emulator, token, 'GET', `/applications/${randomUUID()}`)
    expect(unknown.status).toBe(404)
    expect(unknown.json.error.code).toBe('Request_ResourceNotFound')
  })

  it('deletes a federated identity credential as Graph documents it: 204, by id or name; 404 Request_ResourceNotFound when unknown or not yet replicated', async () => {
    // federatedidentitycredential-delete.md (microsoft-graph-docs-contrib @ 090b00cc08ea7de0b65aa5c7632d19a33ac8ef06): 204 No Content.
    const app = (await graph(emulator, token, 'POST', '/applications', { displayName: 'Federated, then not' })).json
    const fic = (name: string, subject: string) => graph(emulator, token, 'POST', `/applications/${app.id}/federatedIdentityCredentials`, {
      name, issuer: 'https://token.actions.githubusercontent.com', subject, audiences: ['api://AzureADTokenExchange']
    })
    const main = (await fic('main', 'repo:octo/demo:ref:refs/heads/main')).json
    await fic('prod', 'repo:octo/demo:environment:prod')
    const path = (key: string) => `/applications/${app.id}/federatedIdentityCredentials/${key}`

    expect((await graph(emulator, token, 'DELETE', path(main.id))).status).toBe(204)
    expect((await graph(emulator, token, 'GET', path(main.id))).status).toBe(404)
    const again = await graph(emulator, token, 'DELETE', path(main.id))
    expect([again.status, again.json.error.code]).toEqual([404, 'Request_ResourceNotFound'])
    expect((await graph(emulator, token, 'DELETE', path(randomUUID()))).status).toBe(404)
    expect((await graph(emulator, token, 'DELETE', `/applications(appId='${app.appId}')/federatedIdentityCredentials/prod`)).status).toBe(204)
    expect((await graph(emulator, token, 'GET', `/applications/${app.id}/federatedIdentityCredentials`)).json.value).toEqual([])

    // Like an update, a delete of a credential that has not replicated yet finds nothing there.
    emulator.faults.replicationLag({ federatedIdentityCredentials: 60_000 })
    try {
      const lagging = (await fic('lagging', 'repo:octo/demo:environment:staging')).json
      const early = await graph(emulator, token, 'DELETE', path(lagging.id))
      expect([early.status, early.json.error.code]).toEqual([404, 'Request_ResourceNotFound'])
    } finally {
      emulator.faults.replicationLag(0)
    }
  })

  it("keeps a federated identity credential's description, sets it by PATCH (name unchanged), and refuses one over Graph's 600 characters", async () => {
    // federatedidentitycredential.md: description, "unvalidated ... It has a limit of 600 characters"; federatedidentitycredential-update.md: 204.
    const app = (await graph(emulator, token, 'POST', '/applications', { displayName: 'Described' })).json
    const body = { name: 'prod', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:octo/demo:environment:prod', audiences: ['api://AzureADTokenExchange'] }
    const path = `/applications/${app.id}/federatedIdentityCredentials`
    expect((await graph(emulator, token, 'POST', path, { ...body, description: 'x'.repeat(601) })).status).toBe(400)
    const created = await graph(emulator, token, 'POST', path, { ...body, description: 'first' })
    expect([created.status, created.json.description]).toEqual([201, 'first'])
    expect((await graph(emulator, token, 'PATCH', `${path}/${created.json.id}`, { audiences: body.audiences, description: 'second' })).status).toBe(204)
    expect((await graph(emulator, token, 'PATCH', `${path}/${created.json.id}`, { description: 'y'.repeat(601) })).status).toBe(400)
    expect((await graph(emulator, token, 'GET', `${path}/${created.json.id}`)).json).toMatchObject({ name: 'prod', description: 'second' })
  })

  it('pages with $top and @odata.nextLink, and refuses unknown $select properties', async () => {
    for (let i = 0; i < 3; i++) await graph(emulator, token, 'POST', '/applications', { displayName: `paged ${i}` })
    const first = (await graph(emulator, token, 'GET', `/applications?$filter=${encodeURIComponent("startswith(displayName,'paged')")}&$top=2`)).json
    expect(first.value).toHaveLength(2)
    const nextPath = new URL(first['@odata.nextLink']).pathname.replace('/v1.0', '') + new URL(first['@odata.nextLink']).search
    const second = (await graph(emulator, token, 'GET', nextPath)).json
    expect(second.value).toHaveLength(1)
    expect(second['@odata.nextLink']).toBeUndefined()
    expect((await graph(emulator, token, 'GET', '/applications?$select=nonsense')).status).toBe(400)
  })

  it('counts only with ConsistencyLevel: eventual, and refuses malformed object ids', async () => {
    expect((await graph(emulator, token, 'GET', '/applications?$count=true')).status).toBe(400)
    const counted = await graph(emulator, token, 'GET', '/applications?$count=true&$top=1', undefined, { ConsistencyLevel: 'eventual' })
    expect(counted.json['@odata.count']).toBe(emulator.tenant.applications.size)
    expect(counted.json.value).toHaveLength(1)
    const malformed = await graph(emulator, token, 'GET', '/applications/not-a-guid')
    expect(malformed.status).toBe(400)
    expect(malformed.json.error.message).toBe("Invalid object identifier 'not-a-guid'.")
  })

  it('reads the organization and its verified domains', async () => {
    const org = await graphClient(emulator, token).api('/organization').select('id,verifiedDomains').get()
    expect(org.value[0].id).toBe(emulator.tenant.tenantId)
    expect(org.value[0].verifiedDomains).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'contoso.onmicrosoft.com', isInitial: true, isDefault: false }),
      expect.objectContaining({ name: 'contoso.com', isInitial: false, isDefault: true })
    ]))
  })
})
