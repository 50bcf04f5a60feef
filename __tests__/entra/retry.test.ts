/**
 * The one retry policy (src/entra/retry.ts): which Graph failures are worth another try,
 * how long to wait (Retry-After first, else exponential backoff with full jitter), and
 * the bound on the total wait.
 */
import { describe, expect, it } from '@jest/globals'
import {
  backoffDelay,
  classifyFailure,
  createdRecently,
  isReplicationLag,
  parseRetryAfter,
  RetryAfterBeyondBudget,
  RetryClock,
  REPLICATION_BUDGET,
  TRANSIENT_BUDGET,
  type RetryBudget
} from '../../src/entra/retry.js'
import { UserError } from '../../src/errors.js'

const NO_BACKING_APP =
  "The appId 'd2ebf73f-88d0-415c-b981-ca26f1086ff2' of the service principal does not reference a valid application object."

describe('classifyFailure', () => {
  it('429 is throttled, with its Retry-After', () => {
    expect(classifyFailure({ status: 429, retryAfter: '7' }, false)).toEqual({ kind: 'throttled', retryAfterMs: 7000 })
    expect(classifyFailure({ status: 429 }, false)).toEqual({ kind: 'throttled', retryAfterMs: undefined })
  })

  it('503 and 504 are unavailable; 500 and 502 are not retried', () => {
    expect(classifyFailure({ status: 503, retryAfter: '2' }, false)).toEqual({ kind: 'unavailable', retryAfterMs: 2000 })
    expect(classifyFailure({ status: 504 }, false).kind).toBe('unavailable')
    expect(classifyFailure({ status: 500 }, false).kind).toBe('fatal')
    expect(classifyFailure({ status: 502 }, false).kind).toBe('fatal')
  })

  it('a network error (reset, refused) is unavailable', () => {
    expect(classifyFailure({ networkError: true }, false).kind).toBe('unavailable')
  })

  it('replication-lag errors are retried only for an object this run just created', () => {
    const notYetVisible = { status: 404, code: 'Request_ResourceNotFound', message: "Resource 'x' does not exist or one of its queried reference-property objects are not present." }
    expect(classifyFailure(notYetVisible, true).kind).toBe('replication-lag')
    // The same 404 on an object that should exist is a real "not found": never waited out.
    expect(classifyFailure(notYetVisible, false).kind).toBe('fatal')
    expect(classifyFailure({ status: 400, code: 'Request_BadRequest', message: NO_BACKING_APP }, true).kind).toBe('replication-lag')
    expect(classifyFailure({ status: 400, code: 'Request_BadRequest', message: NO_BACKING_APP }, false).kind).toBe('fatal')
  })

  it('permission, duplicate and validation errors are never retried', () => {
    expect(classifyFailure({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' }, true).kind).toBe('fatal')
    expect(classifyFailure({ status: 400, code: 'Request_BadRequest', message: 'Permission being assigned already exists on the object' }, true).kind).toBe('fatal')
    expect(classifyFailure({ status: 400, code: 'Request_BadRequest', message: 'Property keyCredentials.key has an invalid value.' }, true).kind).toBe('fatal')
    expect(classifyFailure({ status: 401, code: 'InvalidAuthenticationToken' }, true).kind).toBe('fatal')
  })
})

describe('isReplicationLag', () => {
  it('knows exactly the documented errors', () => {
    expect(isReplicationLag({ status: 404, code: 'Request_ResourceNotFound' })).toBe(true)
    expect(isReplicationLag({ status: 400, code: 'Request_BadRequest', message: 'NoBackingApplicationObject' })).toBe(true)
    expect(isReplicationLag({ status: 404, code: 'ResourceNotFound' })).toBe(false)
    expect(isReplicationLag({ status: 400, code: 'Request_BadRequest', message: 'Invalid value' })).toBe(false)
    expect(isReplicationLag({ status: 409, code: 'Request_ResourceNotFound' })).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds, fractions and HTTP dates', () => {
    const now = Date.parse('2026-11-26T03:00:00Z')
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(' 0.5 ')).toBe(500)
    expect(parseRetryAfter('Thu, 26 Nov 2026 03:00:10 GMT', now)).toBe(10_000)
    // A date in the past means "now".
    expect(parseRetryAfter('Thu, 26 Nov 2026 02:59:00 GMT', now)).toBe(0)
  })

  it('is undefined when absent or unreadable', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
  })
})

describe('backoffDelay', () => {
  const budget: RetryBudget = { maxTotalWaitMs: 60_000, baseDelayMs: 500, maxDelayMs: 8_000 }

  it('honours Retry-After in full: the longest backoff step never shortens it', () => {
    expect(backoffDelay(0, budget, 3000, () => 0)).toBe(3000)
    expect(backoffDelay(0, budget, 45_000)).toBe(45_000)
  })

  it('a Retry-After of 0 (or a date already past) still waits the base delay: never a tight loop the budget cannot stop', () => {
    expect(backoffDelay(5, budget, 0, () => 0.99)).toBe(500)
    expect(backoffDelay(0, budget, 120, () => 0.99)).toBe(500)
  })

  it('without Retry-After: full jitter under a ceiling that doubles and is capped', () => {
    expect(backoffDelay(0, budget, undefined, () => 0.999)).toBe(499)
    expect(backoffDelay(1, budget, undefined, () => 0.999)).toBe(999)
    expect(backoffDelay(3, budget, undefined, () => 0.999)).toBe(3996)
    expect(backoffDelay(10, budget, undefined, () => 0.999)).toBe(7992)
    expect(backoffDelay(2, budget, undefined, () => 0.5)).toBe(1000)
    // Never a busy loop: at least 50 ms.
    expect(backoffDelay(0, budget, undefined, () => 0)).toBe(50)
  })

  it('spreads parallel runs: different random draws give different waits', () => {
    const draws = [0.1, 0.4, 0.7, 0.95].map(r => backoffDelay(4, budget, undefined, () => r))
    expect(new Set(draws).size).toBe(4)
  })
})

describe('RetryClock', () => {
  it('waits as the policy says and gives up when the next wait would pass the budget', async () => {
    const waits: number[] = []
    const clock = new RetryClock({ maxTotalWaitMs: 2500, baseDelayMs: 500, maxDelayMs: 8000 }, async ms => {
      waits.push(ms)
    })
    expect(await clock.waitBeforeRetry(1000)).toBe(true)
    expect(await clock.waitBeforeRetry(1000)).toBe(true)
    expect(await clock.waitBeforeRetry(1000)).toBe(false)
    expect(waits).toEqual([1000, 1000])
    expect(clock.attempts).toBe(2)
    expect(clock.totalWaitMs).toBe(2000)
  })

  it('waits a Retry-After of 45 s in full when it fits the budget (not the 30 s backoff cap)', async () => {
    const waits: number[] = []
    const clock = new RetryClock(TRANSIENT_BUDGET, async ms => {
      waits.push(ms)
    })
    expect(TRANSIENT_BUDGET.maxDelayMs).toBeLessThan(45_000)
    expect(await clock.waitBeforeRetry(45_000)).toBe(true)
    expect(waits).toEqual([45_000])
  })

  it('never waits less than Retry-After: one longer than what is left of the budget is refused at once', async () => {
    const waits: number[] = []
    const clock = new RetryClock({ maxTotalWaitMs: 120_000, baseDelayMs: 500, maxDelayMs: 30_000 }, async ms => {
      waits.push(ms)
    })
    expect(await clock.waitBeforeRetry(45_000)).toBe(true)
    expect(await clock.waitBeforeRetry(45_000)).toBe(true)
    expect(clock.remainingMs).toBe(30_000)
    // 45 s asked, 30 s left: no shortened wait, no retry.
    expect(clock.retryAfterBeyondBudget(45_000)).toBe(true)
    expect(await clock.waitBeforeRetry(45_000)).toBe(false)
    expect(waits).toEqual([45_000, 45_000])
    // A wait that fits is not "beyond the budget"; neither is a backoff without Retry-After.
    expect(clock.retryAfterBeyondBudget(30_000)).toBe(false)
    expect(clock.retryAfterBeyondBudget(undefined)).toBe(false)
  })

  it('a zero budget never waits', async () => {
    const waits: number[] = []
    const clock = new RetryClock({ maxTotalWaitMs: 0, baseDelayMs: 500, maxDelayMs: 8000 }, async ms => {
      waits.push(ms)
    })
    expect(await clock.waitBeforeRetry()).toBe(false)
    expect(waits).toEqual([])
  })
})

describe('RetryAfterBeyondBudget', () => {
  it('says how long Graph asked to wait, that it is more than the budget has left, and what to do', () => {
    const error = new RetryAfterBeyondBudget('PATCH /applications/1', 429, 300_000, 120_000)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toMatch(/^Microsoft Graph answered 429 to PATCH \/applications\/1 and asked to wait 300 s before retrying, more than the 120 s left of this run's retry budget/)
    expect(error.message).toMatch(/throttles per app per tenant: rerun the workflow once 300 s have passed/)
  })
})

describe('createdRecently', () => {
  const now = new Date('2026-06-01T12:00:00Z')

  it('is true for an object created within the last ten minutes (or "after now": clock skew)', () => {
    expect(createdRecently('2026-06-01T11:59:00Z', now)).toBe(true)
    expect(createdRecently('2026-06-01T11:50:30Z', now)).toBe(true)
    expect(createdRecently('2026-06-01T12:02:00Z', now)).toBe(true)
  })

  it('is false for an older object, and when Graph gave no date', () => {
    expect(createdRecently('2026-06-01T11:50:00Z', now)).toBe(false)
    expect(createdRecently('2025-01-01T00:00:00Z', now)).toBe(false)
    expect(createdRecently(undefined, now)).toBe(false)
    expect(createdRecently(null, now)).toBe(false)
    expect(createdRecently('not a date', now)).toBe(false)
  })
})

describe('the budgets', () => {
  it('wait out replication for at least the documented 30–60 s, and throttling for minutes at most', () => {
    expect(REPLICATION_BUDGET.maxTotalWaitMs).toBeGreaterThanOrEqual(60_000)
    expect(TRANSIENT_BUDGET.maxTotalWaitMs).toBeLessThanOrEqual(5 * 60_000)
    expect(TRANSIENT_BUDGET.maxDelayMs).toBeGreaterThanOrEqual(10_000)
  })
})
