/**
 * Graph JSON $batch: at most 20 steps, dependsOn ordering, 424 for steps whose dependency
 * failed, and each step answered (and throttled) on its own.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { graph, graphClient, provisioningToken } from './helpers.js'

describe('emulated Graph $batch', () => {
  let emulator: Emulator
  let token: string

  beforeAll(async () => {
    emulator = await startEmulator()
    token = await provisioningToken(emulator)
  })
  afterEach(() => emulator.faults.clear())
  afterAll(async () => { await emulator?.close() })

  const json = { 'Content-Type': 'application/json' }

  it('runs steps in dependsOn order and answers each with its own status, headers and body (Graph SDK client)', async () => {
    const body = {
      requests: [
        { id: 'create', method: 'PATCH', url: "/applications(uniqueName='batched')", headers: { ...json, Prefer: 'create-if-missing' }, body: { displayName: 'Batched' } },
        // Depends on "create": runs after it, and sees what it wrote.
        { id: 'read', method: 'GET', url: "/applications(uniqueName='batched')?$select=displayName", dependsOn: ['create'] },
        { id: 'org', method: 'GET', url: '/organization?$select=id' }
      ]
    }
    const res = await graphClient(emulator, token).api('/$batch').post(body)
    const byId = Object.fromEntries(res.responses.map((r: { id: string }) => [r.id, r]))
    expect(byId.create.status).toBe(201)
    expect(byId.create.headers['Content-Type']).toMatch(/application\/json/)
    expect(byId.read).toMatchObject({ status: 200, body: expect.objectContaining({ displayName: 'Batched' }) })
    expect(byId.org.body.value[0].id).toBe(emulator.tenant.tenantId)
    const steps = emulator.log.list({ service: 'graph' }).filter(e => e.batch)
    expect(steps.map(s => s.method)).toEqual(['PATCH', 'GET', 'GET'])
  })

  it('answers 424 for every step that depends on a failed one', async () => {
    const res = await graph(emulator, token, 'POST', '/$batch', {
      requests: [
        { id: '1', method: 'PATCH', url: "/applications(uniqueName='batch-no-name')", headers: { ...json, Prefer: 'create-if-missing' }, body: { notes: 'no displayName' } },
        { id: '2', method: 'GET', url: "/applications(uniqueName='batch-no-name')", dependsOn: ['1'] },
        { id: '3', method: 'GET', url: '/organization', dependsOn: ['2'] },
        { id: '4', method: 'GET', url: '/organization' }
      ]
    })
    expect(res.status).toBe(200)
    const status = Object.fromEntries(res.json.responses.map((r: { id: string; status: number }) => [r.id, r.status]))
    expect(status).toEqual({ '1': 400, '2': 424, '3': 424, '4': 200 })
  })

  it('refuses more than 20 steps, duplicate ids, unknown dependencies and forward references', async () => {
    const steps = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/organization' }))
    expect((await graph(emulator, token, 'POST', '/$batch', { requests: steps(20) })).status).toBe(200)
    const tooMany = await graph(emulator, token, 'POST', '/$batch', { requests: steps(21) })
    expect(tooMany.status).toBe(400)
    expect(tooMany.json.error.message).toMatch(/20/)
    // The other three break the OData JSON batch format itself (JSON Format 4.01 §19).
    emulator.apiChecks.expect(3)
    const duplicate = await graph(emulator, token, 'POST', '/$batch', { requests: [...steps(1), ...steps(1)] })
    expect(duplicate.status).toBe(400)
    expect(duplicate.json.error.message).toMatch(/ids are unique/)
    expect((await graph(emulator, token, 'POST', '/$batch', { requests: [{ id: 'a', method: 'GET', url: '/organization', dependsOn: ['zz'] }] })).status).toBe(400)
    const forward = await graph(emulator, token, 'POST', '/$batch', {
      requests: [
        { id: 'read', method: 'GET', url: '/organization', dependsOn: ['later'] },
        { id: 'later', method: 'GET', url: '/organization' }
      ]
    })
    expect(forward.status).toBe(400)
    expect(forward.json.error.message).toMatch(/forward references are not allowed/)
  })

  it('throttles a single step: 429 with Retry-After in that step only', async () => {
    const throttle = emulator.faults.throttle({ service: 'graph', path: /^\/v1\.0\/organization/, first: 1, retryAfterSeconds: 3 })
    const res = await graph(emulator, token, 'POST', '/$batch', {
      requests: [
        { id: 'org', method: 'GET', url: '/organization' },
        { id: 'apps', method: 'GET', url: '/applications?$top=1' }
      ]
    })
    expect(res.status).toBe(200)
    const [org, apps] = res.json.responses
    expect(org).toMatchObject({ id: 'org', status: 429, headers: { 'Retry-After': '3' } })
    expect(org.body.error.code).toBe('TooManyRequests')
    expect(apps.status).toBe(200)
    expect(throttle.hits).toBe(1)
  })

  it('refuses a write step without a Content-Type header, as Graph does', async () => {
    const res = await graph(emulator, token, 'POST', '/$batch', {
      requests: [{ id: 'w', method: 'POST', url: '/applications', body: { displayName: 'no type' } }]
    })
    expect(res.json.responses[0].status).toBe(400)
  })
})
