/**
 * The Graph request checker against Microsoft's own examples (accepted) and against one
 * malformed request per rule it enforces (rejected, with a message naming the rule).
 *
 * The examples are the HTTP request blocks of microsoftgraph/microsoft-graph-docs-contrib,
 * api-reference/v1.0/api/<page>, at the commit noted beside each page. Where a page elides
 * a value with "..." (a certificate), a real value of the same kind stands in, said so.
 */
import { describe, expect, it } from '@jest/globals'
import { graphCsdlModel } from '../../emulator/api-check/csdl-model.js'
import { checkGraphRequest } from '../../emulator/api-check/graph-request.js'
import { GRAPH_REQUESTS_OF_THE_ACTION } from '../../scripts/api-descriptions/used-api.js'
import { makeCertificate } from '../emulator/helpers.js'

/** The rules a request breaks ([] = the description accepts it). */
function check(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): string[] {
  const absolute = url.startsWith('https://') ? url : `https://graph.microsoft.com/v1.0${url}`
  return checkGraphRequest(graphCsdlModel(), {
    method,
    url: new URL(absolute),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body,
    hasBody: body !== undefined
  })
}

const certificate = makeCertificate({ subject: 'docs example' })
const APP = '00000000-0000-0000-0000-0000000000a1'
const SP = '00000000-0000-0000-0000-0000000000b1'

describe("Microsoft's request examples (microsoft-graph-docs-contrib, api-reference/v1.0/api) are accepted", () => {
  const examples: Array<[page: string, method: string, url: string, body?: unknown, headers?: Record<string, string>]> = [
    // application-addkey.md @ 5b2abe7683e757edb71cff64a730722d44adccc6 (key "MIIDYDCCAki..." elided there: a real DER certificate here)
    ['application-addkey.md example 1', 'POST', 'https://graph.microsoft.com/v1.0/applications/{id}/addKey', {
      keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: certificate.base64Der },
      passwordCredential: null,
      proof: 'eyJ0eXAiOiJ...'
    }],
    ['application-addkey.md example 2', 'POST', 'https://graph.microsoft.com/v1.0/applications/{id}/addKey', {
      keyCredential: { type: 'X509CertAndPassword', usage: 'Sign', key: certificate.base64Der },
      passwordCredential: { secretText: 'MKTr0w1...' },
      proof: 'eyJ0eXAiOiJ...'
    }],
    // serviceprincipal-post-approleassignedto.md @ 01d208d4dc09c1340e159d905e4ad0d8492f0280
    ['serviceprincipal-post-approleassignedto.md', 'POST', 'https://graph.microsoft.com/v1.0/servicePrincipals/9028d19c-26a9-4809-8e3f-20ff73e2d75e/appRoleAssignedTo', {
      principalId: '33ad69f9-da99-4bed-acd0-3f24235cb296',
      resourceId: '9028d19c-26a9-4809-8e3f-20ff73e2d75e',
      appRoleId: 'ef7437e6-4f94-4a0a-a110-a439eb2aa8f7'
    }],
    // rbacapplication-post-roleassignments.md @ 02e4ff121660cce02fd2bf42d1279cf3ebb0323f
    ['rbacapplication-post-roleassignments.md example 1', 'POST', 'https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments', {
      '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
      roleDefinitionId: 'c2cf284d-6c41-4e6b-afac-4b80928c9034',
      principalId: 'f8ca5a85-489a-49a0-b555-0a6d81e56f0d',
      directoryScopeId: '/'
    }],
    ['rbacapplication-post-roleassignments.md example 2', 'POST', 'https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments', {
      '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
      roleDefinitionId: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
      principalId: 'f8ca5a85-489a-49a0-b555-0a6d81e56f0d',
      directoryScopeId: '/administrativeUnits/5d107bba-d8e2-4e13-b6ae-884be90e5d1a'
    }],
    ['rbacapplication-post-roleassignments.md example 3', 'POST', 'https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments', {
      '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
      principalId: '6b937a9d-c731-465b-a844-2d5b5368c161',
      roleDefinitionId: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
      directoryScopeId: '/661e1310-bd76-4795-89a7-8f3c8f855bfc'
    }],
    ['rbacapplication-post-roleassignments.md example 4', 'POST', 'https://graph.microsoft.com/v1.0/roleManagement/entitlementManagement/roleAssignments', {
      principalId: '679a9213-c497-48a4-830a-8d3d25d94ddc',
      roleDefinitionId: 'ae79f266-94d4-4dab-b730-feca7e132178',
      appScopeId: '/AccessPackageCatalog/beedadfe-01d5-4025-910b-84abb9369997'
    }],
    // application-upsert.md @ 028b8e354879f1054adbd96bfa8d16fff4330811 (examples 1 and 2 send the same request)
    ['application-upsert.md', 'PATCH', "https://graph.microsoft.com/v1.0/applications(uniqueName='app-65278')", { displayName: 'Display name' }, { Prefer: 'create-if-missing' }],
    // serviceprincipal-upsert.md @ 033d9c8a4d44f59eeae6611bbf8fa966d1b03760 (examples 1 and 2 send the same request)
    ['serviceprincipal-upsert.md', 'PATCH', "https://graph.microsoft.com/v1.0/servicePrincipals(appId='65415bb1-9267-4313-bbf5-ae259732ee12')", { displayName: 'My app instance' }, { Prefer: 'create-if-missing' }],
    // application-update.md @ 01a8d1acc821af160ad997b0660c50dbfa888d88
    ['application-update.md', 'PATCH', 'https://graph.microsoft.com/v1.0/applications/{id}', { displayName: 'New display name' }],
    // federatedidentitycredential-delete.md @ 090b00cc08ea7de0b65aa5c7632d19a33ac8ef06 (the example, then the by-name and by-appId forms its HTTP request section lists)
    ['federatedidentitycredential-delete.md', 'DELETE', 'https://graph.microsoft.com/v1.0/applications/bcd7c908-1c4d-4d48-93ee-ff38349a75c8/federatedIdentityCredentials/d9b7bf1e-429e-4678-8132-9b00c9846cc4'],
    ['federatedidentitycredential-delete.md (by name, app by appId)', 'DELETE', "https://graph.microsoft.com/v1.0/applications(appId='bcd7c908-1c4d-4d48-93ee-ff38349a75c8')/federatedIdentityCredentials/fic01"],
    // application-post-federatedidentitycredentials.md @ 028b8e354879f1054adbd96bfa8d16fff4330811 (with its trailing slash)
    ['application-post-federatedidentitycredentials.md', 'POST', 'https://graph.microsoft.com/v1.0/applications/bcd7c908-1c4d-4d48-93ee-ff38349a75c8/federatedIdentityCredentials/', {
      name: 'testing02',
      issuer: 'https://login.microsoftonline.com/3d1e2be9-a10a-4a0c-8380-7ce190f98ed9/v2.0',
      subject: 'a7d388c3-5e3f-4959-ac7d-786b3383006a',
      audiences: ['api://AzureADTokenExchange']
    }],
    // federatedidentitycredential-upsert.md @ 24221596807ed361169a98a3910dc655ecb2d43e (example 2; example 1 omits the Prefer header)
    ['federatedidentitycredential-upsert.md', 'PATCH', "https://graph.microsoft.com/v1.0/applications(uniqueName='app-65278')/federatedIdentityCredentials(name='fic01-app-65278')", {
      issuer: 'https://login.microsoftonline.com/3d1e2be9-a10a-4a0c-8380-7ce190f98ed9/v2.0',
      subject: 'a7d388c3-5e3f-4959-ac7d-786b3383006a',
      audiences: ['api://AzureADTokenExchange']
    }, { Prefer: 'create-if-missing' }],
    // federatedidentitycredential-update.md @ 09a024454e4f07a488bfd4e3d7f96696598ca10f
    ['federatedidentitycredential-update.md', 'PATCH', 'https://graph.microsoft.com/v1.0/applications/bcd7c908-1c4d-4d48-93ee-ff38349a75c8/federatedIdentityCredentials/15be77d1-1940-43fe-8aae-94a78e078da0', {
      name: 'testing02',
      issuer: 'https://login.microsoftonline.com/3d1e2be9-a10a-4a0c-8380-7ce190f98ed9/v2.0',
      subject: 'a7d388c3-5e3f-4959-ac7d-786b3383006a',
      description: 'Updated description',
      audiences: ['api://AzureADTokenExchange']
    }]
  ]
  // A loop, not it.each: rows of different lengths would make jest wait for a `done` callback.
  for (const [page, method, url, body, headers] of examples) {
    it(page, () => {
      expect(check(method, url, body, headers)).toEqual([])
    })
  }

  it("accepts every URL the action sends, with the bodies it sends", () => {
    const bodies: Record<string, unknown> = {
      "PATCH /applications(uniqueName='exo-cba-contoso')": {
        displayName: 'Exchange automation',
        signInAudience: 'AzureADMyOrg',
        requiredResourceAccess: [{ resourceAppId: '00000002-0000-0ff1-ce00-000000000000', resourceAccess: [{ id: 'dc50a0fb-09a3-484d-be87-e023b12c6440', type: 'Role' }] }]
      },
      [`PATCH /applications/${APP}`]: {
        keyCredentials: [{ keyId: '11111111-2222-3333-4444-555555555555', type: 'AsymmetricX509Cert', usage: 'Verify', key: certificate.base64Der, displayName: `exo-cba-action ${certificate.thumbprint} expires 2027-11-26`, customKeyIdentifier: certificate.thumbprint, startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2027-01-01T00:00:00Z' }]
      },
      [`POST /applications/${APP}/addKey`]: { keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: certificate.base64Der, displayName: 'x' }, passwordCredential: null, proof: 'eyJ.eyJ.sig' },
      "PATCH /servicePrincipals(appId='00000000-0000-0000-0000-000000000001')": {},
      'POST /servicePrincipals/00000000-0000-0000-0000-0000000000b2/appRoleAssignedTo': { principalId: SP, resourceId: '00000000-0000-0000-0000-0000000000b2', appRoleId: 'dc50a0fb-09a3-484d-be87-e023b12c6440' },
      'POST /roleManagement/directory/roleAssignments': { principalId: SP, roleDefinitionId: '29232cdf-9323-42fd-ade2-1d097af3e4de', directoryScopeId: '/' },
      [`POST /applications/${APP}/federatedIdentityCredentials`]: { name: 'main', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:octo/demo:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] },
      [`PATCH /applications/${APP}/federatedIdentityCredentials/00000000-0000-0000-0000-0000000000f1`]: { subject: 'repo:octo/demo:environment:production' },
      'POST /$batch': { requests: [
        { id: 'app', method: 'GET', url: `/applications/${APP}?$select=id,keyCredentials` },
        { id: 'key', method: 'PATCH', url: `/applications/${APP}`, dependsOn: ['app'], headers: { 'Content-Type': 'application/json' }, body: { keyCredentials: [] } }
      ] }
    }
    const rejected = GRAPH_REQUESTS_OF_THE_ACTION.map(line => {
      const [method, path] = line.split(' ')
      return { line, rules: check(method, path, bodies[line]) }
    }).filter(r => r.rules.length > 0)
    expect(rejected).toEqual([])
  })

  it('reads Edm.Binary in either base64 alphabet, as Microsoft sends it (standard) and OData JSON defines it (url-safe)', () => {
    const patch = (key: string) => check('PATCH', `/applications/${APP}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key }] })
    expect(patch(certificate.base64Der)).toEqual([])
    expect(patch(Buffer.from(certificate.base64Der, 'base64').toString('base64url'))).toEqual([])
    expect(patch('MIIDYDCCAki...')).toEqual([expect.stringMatching(/'keyCredentials\[0\]\.key' expected Edm\.Binary/)])
  })

  it("reads Edm.Binary with line breaks, as the Azure CLI sends a PEM body and Graph's OData reader (Convert.FromBase64String) skips them", () => {
    const patch = (key: string) => check('PATCH', `/applications/${APP}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key }] })
    const pemBody = certificate.base64Der.replace(/.{64}/g, line => `${line}\n`)
    expect(pemBody).toContain('\n')
    expect(patch(pemBody)).toEqual([])
    expect(patch(pemBody.replace('\n', '\n!'))).toEqual([expect.stringMatching(/'keyCredentials\[0\]\.key' expected Edm\.Binary/)])
  })
})

describe('malformed requests are rejected, each with the rule it breaks', () => {
  const cases: Array<[rule: string, method: string, url: string, body: unknown, message: RegExp, headers?: Record<string, string>]> = [
    ['unknown path', 'GET', '/users', undefined, /Resource not found for the segment 'users'/],
    ['unknown segment after an entity', 'GET', `/applications/${APP}/secrets`, undefined, /Resource not found for the segment 'secrets'/],
    ['navigation property the description does not follow', 'GET', `/applications/${APP}/tokenLifetimePolicies`, undefined, /not its target type microsoft\.graph\.tokenLifetimePolicy \(it is not followed\)/],
    ['wrong method on an entity', 'POST', `/applications/${APP}`, {}, /POST is not allowed on a single microsoft\.graph\.application/],
    ['wrong method on an action', 'GET', `/applications/${APP}/addKey`, undefined, /GET is not allowed on the action microsoft\.graph\.addKey/],
    ['wrong method on a collection', 'DELETE', '/servicePrincipals', undefined, /DELETE is not allowed on a collection of microsoft\.graph\.servicePrincipal/],
    ['unknown system query option', 'GET', '/applications?$expnad=owners', undefined, /Unknown system query option '\$expnad'/],
    ['collection option on a single entity', 'GET', `/applications/${APP}?$filter=displayName eq 'x'`, undefined, /'\$filter' applies to collections/],
    ['$select of a non-property', 'GET', "/roleManagement/directory/roleAssignments?$select=principalId,roleDefinitionIdd", undefined, /'roleDefinitionIdd' is not a property of microsoft\.graph\.unifiedRoleAssignment/],
    ['$expand of a non-navigation property', 'GET', '/applications?$expand=ownerz', undefined, /'ownerz' is not a navigation property of microsoft\.graph\.application/],
    ['$filter on a non-property', 'GET', "/roleManagement/directory/roleAssignments?$filter=principalIdd eq 'x'", undefined, /\$filter names 'principalIdd'/],
    ['$top that is not a number', 'GET', '/applications?$top=all', undefined, /\$top must be a non-negative integer/],
    ['key that is not a key', 'GET', "/applications(displayName='x')", undefined, /\(displayName\) is neither its key nor one of its alternate keys \(id \| appId \| uniqueName\)/],
    ['string key without quotes', 'GET', '/applications(appId=00000000-0000-0000-0000-000000000001)', undefined, /appId is an Edm\.String: its value must be a string literal in single quotes/],
    ['unknown property on a non-open type', 'PATCH', `/applications/${APP}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: 'AAAA', thumbprint: 'AB' }] }, /'keyCredentials\[0\]\.thumbprint' is not a property of microsoft\.graph\.keyCredential/],
    ['unknown property on a non-open entity', 'POST', '/roleManagement/directory/roleAssignments', { principalId: SP, roleDefinitionId: 'r', directoryScopeIdd: '/' }, /'directoryScopeIdd' is not a property of microsoft\.graph\.unifiedRoleAssignment/],
    ['wrong type', 'POST', `/servicePrincipals/${SP}/appRoleAssignedTo`, { principalId: SP, resourceId: SP, appRoleId: 'Exchange.ManageAsApp' }, /'appRoleId' expected Edm\.Guid/],
    ['wrong type (string expected)', 'PATCH', `/applications/${APP}`, { displayName: 42 }, /'displayName' expected Edm\.String \(a JSON string\), got number 42/],
    ['not an array for a collection', 'PATCH', `/applications/${APP}`, { identifierUris: 'api://x' }, /'identifierUris' is a Collection\(Edm\.String\): expected a JSON array/],
    ['bad enum value', 'PATCH', `/applications/${APP}`, { nativeAuthenticationApisEnabled: 'some' }, /enum microsoft\.graph\.nativeAuthenticationApisEnabled: expected one of 'none', 'all'/],
    ['null for Nullable=false', 'POST', `/servicePrincipals/${SP}/appRoleAssignedTo`, { principalId: SP, resourceId: SP, appRoleId: null }, /'appRoleId' is Nullable="false" \(Edm\.Guid\): null is not allowed/],
    ['null for a collection', 'PATCH', `/applications/${APP}`, { keyCredentials: null }, /'keyCredentials' is a collection .*never null/],
    ['@odata.type of an unrelated type', 'POST', '/roleManagement/directory/roleAssignments', { '@odata.type': '#microsoft.graph.application', principalId: SP }, /@odata\.type "#microsoft\.graph\.application" is not microsoft\.graph\.unifiedRoleAssignment/],
    ['missing required action parameter', 'POST', `/applications/${APP}/addKey`, { keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: 'AAAA' }, passwordCredential: null }, /needs its parameter 'proof' \(Edm\.String, Nullable="false"\); it is missing/],
    ['unknown action parameter', 'POST', `/applications/${APP}/addKey`, { keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: 'AAAA' }, proof: 'x', password: 'p' }, /'password' is not a parameter of the action microsoft\.graph\.addKey/],
    ['upsert where the description does not allow it', 'PATCH', '/roleManagement/directory/roleAssignments/x', { principalId: SP }, /is not upsertable/, { Prefer: 'create-if-missing' }],
    ['PATCH without a body', 'PATCH', `/applications/${APP}`, undefined, /needs the microsoft\.graph\.application properties to write/],
    ['$batch: forward dependsOn', 'POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: '/organization', dependsOn: ['2'] }, { id: '2', method: 'GET', url: '/organization' }] }, /dependsOn '2' is not the id or atomicityGroup of a preceding request/],
    ['$batch: member that is not in the format', 'POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: '/organization', query: '$top=1' }] }, /'query', which is not a member of a batch request object/],
    ['$batch: missing url', 'POST', '/$batch', { requests: [{ id: '1', method: 'GET' }] }, /requests\[0\] needs 'url'/]
  ]
  for (const [rule, method, url, body, message, headers] of cases) {
    it(rule, () => {
      expect(check(method, url, body, headers)).toEqual(expect.arrayContaining([expect.stringMatching(message)]))
    })
  }
})
