/** What every Graph route handler gets. */
import type { IncomingHttpHeaders } from 'node:http'
import type { EmulatorResponse } from '../http.js'
import type { Tenant } from '../tenant.js'
import type { Caller } from './auth.js'
import { badRequest } from './errors.js'
import { applySelect, page, parseSelect } from './odata.js'

export interface GraphContext {
  tenant: Tenant
  /** e.g. https://127.0.0.1:PORT/v1.0 */
  root: string
}

/** A request under /v1.0, split into the entity set, its key and the rest of the path. */
export interface GraphRequest {
  method: string
  url: URL
  /** Decoded path segments after /v1.0. */
  segments: string[]
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: unknown
  caller: Caller
}

export type Reply = EmulatorResponse

export function ok(json: unknown, status = 200, headers?: Record<string, string>): Reply {
  return { status, json, headers }
}

export function noContent(): Reply {
  return { status: 204 }
}

/** A collection answer, with $filter already applied: $select, paging and @odata.context. */
export function collection(
  ctx: GraphContext,
  req: GraphRequest,
  entitySet: string,
  typeName: string,
  items: Array<Record<string, unknown>>
): Reply {
  const select = parseSelect(req.query)
  const { items: pageItems, nextLink } = page(items, req.query, req.url.toString())
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.root}/$metadata#${entitySet}${select ? `(${select.join(',')})` : ''}`
  }
  if (req.query.get('$count') === 'true') {
    // Counting directory objects is an advanced query: Graph wants ConsistencyLevel: eventual.
    const consistency = String(req.headers['consistencylevel'] ?? '').toLowerCase()
    if (consistency !== 'eventual') throw badRequest('$count is not currently supported without the ConsistencyLevel: eventual header.')
    body['@odata.count'] = items.length
  }
  if (nextLink) body['@odata.nextLink'] = nextLink
  body.value = pageItems.map(item => applySelect(item, select, typeName))
  return ok(body)
}

export function entity(ctx: GraphContext, req: GraphRequest, entitySet: string, typeName: string, item: Record<string, unknown>, status = 200): Reply {
  const select = parseSelect(req.query)
  return ok({
    '@odata.context': `${ctx.root}/$metadata#${entitySet}${select ? `(${select.join(',')})` : ''}/$entity`,
    ...applySelect(item, select, typeName)
  }, status)
}

/** True when `$select` names keyCredentials: only then does Graph return each `key`. */
export function selectsKeyCredentials(query: URLSearchParams): boolean {
  return (parseSelect(query) ?? []).some(p => p.toLowerCase() === 'keycredentials')
}

export function bodyObject(req: GraphRequest): Record<string, unknown> {
  if (req.body && typeof req.body === 'object' && !Array.isArray(req.body)) return req.body as Record<string, unknown>
  return {}
}

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
}

/**
 * `applications(appId='x')` → { set: 'applications', key: { name: 'appId', value: 'x' } };
 * `applications` followed by an id segment → key { name: 'id' }.
 */
export function parseKeySegment(segment: string): { set: string; key?: { name: string; value: string } } {
  const m = /^([A-Za-z]+)\((?:([A-Za-z]+)=)?'?([^']*)'?\)$/.exec(segment)
  if (!m) return { set: segment }
  return { set: m[1], key: { name: m[2] ?? 'id', value: m[3] } }
}
