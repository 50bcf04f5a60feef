/**
 * Retry-After through the Graph client (src/entra/graph.ts) against the emulator, with the
 * real budgets and a recording sleep (no real waiting): a wait Graph asks for is waited in
 * full when it fits what is left of the retry budget, and otherwise the run fails at once,
 * saying how long Graph asked to wait, instead of retrying early.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { resolveCloud } from '../../src/cloud.js'
import { Graph, GraphRequestError } from '../../src/entra/graph.js'
import { RetryAfterBeyondBudget, TRANSIENT_BUDGET } from '../../src/entra/retry.js'
import { UserError } from '../../src/errors.js'

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

/** A client with the production budgets whose waits are recorded, not slept. */
function graphWithRecordedWaits(): { graph: Graph; waits: number[] } {
  const waits: number[] = []
  const credential = new ClientSecretCredential(emulator.tenant.tenantId, emulator.provisioning.appId, emulator.provisioning.clientSecret, {
    authorityHost: emulator.urls.login,
    disableInstanceDiscovery: true
  })
  const cloud = resolveCloud('global', { authorityHost: emulator.urls.login, graphEndpoint: emulator.urls.graph })
  const graph = Graph.create(credential, cloud, {
    sleep: async ms => {
      waits.push(ms)
    }
  })
  return { graph, waits }
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

describe('Retry-After', () => {
  it('45 s within the budget: waits 45 s, not the 30 s backoff cap, then succeeds', async () => {
    expect(TRANSIENT_BUDGET.maxDelayMs).toBeLessThan(45_000)
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, first: 1, retryAfterSeconds: 45 })
    const { graph, waits } = graphWithRecordedWaits()
    const result = await graph.call(ORGANIZATION)
    expect(result.status).toBe(200)
    expect(fault.hits).toBe(1)
    expect(waits).toEqual([45_000])
  })

  it.each([429, 503] as const)('%i asking for more than the whole budget: fails at once, saying so, without retrying early', async status => {
    const fault =
      status === 429
        ? emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, retryAfterSeconds: 300 })
        : emulator.faults.fail(503, { service: 'graph', path: ORGANIZATION_PATH, retryAfterSeconds: 300 })
    const { graph, waits } = graphWithRecordedWaits()
    const error = await rejectionOf(graph.call(ORGANIZATION))
    expect(error).toBeInstanceOf(RetryAfterBeyondBudget)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toMatch(
      new RegExp(`Microsoft Graph answered ${status} to GET /organization and asked to wait 300 s before retrying, more than the 120 s left of this run's retry budget`)
    )
    expect((error as Error).message).toMatch(/per app per tenant: rerun the workflow once 300 s have passed/)
    expect(((error as Error).cause as GraphRequestError).status).toBe(status)
    expect(fault.seen).toBe(1)
    expect(waits).toEqual([])
  })

  it('waits as long as each Retry-After fits what is left, then fails naming what was left', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, retryAfterSeconds: 45 })
    const { graph, waits } = graphWithRecordedWaits()
    const error = await rejectionOf(graph.call(ORGANIZATION))
    expect(error).toBeInstanceOf(RetryAfterBeyondBudget)
    // 120 s budget: 45 + 45 waited, 30 s left < 45 s asked.
    expect(waits).toEqual([45_000, 45_000])
    expect((error as Error).message).toMatch(/asked to wait 45 s before retrying, more than the 30 s left/)
    expect(fault.seen).toBe(3)
  })

  it('a $batch step asking for more than the budget: the batch fails at once, naming that step', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, retryAfterSeconds: 600 })
    const { graph, waits } = graphWithRecordedWaits()
    const exchange = { id: 'exchange', method: 'GET' as const, path: "/servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')?$select=id" }
    const error = await rejectionOf(graph.batch([exchange, { id: 'org', ...ORGANIZATION }]))
    expect(error).toBeInstanceOf(RetryAfterBeyondBudget)
    expect((error as Error).message).toMatch(/answered 429 to GET \/organization and asked to wait 600 s before retrying, more than the 120 s left/)
    expect(fault.seen).toBe(1)
    expect(waits).toEqual([])
    expect(emulator.log.list({ service: 'graph', path: /^\/v1\.0\/\$batch/ })).toHaveLength(1)
  })

  it('a $batch step asking for a wait that fits: the step goes again after exactly that wait', async () => {
    const fault = emulator.faults.throttle({ service: 'graph', path: ORGANIZATION_PATH, first: 1, retryAfterSeconds: 40 })
    const { graph, waits } = graphWithRecordedWaits()
    const results = await graph.batch([{ id: 'org', ...ORGANIZATION }])
    expect(results.get('org')).not.toBeInstanceOf(GraphRequestError)
    expect(fault.hits).toBe(1)
    expect(waits).toEqual([40_000])
  })
})
