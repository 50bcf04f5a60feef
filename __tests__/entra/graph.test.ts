/**
 * The Graph client (src/entra/graph.ts) against the emulator with injected faults: what is
 * retried (429 with and without Retry-After, 503, 504, dropped connections, throttled
 * $batch steps, replication lag on objects marked new) and what is not (500, 403, a 404 on
 * an object that is not new). Budgets are small so the tests stay quick; waits are real
 * (graph-retry-after.test.ts records them instead, with the real budgets).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { resolveCloud } from '../../src/cloud.js'
import { Graph, GraphRequestError, type GraphOptions } from '../../src/entra/graph.js'
import { explainGraphError } from '../../src/entra/graph-errors.js'
import { RetryAfterBeyondBudget } from '../../src/entra/retry.js'

let emulator: Emulator

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator?.close()
})
afterEach(() => {
  emulator.faults.clear()
  emulator.log.clear()
})

const QUICK: GraphOptions = {
  transientBudget: { maxTotalWaitMs: 8_000, baseDelayMs: 20, maxDelayMs: 1_500 },
  replicationBudget: { maxTotalWaitMs: 15_000, baseDelayMs: 100, maxDelayMs: 1_000 }
}

function graphFor(options: GraphOptions = QUICK): { graph: Graph; exchanges: Array<{ method: string; status: number | 'network-error'; retry: boolean }> } {
  const exchanges: Array<{ method: string; status: number | 'network-error'; retry: boolean }> = []
  const credential = new ClientSecretCredential(emulator.tenant.tenantId, emulator.provisioning.appId, emulator.provisioning.clientSecret, {
    authorityHost: emulator.urls.login,
    disableInstanceDiscovery: true
  })
  const cloud = resolveCloud('global', { authorityHost: emulator.urls.login, graphEndpoint: emulator.urls.graph })
  const graph = Graph.create(credential, cloud, { ...options, onExchange: e => exchanges.push({ method: e.method, status: e.status, retry: e.retry }) })
  return { graph, exchanges }
}

const ORGANIZATION = { method: 'GET' as const, path: '/organization?$select=id,verifiedDomains' }
const ORGANIZATION_PATH = /^\/v1\.0\/organization/

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

describe('throttling and outages', () => {
  it('429 with Retry-After: retried, then answered', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, first: 1, retryAfterSeconds: 1 })
    const { graph, exchanges } = graphFor()
    const result = await graph.call<{ value: unknown[] }>(ORGANIZATION)
    expect(result.status).toBe(200)
    expect(result.body.value).toHaveLength(1)
    expect(fault.hits).toBe(1)
    expect(exchanges.map(e => `${e.status}${e.retry ? ' (retry)' : ''}`)).toEqual(['429', '200 (retry)'])
    expect(graph.stats).toEqual({ reads: 1, writes: 0, retries: 1 })
  })

  it('429 without Retry-After: retried with backoff', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, first: 2, retryAfterSeconds: null })
    const { graph } = graphFor()
    expect((await graph.call(ORGANIZATION)).status).toBe(200)
    expect(fault.hits).toBe(2)
    expect(graph.stats.retries).toBe(2)
  })

  it.each([503, 504] as const)('%i: retried', async status => {
    const fault = emulator.faults.fail(status, { service: 'graph', path: ORGANIZATION_PATH, first: 1 })
    const { graph } = graphFor()
    expect((await graph.call(ORGANIZATION)).status).toBe(200)
    expect(fault.hits).toBe(1)
  })

  it('a dropped connection: retried', async () => {
    const fault = emulator.faults.reset({ service: 'graph', path: ORGANIZATION_PATH, first: 1 })
    const { graph, exchanges } = graphFor()
    expect((await graph.call(ORGANIZATION)).status).toBe(200)
    expect(fault.hits).toBe(1)
    expect(exchanges.map(e => e.status)).toEqual(['network-error', 200])
  })

  it('500 is not retried: one request, a GraphRequestError', async () => {
    const fault = emulator.faults.fail(500, { service: 'graph', path: ORGANIZATION_PATH })
    const { graph } = graphFor()
    const error = await rejectionOf(graph.call(ORGANIZATION))
    expect(error).toBeInstanceOf(GraphRequestError)
    expect((error as GraphRequestError).status).toBe(500)
    expect(fault.seen).toBe(1)
  })

  it('throttled with Retry-After beyond what is left of the budget: stops at once, saying how long Graph asked to wait', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, retryAfterSeconds: 1 })
    const { graph } = graphFor({ ...QUICK, transientBudget: { maxTotalWaitMs: 2_500, baseDelayMs: 20, maxDelayMs: 1_500 } })
    const error = await rejectionOf(graph.call(ORGANIZATION))
    expect(error).toBeInstanceOf(RetryAfterBeyondBudget)
    expect(((error as Error).cause as GraphRequestError).status).toBe(429)
    expect(fault.hits).toBe(3) // the first try and two retries of 1 s fit in 2.5 s; 0.5 s left is less than the 1 s asked
    expect((error as Error).message).toMatch(/asked to wait 1 s before retrying, more than the 0.5 s left of this run's retry budget/)
  })

  it('throttled without Retry-After beyond the budget: gives up with the 429, explained as "run again later"', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, retryAfterSeconds: null })
    const { graph } = graphFor({ ...QUICK, transientBudget: { maxTotalWaitMs: 300, baseDelayMs: 20, maxDelayMs: 100 } })
    const error = await rejectionOf(graph.call(ORGANIZATION))
    expect(error).toBeInstanceOf(GraphRequestError)
    expect((error as GraphRequestError).status).toBe(429)
    expect(fault.hits).toBeGreaterThan(1)
    expect(explainGraphError(error as GraphRequestError).message).toMatch(/throttled or unavailable .* run the workflow again later/)
  })

  it('a connection that keeps dropping: says Graph could not be reached, and where', async () => {
    emulator.faults.reset({ service: 'graph', path: ORGANIZATION_PATH })
    const { graph } = graphFor({ ...QUICK, transientBudget: { maxTotalWaitMs: 300, baseDelayMs: 20, maxDelayMs: 100 } })
    const error = (await rejectionOf(graph.call(ORGANIZATION))) as Error
    expect(error.message).toContain(`Could not reach Microsoft Graph at ${emulator.urls.graph}`)
    expect(error.message).toMatch(/network and proxy/)
  })

  it('a refused request (400) is not retried and keeps Graph\'s code and message', async () => {
    const { graph, exchanges } = graphFor()
    const error = (await rejectionOf(graph.call({ method: 'POST', path: '/applications', body: { signInAudience: 'AzureADMyOrg' } }))) as GraphRequestError
    expect(error).toBeInstanceOf(GraphRequestError)
    expect(error.status).toBe(400)
    expect(error.code).not.toBe('HTTP400')
    expect(error.graphMessage).not.toBe('')
    expect(error.path).toBe('/applications')
    expect(exchanges).toHaveLength(1)
    expect(graph.stats.writes).toBe(1)
  })
})

describe('$batch', () => {
  const appsByName = { id: 'apps', method: 'GET' as const, path: "/applications?$filter=displayName eq 'nobody'&$select=id" }
  const exchange = { id: 'exchange', method: 'GET' as const, path: "/servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')?$select=id" }
  const organization = { id: 'org', ...ORGANIZATION }

  it('sends the throttled step again, alone, and returns every answer', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: /^\/v1\.0\/servicePrincipals/, first: 1, retryAfterSeconds: 1 })
    const { graph } = graphFor()
    const results = await graph.batch([appsByName, exchange, organization])
    expect([...results.keys()].sort()).toEqual(['apps', 'exchange', 'org'])
    for (const result of results.values()) expect(result).not.toBeInstanceOf(GraphRequestError)
    expect(fault.hits).toBe(1)
    const envelopes = emulator.log.list({ service: 'graph', path: /^\/v1\.0\/\$batch/ })
    expect(envelopes).toHaveLength(2)
    // Only the throttled step went again.
    expect(emulator.log.list({ service: 'graph', path: /^\/v1\.0\/organization/ })).toHaveLength(1)
    expect(emulator.log.list({ service: 'graph', path: /^\/v1\.0\/servicePrincipals/ })).toHaveLength(2)
    // Three reads, one of them sent twice.
    expect(graph.stats).toEqual({ reads: 3, writes: 0, retries: 1 })
  })

  it('a step without Retry-After is retried too', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, first: 2, retryAfterSeconds: null })
    const { graph } = graphFor()
    const results = await graph.batch([exchange, organization])
    expect(results.get('org')).not.toBeInstanceOf(GraphRequestError)
    expect(fault.hits).toBe(2)
  })

  it('returns a failed step as a GraphRequestError instead of throwing', async () => {
    const { graph } = graphFor()
    const results = await graph.batch([exchange, { id: 'missing', method: 'GET', path: "/applications(appId='0d6b1a35-9f5e-4c1e-8a11-4b0f1f2c3d4e')" }])
    expect(results.get('exchange')).not.toBeInstanceOf(GraphRequestError)
    const missing = results.get('missing') as GraphRequestError
    expect(missing).toBeInstanceOf(GraphRequestError)
    expect(missing.status).toBe(404)
    expect(emulator.log.list({ service: 'graph', path: /^\/v1\.0\/applications\(appId=/ })).toHaveLength(1)
  })

  it('a step that waited on a throttled one (424) runs again with it', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, first: 1, retryAfterSeconds: 1 })
    const { graph } = graphFor()
    const results = await graph.batch([organization, { ...exchange, dependsOn: ['org'] }])
    expect(fault.hits).toBe(1)
    expect(results.get('org')).not.toBeInstanceOf(GraphRequestError)
    expect(results.get('exchange')).not.toBeInstanceOf(GraphRequestError)
  })

  it('a step that waited on a failed one (424) is not sent again', async () => {
    const { graph } = graphFor()
    const missing = { id: 'missing', method: 'GET' as const, path: "/applications(appId='0d6b1a35-9f5e-4c1e-8a11-4b0f1f2c3d4e')" }
    const results = await graph.batch([missing, { ...exchange, dependsOn: ['missing'] }])
    expect((results.get('missing') as GraphRequestError).status).toBe(404)
    expect((results.get('exchange') as GraphRequestError).status).toBe(424)
    expect(emulator.log.list({ service: 'graph', path: /^\/v1\.0\/\$batch/ })).toHaveLength(1)
  })

  it('takes at most 20 requests', async () => {
    const { graph } = graphFor()
    const many = Array.from({ length: 21 }, (_, i) => ({ ...organization, id: `r${i}` }))
    await expect(graph.batch(many)).rejects.toThrow(/at most 20/)
  })
})

describe('replication lag', () => {
  async function createApp(graph: Graph, name: string): Promise<{ id: string; appId: string }> {
    return (await graph.call<{ id: string; appId: string }>({ method: 'POST', path: '/applications', body: { displayName: name } })).body
  }

  it('is waited out for an object marked new', async () => {
    emulator.faults.replicationLag({ applications: 1_500 })
    const { graph } = graphFor()
    const app = await createApp(graph, 'lagging app')
    const read = await graph.call<{ id: string }>({ method: 'GET', path: `/applications/${app.id}?$select=id`, newObject: true })
    expect(read.body.id).toBe(app.id)
    const notFound = emulator.log.list({ service: 'graph', method: 'GET', path: /^\/v1\.0\/applications\// }).filter(e => e.status === 404)
    expect(notFound.length).toBeGreaterThan(0)
    // One write and one read, the read sent again until the app was visible.
    expect(graph.stats).toEqual({ reads: 1, writes: 1, retries: notFound.length })
  })

  it('is not waited out for an object that is not marked new: its 404 is final', async () => {
    emulator.faults.replicationLag({ applications: 60_000 })
    const { graph } = graphFor()
    const app = await createApp(graph, 'lagging app, not marked')
    const error = await rejectionOf(graph.call({ method: 'GET', path: `/applications/${app.id}?$select=id` }))
    expect((error as GraphRequestError).status).toBe(404)
    expect((error as GraphRequestError).code).toBe('Request_ResourceNotFound')
    expect(emulator.log.list({ service: 'graph', method: 'GET' })).toHaveLength(1)
    expect(graph.stats.retries).toBe(0)
  })

  it('a service principal for an app that has not replicated (NoBackingApplicationObject) is created once it has', async () => {
    emulator.faults.replicationLag({ applications: 1_500 })
    const { graph } = graphFor()
    const app = await createApp(graph, 'app whose service principal comes right after')
    const sp = await graph.call<{ id: string; appId: string }>({
      method: 'PATCH',
      path: `/servicePrincipals(appId='${app.appId}')`,
      headers: { Prefer: 'create-if-missing' },
      body: {},
      newObject: true
    })
    expect(sp.status).toBe(201)
    expect(sp.body.appId).toBe(app.appId)
    const refused = emulator.log.list({ service: 'graph', method: 'PATCH' }).filter(e => e.status === 400)
    expect(refused.length).toBeGreaterThan(0)
  })

  it('gives up when the lag outlasts the budget, with the 404', async () => {
    emulator.faults.replicationLag({ applications: 60_000 })
    const { graph } = graphFor({ ...QUICK, replicationBudget: { maxTotalWaitMs: 600, baseDelayMs: 100, maxDelayMs: 200 } })
    const app = await createApp(graph, 'never visible in time')
    const error = await rejectionOf(graph.call({ method: 'GET', path: `/applications/${app.id}`, newObject: true }))
    expect((error as GraphRequestError).status).toBe(404)
    expect(graph.stats.retries).toBeGreaterThan(0)
  })
})
