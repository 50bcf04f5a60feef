/**
 * The one place that knows when a Graph (or Entra) request is worth trying again, and
 * how long to wait. Everything else asks this module; nothing sleeps on its own.
 *
 * - Throttling (429) and unavailability (503/504, dropped connections): honour
 *   Retry-After, otherwise exponential backoff with full jitter, bounded in total time.
 * - Replication lag on objects this run just created (FACTS.md "Eventual consistency"):
 *   only the documented errors, only when the caller says the object is new, bounded.
 */

export interface RetryBudget {
  /** Give up once this much time has been spent waiting in total. */
  maxTotalWaitMs: number
  /** First backoff step; doubles each attempt. */
  baseDelayMs: number
  /** No single wait is longer than this (a larger Retry-After is capped to the budget). */
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

/** Decides what kind of failure this is. `newObject`: the request touches an object this run just created. */
export function classifyFailure(facts: GraphFailureFacts, newObject: boolean): Failure {
  const retryAfterMs = parseRetryAfter(facts.retryAfter)
  if (facts.networkError) return { kind: 'unavailable' }
  if (facts.status === 429) return { kind: 'throttled', retryAfterMs }
  if (facts.status === 503 || facts.status === 504) return { kind: 'unavailable', retryAfterMs }
  if (newObject && isReplicationLag(facts)) return { kind: 'replication-lag' }
  return { kind: 'fatal' }
}

/** The errors Graph answers while a just-created object has not replicated yet. */
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
 * The wait before attempt `attempt` (0-based count of failures so far): Retry-After when
 * the service gave one, else exponential backoff with full jitter.
 */
export function backoffDelay(attempt: number, budget: RetryBudget, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, budget.maxDelayMs)
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

  /** Waits before the next attempt; returns false when the budget is spent (give up). */
  async waitBeforeRetry(retryAfterMs?: number): Promise<boolean> {
    const delay = backoffDelay(this.attempt, this.budget, retryAfterMs)
    if (this.waitedMs + delay > this.budget.maxTotalWaitMs) return false
    this.attempt++
    this.waitedMs += delay
    await this.sleep(delay)
    return true
  }

  get attempts(): number {
    return this.attempt
  }

  get totalWaitMs(): number {
    return this.waitedMs
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
