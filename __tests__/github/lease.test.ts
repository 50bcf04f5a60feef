/**
 * The provisioning lease against the emulated GitHub secrets API: one holder at a time,
 * waiters take it when it is given back, an abandoned lease is broken, a waiter gives up
 * with what to do, and the post step's give-back leaves other runs' leases alone.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GITHUB_SEED } from '../../emulator/github.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { UserError } from '../../src/errors.js'
import {
  acquireLease,
  LeaseAbandoned,
  leaseSecretName,
  releaseLeftLease,
  type LeaseClock,
  type LeaseOptions,
  type LeaseRecord
} from '../../src/github/lease.js'
import { writeSecrets, type SecretTarget } from '../../src/github/secrets.js'

const { owner, repo, org, adminToken, workflowToken } = GITHUB_SEED
const repository: SecretTarget = { kind: 'repository', owner, repo }
const scope = { kind: 'repository' as const, owner, repo }
const NAME = leaseSecretName('EXO_')
const MINUTE = 60_000

let emulator: Emulator
let lines: string[]
let warnings: string[]
let records: Array<LeaseRecord | undefined>
beforeEach(async () => {
  emulator = await startEmulator()
  lines = []
  warnings = []
  records = []
})
afterEach(async () => {
  await emulator.close()
})

function options(overrides: Partial<LeaseOptions> = {}): LeaseOptions {
  return {
    token: adminToken,
    apiUrl: emulator.urls.github,
    retry: { baseDelayMs: 1 },
    staleAfterMs: 15 * MINUTE,
    maxWaitMs: 15 * MINUTE,
    log: line => lines.push(line),
    warn: line => warnings.push(line),
    record: record => records.push(record),
    ...overrides
  }
}

/** Real time, with short sleeps, so waiting runs poll quickly. */
const quickClock: LeaseClock = { now: () => Date.now(), sleep: ms => new Promise(resolve => setTimeout(resolve, Math.min(ms, 20))) }

describe('acquireLease', () => {
  it('is named after the prefix, and is a secret that exists exactly while it is held', async () => {
    expect(leaseSecretName('EXO_')).toBe('EXO_LEASE')
    expect(leaseSecretName('contoso_')).toBe('CONTOSO_LEASE')
    const lease = await acquireLease(repository, NAME, options())
    expect(lease.contended).toBe(false)
    expect(emulator.github.secretNames(scope)).toContain(NAME)
    expect(records.at(-1)).toMatchObject({ name: NAME, held: true, target: repository })
    await lease.release()
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
    expect(records.at(-1)).toBeUndefined()
    // Releasing twice is harmless (the finally of a run that already released).
    await lease.release()
    expect(warnings).toEqual([])
  })

  it('gives it to one run at a time: a second run waits until the first gives it back', async () => {
    const first = await acquireLease(repository, NAME, options())
    let secondHolds = false
    const second = acquireLease(repository, NAME, options({ clock: quickClock })).then(lease => {
      secondHolds = true
      return lease
    })
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(secondHolds).toBe(false)
    expect(lines.join('\n')).toMatch(/Another provisioning run holds the lease EXO_LEASE in the repository .* waiting/)
    await first.release()
    const lease = await second
    expect(lease.contended).toBe(true)
    expect(emulator.github.secretNames(scope)).toContain(NAME)
    await lease.release()
  })

  it('of five runs asking at once, exactly one holds it at any moment and all get it in turn', async () => {
    let holders = 0
    let most = 0
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 5 }, async (_, run) => {
        const lease = await acquireLease(repository, NAME, options({ clock: quickClock }))
        holders++
        most = Math.max(most, holders)
        order.push(run)
        await new Promise(resolve => setTimeout(resolve, 30))
        holders--
        await lease.release()
      })
    )
    expect(most).toBe(1)
    expect(order.sort()).toEqual([0, 1, 2, 3, 4])
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it('breaks a lease older than staleAfterMs by GitHub\'s clock (a runner that died) with a warning, and takes it', async () => {
    emulator.github.seedSecret(scope, NAME, 'left by a dead runner', new Date(Date.now() - 20 * MINUTE))
    // The runner's clock is an hour slow: staleness is judged by GitHub's Date header, not by it.
    const slowRunner: LeaseClock = { now: () => Date.now() - 60 * MINUTE, sleep: quickClock.sleep }
    const lease = await acquireLease(repository, NAME, options({ clock: slowRunner }))
    expect(warnings.join('\n')).toMatch(/EXO_LEASE .* never given back .*breaking it/)
    expect(lease.contended).toBe(true)
    expect(emulator.github.secret(scope, NAME)).toBeDefined()
    expect(emulator.github.secretNames(scope)).not.toContain(`${NAME}_BREAK`)
    await lease.release()
  })

  it('does not break a lease younger than staleAfterMs by GitHub\'s clock, whatever the runner\'s clock says', async () => {
    emulator.github.seedSecret(scope, NAME, 'held by a live run', new Date(Date.now() - 2 * MINUTE))
    const fastRunner: LeaseClock = { now: () => Date.now() + 60 * MINUTE, sleep: quickClock.sleep }
    const stop = new AbortController()
    const waiting = acquireLease(repository, NAME, options({ clock: fastRunner, maxWaitMs: 120 * MINUTE, signal: stop.signal })).catch((caught: unknown) => caught)
    await new Promise(resolve => setTimeout(resolve, 300))
    stop.abort()
    expect(await waiting).toBeInstanceOf(LeaseAbandoned)
    expect(warnings).toEqual([])
    expect(emulator.github.secretValue(scope, NAME)).toBeDefined()
  })

  it('lets only one of two waiters break a stale lease: they still hold it one at a time', async () => {
    emulator.github.seedSecret(scope, NAME, 'left by a dead runner', new Date(Date.now() - 20 * MINUTE))
    let holders = 0
    let most = 0
    await Promise.all(
      [0, 1].map(async () => {
        const lease = await acquireLease(repository, NAME, options({ clock: quickClock }))
        holders++
        most = Math.max(most, holders)
        await new Promise(resolve => setTimeout(resolve, 50))
        holders--
        await lease.release()
      })
    )
    expect(most).toBe(1)
    expect(warnings.filter(line => /breaking it/.test(line))).toHaveLength(1)
    expect(emulator.github.secretNames(scope)).toEqual([])
  })

  it('clears a break guard whose breaker died, then breaks the stale lease', async () => {
    emulator.github.seedSecret(scope, NAME, 'left by a dead runner', new Date(Date.now() - 20 * MINUTE))
    emulator.github.seedSecret(scope, `${NAME}_BREAK`, 'left by a dead breaker', new Date(Date.now() - 3 * MINUTE))
    const lease = await acquireLease(repository, NAME, options({ clock: quickClock }))
    await lease.release()
    expect(emulator.github.secretNames(scope)).toEqual([])
  })

  it('stops waiting at once when the run no longer needs the lease', async () => {
    await writeSecrets(repository, { [NAME]: 'held by a live run' }, options())
    const stop = new AbortController()
    const waiting = acquireLease(repository, NAME, options({ signal: stop.signal })).catch((caught: unknown) => caught)
    await new Promise(resolve => setTimeout(resolve, 200))
    const asked = Date.now()
    stop.abort()
    expect(await waiting).toBeInstanceOf(LeaseAbandoned)
    // Not after the next poll (a second or more): at once.
    expect(Date.now() - asked).toBeLessThan(900)
    expect(emulator.github.secretValue(scope, NAME)).toBeDefined()
  })

  it('gives up after maxWaitMs with what to do: let the other run finish, or delete the secret', async () => {
    await writeSecrets(repository, { [NAME]: 'held by a live run' }, options())
    let now = Date.now()
    const fastClock: LeaseClock = { now: () => now, sleep: async ms => void (now += ms) }
    const error = await acquireLease(repository, NAME, options({ clock: fastClock, maxWaitMs: 5 * MINUTE, staleAfterMs: 15 * MINUTE })).then(
      () => undefined,
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(UserError)
    const message = (error as Error).message
    expect(message).toMatch(/Other provisioning runs have held the lease EXO_LEASE in the repository/)
    expect(message).toMatch(/delete the secret EXO_LEASE/)
    expect(message).toMatch(/concurrency:/)
    // The live run's lease is left as it was.
    expect(emulator.github.secretValue(scope, NAME)).toBeDefined()
  })

  it('turns a token that cannot write secrets into the same actionable error as the secrets', async () => {
    const error = await acquireLease(repository, NAME, options({ token: workflowToken })).then(
      () => undefined,
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toMatch(/Secrets: Read and write/)
    expect((error as Error).message).toContain(`repository ${owner}/${repo}`)
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it('keeps an organization lease private, whatever the visibility of the six secrets', async () => {
    const target: SecretTarget = { kind: 'organization', org, visibility: 'selected', selectedRepositories: [repo] }
    const lease = await acquireLease(target, NAME, options())
    expect(emulator.github.secret({ kind: 'organization', org }, NAME)).toMatchObject({ visibility: 'private' })
    await lease.release()
    expect(emulator.github.secretNames({ kind: 'organization', org })).not.toContain(NAME)
  })
})

describe('releasing', () => {
  it('records the creation date read back after taking the lease, for the post step', async () => {
    const lease = await acquireLease(repository, NAME, options())
    await new Promise(resolve => setTimeout(resolve, 200))
    const created = emulator.github.secret(scope, NAME)?.createdAt
    expect(records.at(-1)).toMatchObject({ held: true, createdAt: new Date(created ?? '').toISOString() })
    await lease.release()
  })

  it('retries a DELETE that failed only while the lease is still the one it took', async () => {
    const lease = await acquireLease(repository, NAME, options())
    await new Promise(resolve => setTimeout(resolve, 200))
    const lostAnswer = emulator.faults.fail(502, { service: 'github', method: 'DELETE', first: 1 })
    await lease.release()
    expect(lostAnswer.hits).toBe(1)
    expect(warnings).toEqual([])
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it("never deletes a lease another run took after its own DELETE's answer was lost", async () => {
    const lease = await acquireLease(repository, NAME, options())
    await new Promise(resolve => setTimeout(resolve, 200))
    emulator.faults.fail(502, { service: 'github', method: 'DELETE', first: 1 })
    // The DELETE took effect but its answer was lost (502), and another run took the lease.
    const stop = emulator.log.onRecord(entry => {
      if (entry.service !== 'github' || entry.method !== 'DELETE') return
      stop()
      emulator.github.removeSecret(scope, NAME)
      emulator.github.seedSecret(scope, NAME, 'another run', new Date(Date.now() + 5000))
    })
    await lease.release()
    expect(warnings.join('\n')).toMatch(/Could not give back the provisioning lease EXO_LEASE/)
    expect(emulator.github.secretValue(scope, NAME)).toBe('another run')
  })
})

describe('releaseLeftLease (the post step)', () => {
  const githubOptions = () => ({ token: adminToken, apiUrl: emulator.urls.github, retry: { baseDelayMs: 1 } })
  const createdAt = () => new Date(emulator.github.secret(scope, NAME)?.createdAt ?? '').toISOString()

  it('deletes the lease the main step held when it died, known by its creation date', async () => {
    await writeSecrets(repository, { [NAME]: 'x' }, githubOptions())
    const record: LeaseRecord = { target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: new Date().toISOString(), held: true, createdAt: createdAt() }
    expect(await releaseLeftLease(record, githubOptions())).toBe('released')
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it('deletes a lease created right after the main step sent its PUT (killed before it read the answer)', async () => {
    const attemptedAt = new Date().toISOString()
    await writeSecrets(repository, { [NAME]: 'x' }, githubOptions())
    expect(await releaseLeftLease({ target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt, held: false }, githubOptions())).toBe('released')
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it("leaves another run's lease alone: older than the PUT, much newer, or not the recorded one", async () => {
    emulator.github.seedSecret(scope, NAME, 'older', new Date(Date.now() - MINUTE))
    expect(await releaseLeftLease({ target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: new Date().toISOString(), held: false }, githubOptions())).toBe('not ours')
    const longBefore = new Date(Date.now() - 2 * MINUTE).toISOString()
    expect(await releaseLeftLease({ target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: longBefore, held: false }, githubOptions())).toBe('not ours')
    const other = { target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: longBefore, held: true, createdAt: new Date(Date.now() - 2 * MINUTE).toISOString() }
    expect(await releaseLeftLease(other, githubOptions())).toBe('not ours')
    expect(emulator.github.secretValue(scope, NAME)).toBe('older')
  })

  it('copes with a lease already gone', async () => {
    expect(await releaseLeftLease({ target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: new Date().toISOString(), held: true }, githubOptions())).toBe('gone')
  })
})
