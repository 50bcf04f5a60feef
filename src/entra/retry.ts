/**
 * The one place that knows when a Graph (or Entra) request is worth trying again, and
 * how long to wait. Everything else asks this module; nothing sleeps on its own.
 *
 * - Throttling (429) and unavailability (503/504, dropped connections): wait exactly as
 *   long as Retry-After says, otherwise exponential backoff with full jitter, bounded in
 *   total time. A Retry-After longer than the budget has left fails at once.
 * - Replication lag (FACTS.md "Eventual consistency"): only the documented errors, only
 *   when the caller says the object may not have replicated yet (`newObject`), bounded.
 */
import { UserError } from '../errors.js'

export interface RetryBudget {
  /** Give up once this much time has been spent waiting in total. */
  maxTotalWaitMs: number
  /** First backoff step; doubles each attempt. */
  baseDelayMs: number
  /**
   * No backoff step is longer than this. A Retry-After is never shortened: a retry before
   * the time the service asked for is refused again and counts against the app's quota
   * (Graph throttles per app per tenant), so it is either waited in full or not at all.
   */
  maxDelayMs: number
}

/** Throttling and outages: Graph asks for seconds, outages rarely last minutes. */
export const TRANSIENT_BUDGET: RetryBudget = { maxTotalWaitMs: 120_000, baseDelayMs: 500, maxDelayMs: 30_000 }
/** Replication: "app role assignments appear after 30–60 s" (FACTS.md); allow some margin. */
export const REPLICATION_BUDGET: RetryBudget = { maxTotalWaitMs: 90_000, baseDelayMs: 500, maxDelayMs: 8_000 }

export type Failure =
  | { kind: 'throttled'; retryAfterMs?: number }
  | { kind: 'unavailable'; retryAfterMs?: number }
  | { kind: 'replication-lag' }
  | { kind: 'fatal' }

export interface GraphFailureFacts {
  status?: number
  /** Graph's `error.code`, e.g. Request_ResourceNotFound. */
  code?: string
  message?: string
  retryAfter?: string | null
  /** A network error (reset, refused) before any response. */
  networkError?: boolean
}

/** Decides what kind of failure this is. `newObject`: the request touches an object that may not have replicated yet. */
export function classifyFailure(facts: GraphFailureFacts, newObject: boolean): Failure {
  const retryAfterMs = parseRetryAfter(facts.retryAfter)
  if (facts.networkError) return { kind: 'unavailable' }
  if (facts.status === 429) return { kind: 'throttled', retryAfterMs }
  if (facts.status === 503 || facts.status === 504) return { kind: 'unavailable', retryAfterMs }
  if (newObject && isReplicationLag(facts)) return { kind: 'replication-lag' }
  return { kind: 'fatal' }
}

/** The errors Graph answers while a recently created object has not replicated yet. */
export function isReplicationLag(facts: GraphFailureFacts): boolean {
  if (facts.status === 404 && facts.code === 'Request_ResourceNotFound') return true
  if (facts.status === 400 && facts.code === 'Request_BadRequest') {
    const message = facts.message ?? ''
    return (
      /does not reference a valid application object/i.test(message) ||
      /NoBackingApplicationObject/i.test(message) ||
      /does not exist or one of its queried reference-property objects are not present/i.test(message)
    )
  }
  return false
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The wait before attempt `attempt` (0-based count of failures so far): Retry-After in full
 * when the service gave one, else exponential backoff with full jitter.
 */
export function backoffDelay(attempt: number, budget: RetryBudget, retryAfterMs?: number, random: () => number = Math.random): number {
  // Never sooner than asked, and never at once: a Retry-After of 0 (or a date already past
  // by this runner's clock) would otherwise retry in a tight loop that the budget never stops.
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, budget.baseDelayMs)
  const ceiling = Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** attempt)
  // Full jitter keeps parallel runs (a matrix of tenants) from retrying in lockstep.
  return Math.max(50, Math.floor(random() * ceiling))
}

/** Tracks one operation's retries against its budget. */
export class RetryClock {
  private waitedMs = 0
  private attempt = 0

  constructor(
    private readonly budget: RetryBudget,
    private readonly sleep: (ms: number) => Promise<void> = defaultSleep
  ) {}

  /**
   * Waits before the next attempt; returns false, without waiting, when the wait does not
   * fit in what is left of the budget (give up). A Retry-After that does not fit is never
   * shortened to fit: see `RetryAfterBeyondBudget`.
   */
  async waitBeforeRetry(retryAfterMs?: number): Promise<boolean> {
    const delay = backoffDelay(this.attempt, this.budget, retryAfterMs)
    if (this.waitedMs + delay > this.budget.maxTotalWaitMs) return false
    this.attempt++
    this.waitedMs += delay
    await this.sleep(delay)
    return true
  }

  /**
   * Counts time spent outside this clock's waits (the requests themselves) against the
   * budget, so the budget caps the whole time, not only the sleeps.
   */
  spent(ms: number): void {
    this.waitedMs += Math.max(0, ms)
  }

  get attempts(): number {
    return this.attempt
  }

  get totalWaitMs(): number {
    return this.waitedMs
  }

  /** What is left of the budget to wait. */
  get remainingMs(): number {
    return Math.max(0, this.budget.maxTotalWaitMs - this.waitedMs)
  }

  /** True when the service asks for a longer wait than the budget has left (the reason to give up at once). */
  retryAfterBeyondBudget(retryAfterMs: number | undefined): retryAfterMs is number {
    return retryAfterMs !== undefined && retryAfterMs > this.remainingMs
  }
}

/**
 * The service asked to wait longer (Retry-After) than the retry budget has left. A retry
 * sooner would be refused again and count against the app's quota; waiting past the budget
 * would hold the job far longer than it promises. So the run stops at once and says when a
 * rerun can get through.
 */
export class RetryAfterBeyondBudget extends UserError {
  constructor(
    /** e.g. `PATCH /applications/{id}`. */
    readonly request: string,
    readonly status: number,
    readonly retryAfterMs: number,
    readonly remainingMs: number,
    options?: { cause?: unknown }
  ) {
    const asked = seconds(retryAfterMs)
    super(
      `Microsoft Graph answered ${status} to ${request} and asked to wait ${asked} s before retrying, more than the ${seconds(remainingMs)} s left of this run's retry budget, so the run stops here instead of retrying early. ` +
        `Graph throttles per app per tenant: rerun the workflow once ${asked} s have passed, and keep other jobs and tools that use the same provisioning identity in this tenant from running at the same time (a 'concurrency:' group).`,
      options
    )
  }
}

/** 45, 0.5: whole seconds as such, anything else to a tenth. */
function seconds(ms: number): string {
  const value = ms / 1000
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

/**
 * How long after its creation an object counts as possibly not replicated yet. Directory
 * writes usually reach every replica within seconds, app role assignments within 30–60 s
 * (FACTS.md); an object a concurrent run created is at most that run's length (a minute or
 * two) old when this run first sees it; and the runner's clock may be a few minutes off
 * Graph's. Ten minutes covers all three with margin, and erring long costs little: only a
 * genuine 404 on an object this young (deleted in between) waits out the replication budget
 * before it fails.
 */
export const RECENTLY_CREATED_MS = 10 * 60_000

/** Whether Graph's `createdDateTime` is recent enough that replication lag is still possible. */
export function createdRecently(createdDateTime: string | null | undefined, now: Date): boolean {
  if (createdDateTime === undefined || createdDateTime === null) return false
  const created = Date.parse(createdDateTime)
  // A time ahead of ours is clock skew: recent.
  return !Number.isNaN(created) && now.getTime() - created < RECENTLY_CREATED_MS
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
