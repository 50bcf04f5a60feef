/**
 * The Microsoft Graph v1.0 service: authentication, routing, $batch, and Graph's error
 * shape for everything that goes wrong.
 */
import type { KeyObject } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { Faults } from '../faults.js'
import type { ApiChecks } from '../api-check/api-checks.js'
import type { EmulatedService, EmulatorRequest, EmulatorResponse } from '../http.js'
import type { RequestLog } from '../log.js'
import type { Tenant } from '../tenant.js'
import { handleApplications } from './applications.js'
import { authenticate } from './auth.js'
import { parseKeySegment, type GraphContext, type GraphRequest } from './context.js'
import { handleOrganization, handleRoleManagement } from './directory.js'
import { badRequest, GraphError, graphErrorResponse, graphFaultError, graphHeaders } from './errors.js'
import { handleServicePrincipals } from './service-principals.js'

export const MAX_BATCH_REQUESTS = 20

export interface GraphServiceOptions {
  tenant: () => Tenant
  /** Verifies the access tokens the emulated Entra ID issued. */
  tokenPublicKey: KeyObject
  /** This service's origin, e.g. https://127.0.0.1:PORT. */
  origin: () => string
  faults: Faults
  log: RequestLog
  /** Holds each $batch step to the Graph v1.0 description, as a request in its own right. */
  apiChecks?: ApiChecks
}

export class GraphService implements EmulatedService {
  readonly name = 'graph'

  constructor(private readonly options: GraphServiceOptions) {}

  async handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    if (req.url.pathname === '/v1.0/$batch' && req.method === 'POST') return this.batch(req)
    return this.route(req)
  }

  notFound(req: EmulatorRequest): EmulatorResponse {
    const segment = req.url.pathname.split('/').filter(Boolean).slice(1).join('/') || req.url.pathname
    return graphErrorResponse(badRequest(`Resource not found for the segment '${segment}'.`, 'BadRequest'), req)
  }

  /** Answers one request (also a $batch step). Never throws for Graph errors. */
  route(req: EmulatorRequest): EmulatorResponse {
    try {
      const reply = this.dispatch(req)
      if (!reply) return this.notFound(req)
      return { ...reply, headers: { ...graphHeaders(req), ...(reply.headers ?? {}) } }
    } catch (err) {
      if (err instanceof GraphError) return graphErrorResponse(err, req)
      throw err
    }
  }

  private dispatch(req: EmulatorRequest): EmulatorResponse | undefined {
    const parts = req.url.pathname.split('/').filter(Boolean).map(safeDecode)
    if (parts[0] !== 'v1.0' || parts.length < 2) return undefined
    const tenant = this.options.tenant()
    const caller = authenticate(req, tenant, this.options.tokenPublicKey)
    const ctx: GraphContext = { tenant, root: `${this.options.origin()}/v1.0` }
    const segments = parts.slice(1)
    const graphReq: GraphRequest = { method: req.method, url: req.url, segments, query: req.url.searchParams, headers: req.headers, body: req.body, caller }

    const first = parseKeySegment(segments[0])
    let key = first.key
    let rest = segments.slice(1)
    // `applications/{id}` is the same as `applications('{id}')`.
    if (!key && rest.length > 0 && ['applications', 'servicePrincipals', 'organization'].includes(first.set)) {
      key = { name: 'id', value: rest[0] }
      rest = rest.slice(1)
    }
    switch (first.set) {
      case 'applications': return handleApplications(ctx, graphReq, key, rest)
      case 'servicePrincipals': return handleServicePrincipals(ctx, graphReq, key, rest)
      case 'organization': return handleOrganization(ctx, graphReq, key, rest)
      case 'roleManagement':
        if (!key && rest[0] === 'directory') return handleRoleManagement(ctx, graphReq, rest.slice(1))
        return undefined
      default: return undefined
    }
  }

  /**
   * JSON $batch: at most 20 steps, run in the order listed (a step depends only on earlier
   * ones); a step whose dependency failed answers 424. Each step is its own request for faults and the log (a step can
   * be throttled while the others succeed).
   */
  private async batch(req: EmulatorRequest): Promise<EmulatorResponse> {
    try {
      authenticate(req, this.options.tenant(), this.options.tokenPublicKey)
      const steps = parseBatch(req.body)
      const results = new Map<string, EmulatorResponse>()
      for (const step of steps) {
        const failedDependency = step.dependsOn.some(id => (results.get(id)?.status ?? 0) >= 400)
        const response = failedDependency
          ? graphErrorResponse(new GraphError(424, 'FailedDependency', 'The request could not be completed because a request it depends on failed.'), req)
          : await this.batchStep(req, step)
        results.set(step.id, response)
      }
      return {
        status: 200,
        headers: graphHeaders(req),
        json: {
          responses: steps.map(step => {
            const r = results.get(step.id)!
            const out: Record<string, unknown> = { id: step.id, status: r.status, headers: r.json === undefined ? {} : stepHeaders(r.headers) }
            if (r.json !== undefined) out.body = r.json
            return out
          })
        }
      }
    } catch (err) {
      if (err instanceof GraphError) return graphErrorResponse(err, req)
      throw err
    }
  }

  private async batchStep(outer: EmulatorRequest, step: BatchStep): Promise<EmulatorResponse> {
    const started = Date.now()
    const path = `/v1.0${step.url.startsWith('/') ? '' : '/'}${step.url}`
    const headers: IncomingHttpHeaders = { ...outer.headers, ...step.headers }
    delete headers['content-length']
    const sub: EmulatorRequest = {
      method: step.method,
      url: new URL(path, this.options.origin()),
      headers,
      rawBody: Buffer.from(step.body === undefined ? '' : JSON.stringify(step.body)),
      body: step.body
    }
    let response: EmulatorResponse
    let fault: string | undefined
    if (/^https?:/i.test(step.url) || sub.url.pathname === '/v1.0/$batch') {
      response = graphErrorResponse(badRequest(`Request id ${step.id}: the url must be relative to the version, e.g. '/applications', and cannot be another $batch.`, 'BadRequest'), sub)
    } else if (['POST', 'PATCH', 'PUT'].includes(step.method) && step.body !== undefined && !step.headers['content-type']) {
      response = graphErrorResponse(badRequest(`Write request id : ${step.id} does not contain Content-Type header or body.`, 'BadRequest'), sub)
    } else {
      response = this.options.apiChecks?.graph(sub, step.id) ?? (await this.carryOut(step, sub, path, f => { fault = f }))
    }
    this.options.log.record({
      timestamp: new Date(started).toISOString(),
      service: 'graph',
      method: step.method,
      path: sub.url.pathname + sub.url.search,
      status: response.status,
      kind: step.method === 'GET' || step.method === 'HEAD' ? 'read' : 'write',
      ms: Date.now() - started,
      batch: true,
      fault
    })
    return response
  }

  /** A step the description accepts: faults apply to it on its own, then it is routed. */
  private async carryOut(step: BatchStep, sub: EmulatorRequest, path: string, onFault: (fault: string) => void): Promise<EmulatorResponse> {
    const decision = this.options.faults.decide('graph', step.method, path, false)
    if (decision.latencyMs > 0) await sleep(decision.latencyMs)
    if (decision.status) {
      onFault(`status:${decision.status.status}`)
      return graphErrorResponse(graphFaultError(decision.status.status, decision.status.retryAfterSeconds), sub)
    }
    return this.route(sub)
  }
}

interface BatchStep {
  id: string
  method: string
  url: string
  headers: Record<string, string>
  body?: unknown
  dependsOn: string[]
}

function parseBatch(body: unknown): BatchStep[] {
  const requests = (body as { requests?: unknown } | undefined)?.requests
  if (!Array.isArray(requests)) throw badRequest('Invalid batch payload format: the body must be {"requests": [...]}.', 'BadRequest')
  if (requests.length === 0) throw badRequest('Invalid batch payload format: no requests.', 'BadRequest')
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw badRequest(`Number of batch request steps exceeds the maximum of ${MAX_BATCH_REQUESTS}.`, 'BadRequest')
  }
  const steps = requests.map((raw, index): BatchStep => {
    const r = (raw ?? {}) as Record<string, unknown>
    if (typeof r.id !== 'string' || r.id === '') throw badRequest(`Batch request at position ${index} has no id.`, 'BadRequest')
    if (typeof r.method !== 'string' || typeof r.url !== 'string') throw badRequest(`Batch request id ${r.id} needs a method and a url.`, 'BadRequest')
    const headers: Record<string, string> = {}
    if (r.headers && typeof r.headers === 'object') {
      for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v)
    }
    let stepBody = r.body
    if (typeof stepBody === 'string' && (headers['content-type'] ?? '').includes('json')) {
      try { stepBody = JSON.parse(stepBody) } catch { /* left as a string: the route will refuse it */ }
    }
    const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.map(String) : []
    return { id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: stepBody, dependsOn }
  })
  const all = new Set(steps.map(s => s.id))
  const earlier = new Set<string>()
  for (const s of steps) {
    if (earlier.has(s.id)) throw badRequest(`Batch request ids must be unique; '${s.id}' is used twice.`, 'BadRequest')
    for (const d of s.dependsOn) {
      if (!all.has(d)) throw badRequest(`Batch request id ${s.id} depends on '${d}', which is not in the batch.`, 'BadRequest')
      // OData JSON Format 4.01 §19.1: dependsOn names preceding requests only ("Forward
      // reference is not allowed", as OData's own library answers). So the listed order
      // already honours every dependency.
      if (!earlier.has(d)) throw badRequest(`Batch request id ${s.id} depends on '${d}', which comes after it: forward references are not allowed.`, 'BadRequest')
    }
    earlier.add(s.id)
  }
  return steps
}

/** The headers a batch step reports: content type, location and Retry-After. */
function stepHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    const name = k.toLowerCase()
    if (name === 'content-type') out['Content-Type'] = v
    else if (name === 'location') out.Location = v
    else if (name === 'retry-after') out['Retry-After'] = v
  }
  return out
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
