/**
 * Crash at every step: the action is SIGKILLed right after a write, then rerun, and the
 * rerun must reach the correct end state (one app, consent and role, no foreign
 * certificate lost, secrets that agree with the app, the previous certificate kept).
 * Graph writes happen one after another, so a kill after each is deterministic; the six
 * secret PUTs go out in parallel, so a kill among them leaves any subset written: those
 * states are built directly, one test per subset that tells the cases apart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ActionUnderTest } from '../../scripts/reliability/action-under-test.js'
import { inPool } from '../../scripts/reliability/pool.js'
import type { ScenarioResult } from '../../scripts/reliability/result.js'
import { countWritesOfCleanRun, crashScenario, interruptedSecretWritesScenario, type SecretSuffix } from '../../scripts/reliability/scenarios.js'

/** A fresh run's Graph writes: create the app, its service principal, consent, role, certificate. */
const FRESH_GRAPH_WRITES = 5
const SECRETS = 6
/** Taking the provisioning lease (PUT) and giving it back (DELETE). */
const LEASE = 2
/** A rotation's writes: the lease, the new certificate, the six secrets, pruning an expired certificate, the lease back. */
const ROTATION_WRITES = 1 + 1 + SECRETS + 1 + 1

const ALL: SecretSuffix[] = ['APP_ID', 'TENANT_ID', 'ORGANIZATION', 'CERT_THUMBPRINT', 'CERT_PFX_BASE64', 'CERT_PASSWORD']
const allBut = (missing: SecretSuffix): SecretSuffix[] => ALL.filter(name => name !== missing)

type Job = { key: string; run: (action: ActionUnderTest) => Promise<ScenarioResult> }
const jobs: Job[] = [
  ...Array.from({ length: FRESH_GRAPH_WRITES }, (_, i): Job => ({
    key: `fresh-kill-${i + 1}`,
    run: a => crashScenario(a, { rotation: false, write: i + 1, service: 'graph' })
  })),
  { key: 'fresh-kill-lease', run: a => crashScenario(a, { rotation: false, write: 1, service: 'github' }) },
  { key: 'rotation-kill-lease', run: a => crashScenario(a, { rotation: true, write: 1 }) },
  { key: 'rotation-kill-1', run: a => crashScenario(a, { rotation: true, write: 1, service: 'graph' }) },
  { key: 'rotation-kill-prune', run: a => crashScenario(a, { rotation: true, write: 2, service: 'graph' }) },
  { key: 'rotation-kill-last', run: a => crashScenario(a, { rotation: true, write: ROTATION_WRITES }) },
  { key: 'fresh-none', run: a => interruptedSecretWritesScenario(a, false, []) },
  { key: 'fresh-all-but-pfx', run: a => interruptedSecretWritesScenario(a, false, allBut('CERT_PFX_BASE64')) },
  { key: 'fresh-app-id-and-password', run: a => interruptedSecretWritesScenario(a, false, ['APP_ID', 'CERT_PASSWORD']) },
  { key: 'fresh-pfx-pair-only', run: a => interruptedSecretWritesScenario(a, false, ['CERT_PFX_BASE64', 'CERT_PASSWORD']) },
  { key: 'rotation-all-but-pfx', run: a => interruptedSecretWritesScenario(a, true, allBut('CERT_PFX_BASE64')) },
  { key: 'rotation-app-id-and-password', run: a => interruptedSecretWritesScenario(a, true, ['APP_ID', 'CERT_PASSWORD']) },
  { key: 'rotation-all-but-thumbprint', run: a => interruptedSecretWritesScenario(a, true, allBut('CERT_THUMBPRINT')) }
]

let action: ActionUnderTest
let cleanRunWrites: number
let cleanRotationWrites: number
const results = new Map<string, ScenarioResult>()

beforeAll(async () => {
  action = new ActionUnderTest()
  ;[cleanRunWrites, cleanRotationWrites] = await Promise.all([countWritesOfCleanRun(action, false), countWritesOfCleanRun(action, true)])
  await inPool(jobs, 3, async job => results.set(job.key, await job.run(action)))
}, 600_000)

afterAll(() => action?.cleanup())

/** Converged, no churn, nothing leaked: the whole contract in one readable assertion. */
function expectRecovered(key: string): ScenarioResult {
  const result = results.get(key)
  expect(result).toBeDefined()
  expect({ name: result!.name, problems: result!.problems, leaks: result!.leaks, extraWrites: result!.extraWrites }).toEqual({
    name: result!.name, problems: [], leaks: [], extraWrites: 0
  })
  expect(result!.converged).toBe(true)
  return result!
}

describe('a fresh tenant, killed right after each Graph write, is repaired by the next run', () => {
  it('a clean fresh run makes the Graph writes below plus the six secret writes and the lease (update the crash points if this changes)', () => {
    expect(cleanRunWrites).toBe(FRESH_GRAPH_WRITES + SECRETS + LEASE)
  })

  it.each(Array.from({ length: FRESH_GRAPH_WRITES }, (_, i) => i + 1))('killed after Graph write %i', write => {
    const result = expectRecovered(`fresh-kill-${write}`)
    expect(result.name).toMatch(/SIGKILL after Graph write \d+ \((PATCH|POST) /)
    expect(result.faultsInjected).toBe(1)
  })

  it('killed right after taking the provisioning lease, before reading back its creation date: the post step leaves it (it may be another run\'s) and the rerun breaks it once stale', () => {
    const result = expectRecovered('fresh-kill-lease')
    expect(result.name).toContain('after GitHub write 1 (PUT /actions/secrets/EXO_LEASE)')
    expect(result.notes).toContain('lease left to go stale, broken by the rerun')
  })
})

describe('a rotation killed at its Graph writes keeps the previous certificate and a foreign one', () => {
  it('a clean rotation takes the lease, writes the certificate, the six secrets, prunes, gives the lease back (update the crash points if this changes)', () => {
    expect(cleanRotationWrites).toBe(ROTATION_WRITES)
  })

  it('killed right after taking the lease, before any certificate work: the post step leaves it and the rerun breaks it once stale', () => {
    const result = expectRecovered('rotation-kill-lease')
    expect(result.name).toContain('after write 1 (PUT /actions/secrets/EXO_LEASE)')
    expect(result.notes).toContain('lease left to go stale, broken by the rerun')
  })

  it('killed right after adding the new certificate: converges with the previous one still on the app', () => {
    const result = expectRecovered('rotation-kill-1')
    expect(result.name).toContain('after Graph write 1 (POST /applications/{id}/addKey)')
  })

  it('killed right after pruning the expired certificate: converges, the foreign certificate untouched', () => {
    const result = expectRecovered('rotation-kill-prune')
    expect(result.name).toContain('after Graph write 2 (PATCH /applications/{id})')
  })

  it('killed right after giving the lease back (its last write): nothing left to repair', () => {
    const result = expectRecovered('rotation-kill-last')
    expect(result.name).toContain(`after write ${ROTATION_WRITES} (DELETE /actions/secrets/EXO_LEASE)`)
  })
})

describe('a run that died among its parallel secret writes', () => {
  it('fresh tenant, no secret written: the rerun makes a certificate and writes all six', () => {
    expectRecovered('fresh-none')
  })

  it('fresh tenant, all but the PFX written (the password without its PFX): the rerun starts over', () => {
    expectRecovered('fresh-all-but-pfx')
  })

  it('fresh tenant, only the app id and the password written', () => {
    expectRecovered('fresh-app-id-and-password')
  })

  it('rotation, all but the PFX written (new password, old PFX): the rerun repairs the mismatched pair', () => {
    expectRecovered('rotation-all-but-pfx')
  })

  it('rotation, only the app id and the new password written (the pair a GitHub outage leaves)', () => {
    expectRecovered('rotation-app-id-and-password')
  })

  // These two were known failures until the stored set became self-checking: a run now
  // writes the thumbprint last and reads the secrets' dates, so a set that an interrupted
  // run left missing or stale is written again as a whole.
  it('fresh tenant, only the PFX and its password written: the rerun writes the four missing secrets', () => {
    expectRecovered('fresh-pfx-pair-only')
  })

  it('rotation, all but the thumbprint written: the rerun replaces the stale EXO_CERT_THUMBPRINT', () => {
    expectRecovered('rotation-all-but-thumbprint')
  })
})
