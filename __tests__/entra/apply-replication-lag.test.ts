/**
 * Which objects apply treats as possibly not replicated yet (src/entra/apply.ts), through the
 * real Graph client against the emulator: besides objects this run created, an app found by
 * the read whose createdDateTime is minutes old, and an app or service principal the upsert
 * answered 204 for (a concurrent run created it moments ago). A write that lands on a replica
 * that has not caught up (404) is waited out for those, and is final for an old object.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { CertificateInAdvance } from '../../src/certificate/index.js'
import { resolveCloud } from '../../src/cloud.js'
import { applyPlan, type ApplyContext } from '../../src/entra/apply.js'
import { Graph } from '../../src/entra/graph.js'
import { uniqueNameFor, type Change, type Plan } from '../../src/entra/plan.js'
import { readTenant } from '../../src/entra/read-tenant.js'
import { EXCHANGE_MANAGE_AS_APP_ROLE_ID, EXCHANGE_ONLINE_APP_ID } from '../../src/entra/well-known.js'
import type { Settings } from '../../src/settings.js'

const APP_NAME = 'EXO Background Process'
const MINUTE = 60_000
/** How long the written object stays invisible on the replica the next write lands on. */
const LAG_MS = 1_500
const EXO_ENTRY = { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccess: [{ id: EXCHANGE_MANAGE_AS_APP_ROLE_ID, type: 'Role' }] }

let emulator: Emulator
beforeEach(async () => {
  emulator = await startEmulator()
})
afterEach(async () => {
  await emulator.close()
})

function graph(): Graph {
  const credential = new ClientSecretCredential(emulator.tenant.tenantId, emulator.provisioning.appId, emulator.provisioning.clientSecret, {
    authorityHost: emulator.urls.login,
    disableInstanceDiscovery: true
  })
  return Graph.create(credential, resolveCloud('global', { authorityHost: emulator.urls.login, graphEndpoint: emulator.urls.graph }), {
    replicationBudget: { maxTotalWaitMs: 15_000, baseDelayMs: 100, maxDelayMs: 1_000 }
  })
}

function context(g: Graph): ApplyContext {
  return {
    graph: g,
    settings: { signIn: { clientId: emulator.provisioning.appId } } as unknown as Settings,
    now: new Date(),
    log: () => undefined,
    // No change here adds a certificate.
    newCertificate: {} as CertificateInAdvance
  }
}

function planOf(phases: Change[][], existed: boolean): Plan {
  return {
    changes: phases.flat(),
    phases,
    certificate: { decision: 'none', reason: 'federated', rotateBeforeDays: 30 },
    secretSet: { id: '1a2b3c4d', description: 'repository secrets of contoso/exo-jobs, prefix EXO_' },
    certificatesOnApp: [],
    app: { displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME), existed },
    servicePrincipal: { existed },
    exchangeManageAsApp: { requestedBefore: true, grantedBefore: true },
    roles: []
  }
}

/** Graph's createdDateTime format (no fractional seconds), `ms` ago. */
function createdAgo(ms: number): string {
  return new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The answers Graph gave to `method` requests on paths matching `path`, in order. */
function statuses(method: string, path: RegExp): number[] {
  return emulator.log.list({ service: 'graph', method, path }).map(entry => entry.status)
}

/** Right after Graph answers the first request matching, `hide` makes an object invisible for LAG_MS (the next write lands on a lagging replica). */
function lagAfter(method: string, path: RegExp, hide: () => { visibleAt: number }): void {
  let done = false
  emulator.log.onRecord(entry => {
    if (done || entry.service !== 'graph' || entry.method !== method || !path.test(entry.path)) return
    done = true
    hide().visibleAt = Date.now() + LAG_MS
  })
}

describe('replication lag on objects this run did not create', () => {
  it('an app the read found, created 1 minute ago: a 404 on the write is waited out', async () => {
    const { app } = emulator.tenant.seedApplication({ displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME) }, emulator.urls.oidc)
    app.createdDateTime = createdAgo(MINUTE)
    const g = graph()
    const actual = await readTenant(g, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    // createdDateTime rides in the app read's $select: no extra request.
    expect(actual.app?.createdDateTime).toBe(app.createdDateTime)
    const appReads = emulator.log.list({ service: 'graph', method: 'GET', path: /^\/v1\.0\/applications/ })
    expect(appReads.length).toBeGreaterThan(0)
    // (Its federated credentials are read beside it, in the same batch: not an app read.)
    expect(appReads.filter(read => !/createdDateTime|\/federatedIdentityCredentials$/.test(read.path))).toEqual([])
    // The write lands on a replica that has not seen the app yet.
    app.visibleAt = Date.now() + LAG_MS
    const plan = planOf([[{ kind: 'set-required-resource-access', appObjectId: app.id, requiredResourceAccess: [EXO_ENTRY] }]], true)

    await applyPlan(plan, actual, context(g))

    const patches = statuses('PATCH', /^\/v1\.0\/applications\//)
    expect(patches[0]).toBe(404)
    expect(patches.at(-1)).toBe(204)
    expect(app.requiredResourceAccess).toEqual([EXO_ENTRY])
  })

  it('an app created hours ago: the same 404 is final (a genuine "not found" is not waited out)', async () => {
    const { app } = emulator.tenant.seedApplication({ displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME) }, emulator.urls.oidc)
    app.createdDateTime = createdAgo(120 * MINUTE)
    const g = graph()
    const actual = await readTenant(g, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    app.visibleAt = Date.now() + LAG_MS
    const plan = planOf([[{ kind: 'set-required-resource-access', appObjectId: app.id, requiredResourceAccess: [EXO_ENTRY] }]], true)

    await expect(applyPlan(plan, actual, context(g))).rejects.toThrow(/404 Request_ResourceNotFound/)
    expect(statuses('PATCH', /^\/v1\.0\/applications\//)).toEqual([404])
  })

  it('an app the upsert answered 204 for (a concurrent run created it after our read): its federated credential waits out the lag', async () => {
    const g = graph()
    const actual = await readTenant(g, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    expect(actual.app).toBeUndefined()
    // The concurrent run's app, created between our read and our upsert.
    const { app } = emulator.tenant.seedApplication({ displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME), servicePrincipal: false }, emulator.urls.oidc)
    lagAfter('GET', /^\/v1\.0\/applications\(uniqueName=/, () => app)
    const plan = planOf(
      [
        [{ kind: 'create-app', uniqueName: uniqueNameFor(APP_NAME), displayName: APP_NAME, signInAudience: 'AzureADMyOrg', requiredResourceAccess: [EXO_ENTRY] }],
        [
          { kind: 'create-service-principal' },
          {
            kind: 'add-federated-credential',
            credential: { name: 'github-main', issuer: emulator.urls.oidc, subject: 'repo:octo/demo:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }
          }
        ]
      ],
      false
    )

    const applied = await applyPlan(plan, actual, context(g))

    expect(applied.createdApp).toBe(false)
    expect(statuses('PATCH', /^\/v1\.0\/applications\(uniqueName=/)).toEqual([204])
    const posts = statuses('POST', /\/federatedIdentityCredentials$/)
    expect(posts[0]).toBe(404)
    expect(posts.at(-1)).toBe(201)
    expect(app.federatedIdentityCredentials.map(credential => credential.name)).toEqual(['github-main'])
  })

  it('a service principal the upsert answered 204 for: the grant naming it waits out the lag', async () => {
    const { app } = emulator.tenant.seedApplication({ displayName: APP_NAME, uniqueName: uniqueNameFor(APP_NAME), servicePrincipal: false }, emulator.urls.oidc)
    app.createdDateTime = createdAgo(120 * MINUTE)
    const g = graph()
    const actual = await readTenant(g, { appName: APP_NAME, needInitialDomain: false, securityAndCompliance: false })
    expect(actual.servicePrincipal).toBeUndefined()
    // The concurrent run's service principal, created between our read and our upsert.
    const sp = emulator.tenant.createServicePrincipal(app, [], 0)
    lagAfter('GET', /^\/v1\.0\/servicePrincipals\(appId=/, () => sp)
    const exchange = emulator.tenant.exchangeServicePrincipal
    const plan = planOf(
      [
        [{ kind: 'create-service-principal', appId: app.appId }],
        [{ kind: 'grant-exchange-manage-as-app', resourceId: exchange.id, appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID }]
      ],
      true
    )

    const applied = await applyPlan(plan, actual, context(g))

    expect(applied.createdServicePrincipal).toBe(false)
    expect(applied.servicePrincipalId).toBe(sp.id)
    const grants = statuses('POST', /\/appRoleAssignedTo$/)
    expect(grants[0]).toBe(404)
    expect(grants.at(-1)).toBe(201)
    expect(emulator.tenant.appRoleAssignments.filter(a => a.principalId === sp.id).map(a => a.appRoleId)).toEqual([EXCHANGE_MANAGE_AS_APP_ROLE_ID])
  })
})
