/**
 * The bench's round-trip count: overlapping requests are one round trip, a $batch is one
 * round trip whatever its steps, and the leading sign-in round trips are told apart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator, type LoggedRequest } from '../../emulator/index.js'
import { isBatchEnvelope, roundTripGroups, signInRoundTrips } from '../../scripts/lib/round-trips.js'

let seq = 0
function entry(service: LoggedRequest['service'], path: string, startMs: number, ms: number, extra: Partial<LoggedRequest> = {}): LoggedRequest {
  return {
    seq: ++seq,
    timestamp: new Date(Date.UTC(2026, 0, 1) + startMs).toISOString(),
    service,
    method: 'GET',
    path,
    status: 200,
    kind: 'read',
    ms,
    ...extra
  }
}

describe('roundTripGroups', () => {
  it('puts requests that overlap in one round trip and the next one after an answer in another', () => {
    const log = [
      entry('oidc', '/token', 0, 100),
      entry('login', '/t/v2.0/.well-known/openid-configuration', 110, 100),
      entry('login', '/t/oauth2/v2.0/token', 220, 100),
      entry('graph', '/v1.0/$batch', 330, 100, { method: 'POST' }),
      // The steps of that batch: inside the envelope's round trip, never their own.
      entry('graph', '/v1.0/applications', 335, 1, { batch: true }),
      entry('graph', '/v1.0/organization', 336, 1, { batch: true }),
      // Two writes sent together (logged out of order), then one after both answered.
      entry('graph', '/v1.0/roleManagement/directory/roleAssignments', 445, 100, { method: 'POST' }),
      entry('graph', '/v1.0/servicePrincipals/x/appRoleAssignedTo', 440, 100, { method: 'POST' }),
      entry('github', '/repos/o/r/actions/secrets/public-key', 560, 100)
    ]

    const groups = roundTripGroups(log)

    expect(groups.map(group => group.map(e => e.path))).toEqual([
      ['/token'],
      ['/t/v2.0/.well-known/openid-configuration'],
      ['/t/oauth2/v2.0/token'],
      ['/v1.0/$batch'],
      ['/v1.0/servicePrincipals/x/appRoleAssignedTo', '/v1.0/roleManagement/directory/roleAssignments'],
      ['/repos/o/r/actions/secrets/public-key']
    ])
    expect(signInRoundTrips(groups)).toBe(3)
    expect(log.filter(isBatchEnvelope)).toHaveLength(1)
  })

  it('starts a new round trip for a request that arrives exactly when the previous answer left', () => {
    const groups = roundTripGroups([entry('graph', '/a', 0, 100), entry('graph', '/b', 100, 100)])
    expect(groups).toHaveLength(2)
  })

  it('counts the sign-in chain even when other requests run beside it', () => {
    const groups = roundTripGroups([
      entry('oidc', '/token', 0, 100),
      entry('github', '/repos/o/r/actions/secrets/public-key', 0, 100),
      entry('login', '/t/v2.0/.well-known/openid-configuration', 120, 100),
      entry('github', '/repos/o/r/actions/secrets/EXO_APP_ID', 120, 100),
      entry('login', '/t/oauth2/v2.0/token', 240, 100),
      entry('graph', '/v1.0/$batch', 360, 100)
    ])
    expect(groups).toHaveLength(4)
    expect(signInRoundTrips(groups)).toBe(3)
  })

  it('counts no sign-in round trips when the first request is not a sign-in', () => {
    expect(signInRoundTrips(roundTripGroups([entry('graph', '/a', 0, 10), entry('login', '/t/oauth2/v2.0/token', 20, 10)]))).toBe(0)
  })
})

describe('roundTripGroups on a real emulator log', () => {
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startEmulator()
    emulator.faults.latency(60, { service: 'github' })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it('sees two requests sent together as one round trip and a later one as the next', async () => {
    const get = (path: string) => fetch(`${emulator.urls.github}${path}`).then(response => response.text())
    await Promise.all([get('/repos/a/b/actions/secrets/public-key'), get('/repos/a/c/actions/secrets/public-key')])
    await get('/repos/a/d/actions/secrets/public-key')

    const groups = roundTripGroups(emulator.log.list({ service: 'github' }))

    expect(groups.map(group => group.length)).toEqual([2, 1])
  })
})
