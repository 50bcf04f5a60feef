/**
 * The provisioning lease against the emulated GitHub secrets API: one holder at a time,
 * waiters take it when it is given back, an abandoned lease is broken, a waiter gives up
 * with what to do, and the post step's give-back leaves other runs' leases alone.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GITHUB_SEED } from '../../emulator/github.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { UserError } from '../../src/errors.js'
import { acquireLease, leaseSecretName, releaseLeftLease, type LeaseClock, type LeaseOptions, type LeaseRecord } from '../../src/github/lease.js'
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

  it('breaks a lease older than staleAfterMs (a runner that died) with a warning, and takes it', async () => {
    await writeSecrets(repository, { [NAME]: 'left by a dead runner' }, options())
    const twentyMinutesOn: LeaseClock = { now: () => Date.now() + 20 * MINUTE, sleep: async () => undefined }
    const lease = await acquireLease(repository, NAME, options({ clock: twentyMinutesOn }))
    expect(warnings.join('\n')).toMatch(/EXO_LEASE .* never given back .*breaking it/)
    expect(lease.contended).toBe(true)
    expect(emulator.github.secret(scope, NAME)).toBeDefined()
    await lease.release()
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
    expect(message).toMatch(/Another provisioning run has held the lease EXO_LEASE in the repository/)
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

describe('releaseLeftLease (the post step)', () => {
  const githubOptions = () => ({ token: adminToken, apiUrl: emulator.urls.github, retry: { baseDelayMs: 1 } })

  it('deletes a lease the main step held when it died', async () => {
    await writeSecrets(repository, { [NAME]: 'x' }, githubOptions())
    const record: LeaseRecord = { target: repository, name: NAME, attemptedAt: new Date().toISOString(), held: true }
    expect(await releaseLeftLease(record, githubOptions())).toBe('released')
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it('deletes a lease created after the main step sent its PUT (killed before it read the 201)', async () => {
    const attemptedAt = new Date().toISOString()
    await writeSecrets(repository, { [NAME]: 'x' }, githubOptions())
    expect(await releaseLeftLease({ target: repository, name: NAME, attemptedAt, held: false }, githubOptions())).toBe('released')
    expect(emulator.github.secretNames(scope)).not.toContain(NAME)
  })

  it("leaves another run's older lease alone, and copes with one already gone", async () => {
    await writeSecrets(repository, { [NAME]: 'x' }, githubOptions())
    const attemptedAt = new Date(Date.now() + MINUTE).toISOString()
    expect(await releaseLeftLease({ target: repository, name: NAME, attemptedAt, held: false }, githubOptions())).toBe('not ours')
    expect(emulator.github.secretNames(scope)).toContain(NAME)
    await releaseLeftLease({ target: repository, name: NAME, attemptedAt: new Date().toISOString(), held: true }, githubOptions())
    expect(await releaseLeftLease({ target: repository, name: NAME, attemptedAt: new Date().toISOString(), held: false }, githubOptions())).toBe('gone')
  })
})
