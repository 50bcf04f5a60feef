/**
 * Faults: each run either converges by itself or fails with a clear message, and then a
 * rerun converges; no churn afterwards, nothing leaked. Plus concurrent runs on one
 * tenant, and the files with secrets (0600, removed by the post step).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ActionUnderTest } from '../../scripts/reliability/action-under-test.js'
import { inPool } from '../../scripts/reliability/pool.js'
import type { ScenarioResult } from '../../scripts/reliability/result.js'
import { concurrencyScenario, connectOfflineScenario, faultMatrix, faultScenario, fileHygieneScenario, leastPrivilegeScenario } from '../../scripts/reliability/scenarios.js'

// Short lag here: the script runs the 60 s one. Long enough that the new objects are
// invisible through the whole run, so the retry policy and verification must wait.
const LAG_MS = 4_000
const matrix = faultMatrix(LAG_MS)
const scenario = (pattern: RegExp) => {
  const found = matrix.find(s => pattern.test(s.name))
  if (found === undefined) throw new Error(`no fault scenario matches ${pattern}`)
  return found
}

const jobs: Array<{ key: string; run: (action: ActionUnderTest) => Promise<ScenarioResult> }> = [
  { key: '429', run: a => faultScenario(a, scenario(/^Graph 429 storm.*Retry-After: 1$/)) },
  { key: '429-no-retry-after', run: a => faultScenario(a, scenario(/^Graph 429 storm.*no Retry-After/)) },
  { key: 'resets', run: a => faultScenario(a, scenario(/^Graph connection resets/)) },
  { key: 'lag', run: a => faultScenario(a, scenario(/^replication lag/)) },
  { key: 'github-outage', run: a => faultScenario(a, scenario(/^GitHub outage during secret writes/)) },
  { key: 'github-outage-mid-rotation', run: a => faultScenario(a, scenario(/^rotation: GitHub outage starting after 2/)) },
  { key: 'two-at-once', run: a => concurrencyScenario(a, 2) },
  { key: 'files', run: a => fileHygieneScenario(a) },
  { key: 'least-privilege', run: a => leastPrivilegeScenario(a) },
  { key: 'connect-offline', run: a => connectOfflineScenario(a) }
]

let action: ActionUnderTest
const results = new Map<string, ScenarioResult>()

beforeAll(async () => {
  action = new ActionUnderTest()
  await inPool(jobs, 3, async job => results.set(job.key, await job.run(action)))
}, 600_000)

afterAll(() => action?.cleanup())

function expectRecovered(key: string): ScenarioResult {
  const result = results.get(key)!
  expect({ problems: result.problems, leaks: result.leaks, extraWrites: result.extraWrites }).toEqual({ problems: [], leaks: [], extraWrites: 0 })
  expect(result.converged).toBe(true)
  return result
}

describe('transient Graph faults are retried within the run', () => {
  it.each([
    ['429 on every third request, with Retry-After', '429'],
    ['429 on every third request, without Retry-After', '429-no-retry-after'],
    ['connection reset on every third request', 'resets']
  ])('%s: the run itself converges', (_what, key) => {
    const result = expectRecovered(key)
    expect(result.faultsInjected).toBeGreaterThan(0)
    expect(result.notes).toContain('faulted run converged by itself')
  })

  it('replication lag on every new object: the run waits it out and converges', () => {
    const result = expectRecovered('lag')
    expect(result.faultsInjected).toBeGreaterThan(0)
    expect(result.notes).toContain('faulted run converged by itself')
  })
})

describe('a GitHub outage while the secrets are written', () => {
  it('fails the run with a message about GitHub, and a rerun converges', () => {
    const result = expectRecovered('github-outage')
    const failure = result.notes?.find(note => note.startsWith('faulted run failed:'))
    expect(failure).toMatch(/GitHub|secret/i)
    expect(failure).not.toMatch(/Unexpected error/)
  })

  it('starting mid-rotation (two secrets already new): a rerun still converges, keeping the previous certificate', () => {
    const result = expectRecovered('github-outage-mid-rotation')
    expect(result.notes?.some(note => note.startsWith('faulted run failed:'))).toBe(true)
  })
})

describe('two runs at once on one tenant', () => {
  it('end with one app and secrets that agree with it (at most one rerun)', () => {
    expectRecovered('two-at-once')
  })
})

describe('security properties', () => {
  it('the PFX, its password file and the connect script are created 0600 (folder 0700) and the post step removes them', () => {
    expectRecovered('files')
  })

  it('a provisioning identity with only Application.ReadWrite.OwnedBy and the three other least-privilege permissions provisions and rotates', () => {
    expectRecovered('least-privilege')
  })

  it('connect mode makes no request to Entra ID, Graph or GitHub', () => {
    expectRecovered('connect-offline')
  })
})
