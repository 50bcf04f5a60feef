/**
 * The provisioning lease against the emulated GitHub secrets API: one holder at a time
 * (also when the emulator handles the PUTs truly interleaved), waiters take it when it is
 * given back, an abandoned lease is broken, a waiter gives up with what to do, a holder
 * that took too long stops writing, a request whose answer was lost never makes two
 * holders, and the post step's give-back leaves other runs' leases alone.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GITHUB_SEED } from '../../emulator/github.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { UserError } from '../../src/errors.js'
import {
  acquireLease,
  LeaseAbandoned,
  LeaseOverdue,
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
    writeMarginMs: 5 * MINUTE,
    maxWaitMs: 15 * MINUTE,
    log: line => lines.push(line),
    warn: line => warnings.push(line),
    record: record => records.push(record),
    ...overrides
  }
}

/** Real time, with short sleeps, so waiting runs poll quickly. */
const quickClock: LeaseClock = { now: () => Date.now(), sleep: ms => new Promise(resolve => setTimeout(resolve, Math.min(ms, 20))) }

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** What `run` threw, or undefined. */
function thrownBy(run: () => unknown): unknown {
  try {
    run()
  } catch (caught) {
    return caught
  }
  return undefined
}

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

  it('backs off and gives up after maxWaitMs while another run holds the break guard of a stale lease, instead of asking in a loop', async () => {
    emulator.github.seedSecret(scope, NAME, 'left by a dead runner', new Date(Date.now() - 20 * MINUTE))
    // Another waiter is breaking it right now (its guard is seconds old) and never finishes here.
    emulator.github.seedSecret(scope, `${NAME}_BREAK`, 'another waiter breaking it', new Date(Date.now() - 1000))
    const created = (secret: string) => emulator.github.secret(scope, secret)?.createdAt
    const [leaseCreated, guardCreated] = [created(NAME), created(`${NAME}_BREAK`)]
    let requests = 0
    const stop = new AbortController()
    const stopCounting = emulator.log.onRecord(entry => {
      if (entry.service !== 'github') return
      // A spinning loop would never end by itself: stop it, so the test fails instead of hanging.
      if (++requests >= 500) stop.abort()
    })
    let now = Date.now()
    const sleeps: number[] = []
    const clock: LeaseClock = { now: () => now, sleep: async ms => void (sleeps.push(ms), (now += ms)) }
    const error = await acquireLease(repository, NAME, options({ clock, maxWaitMs: 5 * MINUTE, signal: stop.signal })).then(
      () => undefined,
      (caught: unknown) => caught
    )
    stopCounting()
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toMatch(/Other provisioning runs have held the lease EXO_LEASE/)
    // It waited, backing off to the poll maximum: a few dozen polls in five minutes, four
    // requests each (lease, key, guard PUT, guard), how many depending on the jitter.
    expect(sleeps.length).toBeGreaterThan(5)
    expect(Math.max(...sleeps)).toBeGreaterThan(5000)
    expect(requests).toBeLessThan(200)
    // Neither the lease nor the other run's guard was deleted (a PUT answered 204 replaces only the value nobody reads).
    expect(created(NAME)).toBe(leaseCreated)
    expect(created(`${NAME}_BREAK`)).toBe(guardCreated)
  })

  it('backs off and gives up while a rival keeps taking the lease and giving it back between its PUT and its read', async () => {
    // The rival's lease is there when this run PUTs (204), gone when it reads, back when it PUTs again.
    emulator.github.seedSecret(scope, NAME, 'rival', new Date())
    let requests = 0
    const stop = new AbortController()
    const stopRival = emulator.log.onRecord(entry => {
      if (entry.service !== 'github') return
      if (++requests >= 500) stop.abort() // a spinning loop fails the test instead of hanging it
      if (!entry.path.endsWith(`/${NAME}`)) return
      if (entry.method === 'PUT' && entry.status === 204) emulator.github.removeSecret(scope, NAME)
      if (entry.method === 'GET' && entry.status === 404) emulator.github.seedSecret(scope, NAME, 'rival', new Date())
    })
    let now = Date.now()
    const sleeps: number[] = []
    const clock: LeaseClock = { now: () => now, sleep: async ms => void (sleeps.push(ms), (now += ms)) }
    const error = await acquireLease(repository, NAME, options({ clock, maxWaitMs: 5 * MINUTE, signal: stop.signal })).then(
      () => undefined,
      (caught: unknown) => caught
    )
    stopRival()
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toMatch(/Other provisioning runs have held the lease EXO_LEASE in the repository/)
    expect(sleeps.length).toBeGreaterThan(5)
    expect(Math.max(...sleeps)).toBeGreaterThan(5000)
    expect(requests).toBeLessThan(150)
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

describe('truly concurrent requests', () => {
  it('of five runs whose PUTs all looked the lease up before any stored it, exactly one takes it, and all hold it one at a time', async () => {
    // The emulator holds each PUT between its lookup and its store until all five are there
    // (a client sending them one by one would never get past it): a handler deciding 201
    // from its lookup would answer all five 201.
    emulator.github.interleaveSecretWrites(5)
    let holders = 0
    let most = 0
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 5 }, async (_, run) => {
        const lease = await acquireLease(repository, NAME, options({ clock: quickClock }))
        holders++
        most = Math.max(most, holders)
        order.push(run)
        await pause(30)
        holders--
        await lease.release()
      })
    )
    const racing = emulator.github.secretWrites.filter(write => write.name === NAME).slice(0, 5)
    expect(racing.map(write => write.outcome).sort()).toEqual(['created', 'updated', 'updated', 'updated', 'updated'])
    expect(most).toBe(1)
    expect(order.sort()).toEqual([0, 1, 2, 3, 4])
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })
})

describe('a holder that has held the lease too long', () => {
  it('may start writes until staleAfterMs minus one write after it asked, then stops with what to do', async () => {
    let now = Date.now()
    const clock: LeaseClock = { now: () => now, sleep: async ms => void (now += ms) }
    const lease = await acquireLease(repository, NAME, options({ clock, staleAfterMs: 15 * MINUTE, writeMarginMs: 5 * MINUTE }))
    lease.checkTimeLeft()
    now += 10 * MINUTE - 1000
    lease.checkTimeLeft()
    now += 2000
    const error = thrownBy(() => lease.checkTimeLeft())
    expect(error).toBeInstanceOf(LeaseOverdue)
    expect(error).toBeInstanceOf(UserError)
    const message = (error as Error).message
    expect(message).toMatch(/asked for the provisioning lease EXO_LEASE in the repository .* 10 minutes ago/)
    expect(message).toMatch(/older than 15 minutes as abandoned and may take over/)
    expect(message).toMatch(/stops before its next change to the certificates or the secrets/)
    expect(message).toMatch(/Rerun the workflow/)
    // It still gives the lease back.
    await lease.release()
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it('counts from the PUT that took the lease, not from when the run began to wait', async () => {
    await writeSecrets(repository, { [NAME]: 'held by a live run' }, options())
    const began = Date.now()
    let now = began
    const clock: LeaseClock = {
      now: () => now,
      sleep: async ms => {
        now += ms
        // The other run gives the lease back after twelve minutes.
        if (now - began > 12 * MINUTE) emulator.github.removeSecret(scope, NAME)
      }
    }
    const lease = await acquireLease(repository, NAME, options({ clock, maxWaitMs: 30 * MINUTE }))
    expect(lease.contended).toBe(true)
    lease.checkTimeLeft()
    now += 9 * MINUTE
    lease.checkTimeLeft()
    now += 2 * MINUTE
    expect(thrownBy(() => lease.checkTimeLeft())).toBeInstanceOf(LeaseOverdue)
    await lease.release()
  })

  it('refuses a write margin that leaves no time to write', async () => {
    await expect(acquireLease(repository, NAME, options({ staleAfterMs: MINUTE, writeMarginMs: MINUTE }))).rejects.toThrow(/writeMarginMs/)
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })
})

describe('a request for the lease whose answer was lost', () => {
  it('waits for a lease its own PUT created but whose 201 was lost, breaks it once stale, says so, and takes it', async () => {
    // GitHub stores the lease, the answer is lost (502), the retried PUT gets 204.
    emulator.github.loseSecretWriteAnswers(1, { only: /^EXO_LEASE$/ })
    const began = Date.now()
    const lease = await acquireLease(repository, NAME, options({ clock: quickClock, staleAfterMs: 2000, writeMarginMs: 1000, maxWaitMs: MINUTE }))
    expect(emulator.github.secretWrites.filter(write => write.name === NAME).map(write => write.outcome)).toEqual(['created', 'updated', 'created'])
    // Not before it was stale by GitHub's clock: nothing readable said the lease was its own.
    expect(Date.now() - began).toBeGreaterThanOrEqual(2000)
    expect(lease.contended).toBe(true)
    expect(warnings.join('\n')).toMatch(
      /EXO_LEASE .* the moment this run asked for it, and never given back: most likely this run's own request created it and its answer was lost\. .*rather than risk two runs holding it; breaking it\./
    )
    await lease.release()
    expect(emulator.github.secretNames(scope)).toEqual([])
  })

  it('never takes for its own a lease another run created in the moment its own request was lost', async () => {
    // This run's PUT is lost before GitHub stores it (502), and in that moment another run's
    // PUT creates the lease; the retry gets 204. To this run it looks exactly like the test
    // above: a lease created while its PUT was on its way, whose dates say nothing more.
    emulator.github.failSecretWrites(502, 1, { only: /^EXO_LEASE$/ })
    let createdByOther: string | undefined
    const stop = emulator.log.onRecord(entry => {
      if (entry.service !== 'github' || entry.method !== 'PUT' || entry.status !== 502) return
      stop()
      emulator.github.seedSecret(scope, NAME, 'another run')
      createdByOther = emulator.github.secret(scope, NAME)?.createdAt
    })
    let holds = false
    const waiting = acquireLease(repository, NAME, options({ clock: quickClock, retry: { baseDelayMs: 50 } })).then(lease => {
      holds = true
      return lease
    })
    await pause(500)
    expect(holds).toBe(false)
    // Still the other run's lease (this run's retry replaced only its value).
    expect(createdByOther).toBeDefined()
    expect(emulator.github.secret(scope, NAME)?.createdAt).toBe(createdByOther)
    // The other run gives it back: only now does this one take it.
    emulator.github.removeSecret(scope, NAME)
    const lease = await waiting
    expect(lease.contended).toBe(true)
    expect(warnings).toEqual([])
    await lease.release()
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

describe('releasing a lease held past the stale limit', () => {
  /** Takes the lease with a clock the test moves, and waits until its creation date is read back. */
  async function takeWithClock(): Promise<{ lease: Awaited<ReturnType<typeof acquireLease>>; advance: (ms: number) => void }> {
    let now = Date.now()
    const clock: LeaseClock = { now: () => now, sleep: async ms => void (now += ms) }
    const lease = await acquireLease(repository, NAME, options({ clock, staleAfterMs: 15 * MINUTE, writeMarginMs: 5 * MINUTE }))
    await pause(200)
    expect(records.at(-1)).toMatchObject({ held: true, createdAt: expect.any(String) })
    return { lease, advance: ms => void (now += ms) }
  }

  it('never deletes the lease another run took after breaking this one (its first DELETE compares creation dates)', async () => {
    const { lease, advance } = await takeWithClock()
    advance(16 * MINUTE)
    // Meanwhile another run found the lease stale, broke it and took its own.
    emulator.github.removeSecret(scope, NAME)
    emulator.github.seedSecret(scope, NAME, 'another run', new Date(Date.now() + 5000))
    await lease.release()
    expect(emulator.github.secretValue(scope, NAME)).toBe('another run')
    expect(emulator.log.list({ service: 'github', method: 'DELETE', path: /EXO_LEASE$/ })).toEqual([])
    expect(lines.join('\n')).toMatch(/Left the provisioning lease EXO_LEASE alone: it is not the one this run took/)
    // The break guard it held while checking is gone again.
    expect(emulator.github.secretNames(scope)).not.toContain(`${NAME}_BREAK`)
  })

  it('still deletes its own lease when no run has broken it, under the break guard', async () => {
    const { lease, advance } = await takeWithClock()
    advance(16 * MINUTE)
    await lease.release()
    expect(emulator.github.secretNames(scope)).toEqual([])
    expect(warnings).toEqual([])
  })

  it('leaves the lease to a run that is breaking it (holds the break guard)', async () => {
    const { lease, advance } = await takeWithClock()
    advance(16 * MINUTE)
    emulator.github.seedSecret(scope, `${NAME}_BREAK`, 'a waiter breaking it')
    const guardCreated = emulator.github.secret(scope, `${NAME}_BREAK`)?.createdAt
    await lease.release()
    expect(emulator.log.list({ service: 'github', method: 'DELETE', path: /EXO_LEASE$/ })).toEqual([])
    expect(lines.join('\n')).toMatch(/Left the provisioning lease EXO_LEASE to the run that is breaking it/)
    expect(emulator.github.secret(scope, `${NAME}_BREAK`)?.createdAt).toBe(guardCreated)
    expect(emulator.github.secretNames(scope)).toContain(NAME)
  })

  it('gives a young lease back with one DELETE and no extra read', async () => {
    const { lease } = await takeWithClock()
    const before = emulator.log.list({ service: 'github' }).length
    await lease.release()
    expect(emulator.log.list({ service: 'github' }).slice(before).map(entry => entry.method)).toEqual(['DELETE'])
    expect(emulator.github.secretNames(scope)).toEqual([])
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

  it('leaves a lease alone when the main step never read back its creation date, even one created 3 s after its PUT', async () => {
    // Killed between its PUT and the read-back: this lease may be another run's, whose PUT
    // landed in the same moments (this run's own may never have reached GitHub).
    const attemptedAt = new Date(Date.now() - 3000).toISOString()
    await writeSecrets(repository, { [NAME]: 'other run' }, githubOptions())
    const lines: string[] = []
    const record: LeaseRecord = { target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt, held: true, staleAfterMs: 30 * MINUTE }
    expect(await releaseLeftLease(record, { ...githubOptions(), log: line => lines.push(line) })).toBe('unknown')
    expect(await releaseLeftLease({ ...record, held: false }, githubOptions())).toBe('unknown')
    expect(emulator.github.secretValue(scope, NAME)).toBe('other run')
    expect(emulator.log.list({ service: 'github', method: 'DELETE' })).toEqual([])
    expect(lines.join('\n')).toMatch(/alone: the main step stopped before it read back the lease's creation date.*once it is stale \(30 minutes old\)/)
  })

  it('gives back a lease held past the stale limit only under the break guard, as release() does', async () => {
    const created = new Date(Math.floor((Date.now() - 29.5 * MINUTE) / 1000) * 1000)
    emulator.github.seedSecret(scope, NAME, 'ours', created)
    const record: LeaseRecord = { target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: created.toISOString(), held: true, createdAt: created.toISOString(), staleAfterMs: 30 * MINUTE }
    // Another run is breaking it right now: its guard is there, so the lease is left to it.
    emulator.github.seedSecret(scope, `${NAME}_BREAK`, 'breaker', new Date())
    expect(await releaseLeftLease(record, githubOptions())).toBe('being broken')
    expect(emulator.github.secretValue(scope, NAME)).toBe('ours')
    emulator.github.removeSecret(scope, `${NAME}_BREAK`)
    expect(await releaseLeftLease(record, githubOptions())).toBe('released')
    expect(emulator.github.secretNames(scope)).toEqual([])
  })

  it("leaves another run's lease alone: older than the PUT, much newer, or not the recorded one", async () => {
    emulator.github.seedSecret(scope, NAME, 'older', new Date(Date.now() - MINUTE))
    expect(await releaseLeftLease({ target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: new Date().toISOString(), held: false }, githubOptions())).toBe('unknown')
    const longBefore = new Date(Date.now() - 2 * MINUTE).toISOString()
    expect(await releaseLeftLease({ target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: longBefore, held: false }, githubOptions())).toBe('unknown')
    const other = { target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: longBefore, held: true, createdAt: new Date(Date.now() - 2 * MINUTE).toISOString() }
    expect(await releaseLeftLease(other, githubOptions())).toBe('not ours')
    expect(emulator.github.secretValue(scope, NAME)).toBe('older')
  })

  it('copes with a lease already gone', async () => {
    expect(await releaseLeftLease({ target: repository, name: NAME, apiUrl: emulator.urls.github, attemptedAt: new Date().toISOString(), held: true }, githubOptions())).toBe('gone')
  })
})
