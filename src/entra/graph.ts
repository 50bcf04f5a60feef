/**
 * Microsoft Graph access: @microsoft/microsoft-graph-client with a middleware chain of
 * authentication → the retry policy (retry.ts) → HTTP. Every response comes back as
 * plain data or a GraphRequestError; callers never see fetch or middleware details.
 */
import type { TokenCredential } from '@azure/identity'
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  ResponseType,
  type Context,
  type Middleware
} from '@microsoft/microsoft-graph-client'
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js'
import { defaultScope, type Cloud } from '../cloud.js'
import {
  classifyFailure,
  RetryAfterBeyondBudget,
  RetryClock,
  REPLICATION_BUDGET,
  TRANSIENT_BUDGET,
  type RetryBudget
} from './retry.js'

export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE'

export interface GraphCall {
  method: GraphMethod
  /** Relative to the version root, e.g. `/applications?$filter=...`. */
  path: string
  body?: unknown
  headers?: Record<string, string>
  /**
   * The call touches an object that may not have replicated yet (created or upserted by this
   * run, or created minutes ago, see retry.ts `createdRecently`): the documented replication
   * errors (404 Request_ResourceNotFound, 400 NoBackingApplicationObject) are retried.
   */
  newObject?: boolean
}

export interface GraphResult<T = unknown> {
  status: number
  body: T
  headers: Headers
}

/** A Graph error answer, with the pieces a user or a retry decision needs. */
export class GraphRequestError extends Error {
  override readonly name = 'GraphRequestError'
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    readonly graphMessage: string,
    readonly requestId?: string
  ) {
    super(`Microsoft Graph answered ${status} ${code} to ${method} ${path}: ${graphMessage}`)
  }
}

export interface GraphOptions {
  transientBudget?: RetryBudget
  replicationBudget?: RetryBudget
  /** Called after every HTTP exchange (including retries): for counting and logs. */
  onExchange?: (event: { method: string; url: string; status: number | 'network-error'; retry: boolean }) => void
  /** Every wait between retries goes through this (tests record the waits instead of sleeping). */
  sleep?: (ms: number) => Promise<void>
}

/** Counts of what a run did, for the log and the benchmarks. */
export interface GraphStats {
  /** Read requests (each `$batch` step counts), each counted once however often it was sent. */
  reads: number
  /** Write requests, each counted once however often it was sent. */
  writes: number
  /** Extra sends: throttled, unavailable or replication-lagged requests and `$batch` steps sent again. */
  retries: number
}

export class Graph {
  readonly stats: GraphStats = { reads: 0, writes: 0, retries: 0 }

  private constructor(
    private readonly client: Client,
    private readonly options: GraphOptions,
    private readonly signIn: { lastError?: unknown },
    private readonly retryAfterRefusals: RetryAfterRefusals
  ) {}

  static create(credential: TokenCredential, cloud: Cloud, options: GraphOptions = {}): Graph {
    // The Graph client wraps a credential's failure in its own error type, which would
    // hide the sign-in explanation (a UserError) behind "unexpected error". Keep the last
    // one and rethrow it as it was.
    const signIn: { lastError?: unknown } = {}
    const trackedCredential: TokenCredential = {
      getToken: async (scopes, tokenOptions) => {
        try {
          return await credential.getToken(scopes, tokenOptions)
        } catch (error) {
          signIn.lastError = error
          throw error
        }
      }
    }
    const auth = new AuthenticationHandler(
      new TokenCredentialAuthenticationProvider(trackedCredential, { scopes: [defaultScope(cloud.graphResource)] })
    )
    let graph: Graph | undefined
    const retryAfterRefusals: RetryAfterRefusals = new WeakMap()
    const retry = new TransientRetryMiddleware(options.transientBudget ?? TRANSIENT_BUDGET, options.sleep, retryAfterRefusals, (event) => {
      if (graph !== undefined) {
        if (event.retry) graph.stats.retries++
        options.onExchange?.(event)
      }
    })
    auth.setNext(retry)
    retry.setNext(new HTTPMessageHandler())
    const endpoint = new URL(cloud.graphEndpoint)
    const client = Client.initWithMiddleware({
      middleware: auth,
      baseUrl: `${cloud.graphEndpoint}/`,
      defaultVersion: 'v1.0',
      // The auth middleware only attaches tokens to known Graph hosts or these.
      customHosts: new Set([endpoint.hostname])
    })
    graph = new Graph(client, options, signIn, retryAfterRefusals)
    return graph
  }

  /**
   * Sends one request; retries as retry.ts says; throws GraphRequestError on an error answer,
   * or RetryAfterBeyondBudget when Graph asked for a longer wait than the budget has left.
   */
  async call<T = unknown>(call: GraphCall): Promise<GraphResult<T>> {
    const clock = new RetryClock(this.options.replicationBudget ?? REPLICATION_BUDGET, this.options.sleep)
    // A $batch envelope is neither a read nor a write: batch() counts its steps.
    if (call.path !== '/$batch') this.count(call.method, 1)
    for (;;) {
      const response = await this.send(call)
      if (response.ok) return { status: response.status, body: (await readBody(response)) as T, headers: response.headers }
      const error = await toGraphError(call, response)
      const refusal = this.retryAfterRefusals.get(response)
      if (refusal !== undefined) {
        throw new RetryAfterBeyondBudget(`${error.method} ${error.path}`, error.status, refusal.retryAfterMs, refusal.remainingMs, { cause: error })
      }
      const failure = classifyFailure({ status: error.status, code: error.code, message: error.graphMessage }, call.newObject ?? false)
      if (failure.kind === 'replication-lag' && (await clock.waitBeforeRetry())) {
        this.stats.retries++
        continue
      }
      throw error
    }
  }

  /**
   * Sends up to 20 calls in one `$batch` round trip. Each answer is its own: a throttled,
   * unavailable or not-yet-replicated sub-request (and one that waited on it, 424) is sent
   * again (in a smaller batch) as the retry policy says; other failures come back as
   * GraphRequestError values, not thrown.
   */
  async batch(calls: BatchStep[]): Promise<Map<string, GraphResult | GraphRequestError>> {
    if (calls.length > 20) throw new Error('A Graph $batch takes at most 20 requests')
    const results = new Map<string, GraphResult | GraphRequestError>()
    let pending = calls
    for (const call of calls) this.count(call.method, 1)
    const clock = new RetryClock(this.options.transientBudget ?? TRANSIENT_BUDGET, this.options.sleep)
    const lagClock = new RetryClock(this.options.replicationBudget ?? REPLICATION_BUDGET, this.options.sleep)
    while (pending.length > 0) {
      const answer = await this.call<{ responses: BatchAnswer[] }>({
        method: 'POST',
        path: '/$batch',
        body: {
          requests: pending.map(c => ({
            id: c.id,
            method: c.method,
            url: c.path,
            ...(c.dependsOn && c.dependsOn.length > 0 ? { dependsOn: c.dependsOn.filter(d => pending.some(p => p.id === d)) } : {}),
            ...(c.body === undefined ? {} : { body: c.body, headers: { 'Content-Type': 'application/json', ...c.headers } }),
            ...(c.body === undefined && c.headers ? { headers: c.headers } : {})
          }))
        }
      })
      const again: typeof pending = []
      let retryAfterMs: number | undefined
      /** The step that asked for the longest wait. */
      let waitAskedBy: GraphRequestError | undefined
      let lagOnly = true
      for (const sub of answer.body.responses) {
        const call = pending.find(c => c.id === sub.id)
        if (call === undefined) continue
        if (sub.status < 400) {
          results.set(sub.id, { status: sub.status, body: sub.body, headers: new Headers(sub.headers ?? {}) })
          continue
        }
        const error = batchError(call, sub)
        const failure = classifyFailure(
          { status: sub.status, code: error.code, message: error.graphMessage, retryAfter: sub.headers?.['Retry-After'] ?? sub.headers?.['retry-after'] },
          call.newObject ?? false
        )
        results.set(sub.id, error)
        // 424: a request it depended on failed; it goes again with that one (filtered below).
        if (failure.kind === 'fatal' && sub.status !== 424) continue
        again.push(call)
        if (failure.kind !== 'replication-lag' && sub.status !== 424) lagOnly = false
        if ((failure.kind === 'throttled' || failure.kind === 'unavailable') && failure.retryAfterMs !== undefined && failure.retryAfterMs >= (retryAfterMs ?? 0)) {
          retryAfterMs = failure.retryAfterMs
          waitAskedBy = error
        }
      }
      pending = again.filter(c => !failedDependency(results.get(c.id)) || dependencyGoesAgain(c, again, results))
      if (pending.length === 0) break
      const waited = lagOnly ? await lagClock.waitBeforeRetry() : await clock.waitBeforeRetry(retryAfterMs)
      if (!waited && !lagOnly && waitAskedBy !== undefined && clock.retryAfterBeyondBudget(retryAfterMs)) {
        throw new RetryAfterBeyondBudget(`${waitAskedBy.method} ${waitAskedBy.path}`, waitAskedBy.status, retryAfterMs, clock.remainingMs, { cause: waitAskedBy })
      }
      if (!waited) break
      this.stats.retries += pending.length
    }
    return results
  }

  private count(method: GraphMethod, requests: number): void {
    if (method === 'GET') this.stats.reads += requests
    else this.stats.writes += requests
  }

  private async send(call: GraphCall): Promise<Response> {
    let request = this.client.api(call.path).responseType(ResponseType.RAW)
    if (call.headers !== undefined) request = request.headers(call.headers)
    try {
      switch (call.method) {
        case 'GET':
          return (await request.get()) as Response
        case 'POST':
          return (await request.post(call.body ?? {})) as Response
        case 'PATCH':
          return (await request.patch(call.body ?? {})) as Response
        case 'DELETE':
          return (await request.delete()) as Response
      }
    } catch (error) {
      const signInError = this.signIn.lastError
      this.signIn.lastError = undefined
      throw signInError ?? error
    }
  }
}

interface BatchAnswer {
  id: string
  status: number
  headers?: Record<string, string>
  body?: unknown
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined
  const text = await response.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

async function toGraphError(call: GraphCall, response: Response): Promise<GraphRequestError> {
  const body = (await readBody(response)) as GraphErrorBody | string | undefined
  return errorFrom(call, response.status, body, response.headers.get('request-id') ?? undefined)
}

function batchError(call: GraphCall, sub: BatchAnswer): GraphRequestError {
  return errorFrom(call, sub.status, sub.body as GraphErrorBody | undefined, sub.headers?.['request-id'])
}

interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: { 'request-id'?: string } }
}

function errorFrom(call: GraphCall, status: number, body: GraphErrorBody | string | undefined, requestId?: string): GraphRequestError {
  const error = typeof body === 'object' && body !== null ? body.error : undefined
  return new GraphRequestError(
    call.method,
    call.path.split('?')[0],
    status,
    error?.code ?? `HTTP${status}`,
    error?.message ?? (typeof body === 'string' ? body.slice(0, 300) : ''),
    requestId ?? error?.innerError?.['request-id']
  )
}

/**
 * The error answers the retry middleware gave up on because Graph asked for a longer wait
 * than the budget had left: Graph.call turns them into RetryAfterBeyondBudget. Keyed by the
 * very Response object, which the client hands back unchanged (ResponseType.RAW).
 */
type RetryAfterRefusals = WeakMap<Response, { retryAfterMs: number; remainingMs: number }>

/**
 * Retries throttled (429) and unavailable (503/504, dropped connection) exchanges,
 * honouring Retry-After in full, within the transient budget.
 */
class TransientRetryMiddleware implements Middleware {
  private next?: Middleware

  constructor(
    private readonly budget: RetryBudget,
    private readonly sleep: ((ms: number) => Promise<void>) | undefined,
    private readonly retryAfterRefusals: RetryAfterRefusals,
    private readonly onExchange: (event: { method: string; url: string; status: number | 'network-error'; retry: boolean }) => void
  ) {}

  setNext(next: Middleware): void {
    this.next = next
  }

  async execute(context: Context): Promise<void> {
    if (this.next === undefined) throw new Error('TransientRetryMiddleware needs a next middleware')
    const clock = new RetryClock(this.budget, this.sleep)
    const method = context.options?.method ?? 'GET'
    const url = typeof context.request === 'string' ? context.request : context.request.url
    for (let retry = false; ; retry = true) {
      try {
        await this.next.execute(context)
      } catch (error) {
        this.onExchange({ method, url, status: 'network-error', retry })
        const failure = classifyFailure({ networkError: true }, false)
        if (failure.kind === 'unavailable' && (await clock.waitBeforeRetry())) continue
        throw new Error(`Could not reach Microsoft Graph at ${new URL(url).origin} (${(error as Error).message}) after ${clock.attempts + 1} attempts. Check the runner's network and proxy settings.`, { cause: error })
      }
      const response = context.response
      const status = response?.status ?? 0
      this.onExchange({ method, url, status, retry })
      const failure = classifyFailure({ status, retryAfter: response?.headers.get('retry-after') }, false)
      if (failure.kind === 'throttled' || failure.kind === 'unavailable') {
        if (await clock.waitBeforeRetry(failure.retryAfterMs)) {
          // Drain the body so the connection can be reused.
          await response?.arrayBuffer().catch(() => undefined)
          continue
        }
        if (response !== undefined && clock.retryAfterBeyondBudget(failure.retryAfterMs)) {
          this.retryAfterRefusals.set(response, { retryAfterMs: failure.retryAfterMs, remainingMs: clock.remainingMs })
        }
      }
      return
    }
  }
}

/** One request inside a `$batch`: its id in the batch, and the ids it must run after. */
type BatchStep = GraphCall & { id: string; dependsOn?: string[] }

/** A $batch step answered 424: a step it depended on failed, so it never ran. */
function failedDependency(result: unknown): boolean {
  return result instanceof GraphRequestError && result.status === 424
}

/**
 * A 424 step goes again only beside a step it depends on that is retried for a reason of
 * its own (not merely a 424 in turn); otherwise that dependency failed for good, and so
 * does the step.
 */
function dependencyGoesAgain(call: BatchStep, again: BatchStep[], results: Map<string, unknown>): boolean {
  return (call.dependsOn ?? []).some(id => again.some(other => other.id === id && !failedDependency(results.get(other.id))))
}
