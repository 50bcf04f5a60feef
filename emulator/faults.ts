/**
 * Fault injection, configured at run time by tests and benchmarks: throttling (429 with or
 * without Retry-After), 503/504, connection resets, fixed latency, and replication lag
 * (objects invisible for N ms after they are written).
 */
import type { LagKind } from './tenant.js'
import { LAG_KINDS } from './tenant.js'

export type ServiceName = 'login' | 'graph' | 'github' | 'oidc' | 'arm'

export interface FaultMatch {
  /** Which service (default: any). */
  service?: ServiceName
  /** HTTP method, any case (default: any). */
  method?: string
  /** Tested against the path with its query, e.g. `/v1.0/applications?$filter=...` (default: any). */
  path?: RegExp | string
}

export interface FaultSchedule {
  /** Only the first K matching requests. */
  first?: number
  /** Every Nth matching request (N, 2N, …). */
  every?: number
}

export type FaultAction =
  | { kind: 'status'; status: 429 | 500 | 502 | 503 | 504; retryAfterSeconds?: number }
  | { kind: 'reset' }
  | { kind: 'latency'; ms: number }

export interface FaultRule extends FaultMatch, FaultSchedule {
  action: FaultAction
}

/** A rule that is installed; `hits` counts the requests it changed. */
export interface ActiveFault {
  readonly id: number
  readonly rule: FaultRule
  /** Matching requests seen. */
  readonly seen: number
  /** Requests the fault was applied to. */
  readonly hits: number
  remove(): void
}

/** What the server must do to one request. */
export interface FaultDecision {
  latencyMs: number
  reset: boolean
  status?: { status: number; retryAfterSeconds?: number; ruleId: number }
}

export type LagSettings = Partial<Record<LagKind, number>>

export class Faults {
  private rules: Array<{ id: number; rule: FaultRule; seen: number; hits: number }> = []
  private nextId = 1
  private lag: Record<LagKind, number> = Object.fromEntries(LAG_KINDS.map(k => [k, 0])) as Record<LagKind, number>

  /** Installs a rule; returns a handle to read its counters and remove it. */
  add(rule: FaultRule): ActiveFault {
    const entry = { id: this.nextId++, rule, seen: 0, hits: 0 }
    this.rules.push(entry)
    const remove = () => { this.rules = this.rules.filter(r => r !== entry) }
    return {
      id: entry.id,
      rule,
      get seen() { return entry.seen },
      get hits() { return entry.hits },
      remove
    }
  }

  /** 429 Too Many Requests, with `Retry-After` unless `retryAfterSeconds` is null. */
  throttle(match: FaultMatch & FaultSchedule & { retryAfterSeconds?: number | null } = {}): ActiveFault {
    const { retryAfterSeconds, ...rest } = match
    return this.add({ ...rest, action: { kind: 'status', status: 429, retryAfterSeconds: retryAfterSeconds === null ? undefined : retryAfterSeconds ?? 1 } })
  }

  /** 503 Service Unavailable or 504 Gateway Timeout (500/502 also allowed). */
  fail(status: 500 | 502 | 503 | 504, match: FaultMatch & FaultSchedule & { retryAfterSeconds?: number } = {}): ActiveFault {
    const { retryAfterSeconds, ...rest } = match
    return this.add({ ...rest, action: { kind: 'status', status, retryAfterSeconds } })
  }

  /** Destroys the connection without an answer (the client sees ECONNRESET / "socket hang up"). */
  reset(match: FaultMatch & FaultSchedule = {}): ActiveFault {
    return this.add({ ...match, action: { kind: 'reset' } })
  }

  /** Adds `ms` of latency to every matching request (e.g. for benchmarks). */
  latency(ms: number, match: FaultMatch & FaultSchedule = {}): ActiveFault {
    return this.add({ ...match, action: { kind: 'latency', ms } })
  }

  /**
   * Replication lag: objects written from now on stay invisible to reads and references
   * for this many ms. A number sets every kind; an object sets the kinds it names.
   */
  replicationLag(settings: number | LagSettings): void {
    if (typeof settings === 'number') {
      for (const kind of LAG_KINDS) this.lag[kind] = settings
    } else {
      for (const [kind, ms] of Object.entries(settings)) {
        if (!(LAG_KINDS as readonly string[]).includes(kind)) throw new Error(`Unknown replication lag kind '${kind}' (use one of ${LAG_KINDS.join(', ')})`)
        this.lag[kind as LagKind] = ms ?? 0
      }
    }
  }

  lagFor(kind: LagKind): number {
    return this.lag[kind]
  }

  /** Removes every rule and sets replication lag back to 0. */
  clear(): void {
    this.rules = []
    this.replicationLag(0)
  }

  list(): ActiveFault[] {
    return this.rules.map(entry => ({
      id: entry.id, rule: entry.rule, seen: entry.seen, hits: entry.hits,
      remove: () => { this.rules = this.rules.filter(r => r !== entry) }
    }))
  }

  /**
   * Decides what happens to one request. Latency rules add up; the first status or
   * reset rule that fires wins. `allowReset` is false inside a $batch, where a
   * sub-request has no connection of its own.
   */
  decide(service: ServiceName, method: string, pathAndQuery: string, allowReset = true): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, reset: false }
    for (const entry of this.rules) {
      const { rule } = entry
      if (rule.service && rule.service !== service) continue
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue
      if (rule.path !== undefined && !matchesPath(rule.path, pathAndQuery)) continue
      if (rule.action.kind === 'reset' && !allowReset) continue
      if (rule.action.kind !== 'latency' && (decision.reset || decision.status)) continue
      entry.seen++
      const n = entry.seen
      if (rule.first !== undefined && n > rule.first) continue
      if (rule.every !== undefined && n % rule.every !== 0) continue
      entry.hits++
      if (rule.action.kind === 'latency') decision.latencyMs += rule.action.ms
      else if (rule.action.kind === 'reset') decision.reset = true
      else decision.status = { status: rule.action.status, retryAfterSeconds: rule.action.retryAfterSeconds, ruleId: entry.id }
    }
    return decision
  }
}

function matchesPath(pattern: RegExp | string, pathAndQuery: string): boolean {
  if (typeof pattern === 'string') return new RegExp(pattern).test(pathAndQuery)
  pattern.lastIndex = 0
  return pattern.test(pathAndQuery)
}
