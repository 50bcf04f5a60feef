/**
 * Holds one Graph v1.0 request (or one $batch step) to the trimmed CSDL: the resource path,
 * the method OData allows on what it addresses and the Capabilities restrictions of its
 * navigation source, the query options, and the body. Returns every rule the request
 * breaks, each as a sentence; none means the description accepts it.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { CsdlModel } from './csdl-model.js'
import { jsonBatchProblems } from './json-batch.js'
import { BodyChecker } from './odata-values.js'
import { checkQuery } from './odata-query.js'
import { parseResourcePath, type Resource } from './odata-path.js'

export interface CheckedRequest {
  method: string
  url: URL
  headers: IncomingHttpHeaders
  /** Parsed JSON body, or undefined. */
  body: unknown
  /** True when the request carried body bytes (parsed or not). */
  hasBody: boolean
}

const CAPABILITIES = 'Org.OData.Capabilities.V1.'

export function checkGraphRequest(model: CsdlModel, req: CheckedRequest): string[] {
  const path = req.url.pathname
  if (path !== '/v1.0' && !path.startsWith('/v1.0/')) return [`The URL ${path} is not under /v1.0, the version the description covers.`]
  const parsed = parseResourcePath(model, path.slice('/v1.0'.length))
  if ('violation' in parsed) return [parsed.violation]
  const resource = parsed.resource
  const method = req.method.toUpperCase()

  const allowed = allowedMethods(resource)
  if (!allowed.includes(method)) {
    return [`${method} is not allowed on ${describe(resource)} (OData allows ${allowed.join(', ')} there).`]
  }
  const problems = capabilityProblems(model, resource, method, req)
  problems.push(...checkQuery(model, resource, method, req.url.searchParams))
  problems.push(...bodyProblems(model, resource, method, req))
  return problems
}

function allowedMethods(resource: Resource): string[] {
  switch (resource.kind) {
    case 'batch': return ['POST']
    case 'metadata': return ['GET']
    case 'collection': return ['GET', 'POST']
    case 'entity': return resource.singleton ? ['GET', 'PATCH', 'PUT'] : ['GET', 'PATCH', 'PUT', 'DELETE']
    case 'property': return ['GET', 'PUT', 'PATCH', 'DELETE']
    case 'count': return ['GET']
    case 'ref': return resource.collection ? ['GET', 'POST', 'DELETE'] : ['GET', 'PUT', 'DELETE']
    case 'operation': return resource.operation.kind === 'action' ? ['POST'] : ['GET']
  }
}

/**
 * Capabilities terms apply to entity sets, singletons and navigation properties (their
 * vocabulary's AppliesTo), so those are the targets read. Where one target carries the same
 * term twice with opposite values, the description allows the operation.
 */
function allows(model: CsdlModel, targets: string[], term: string, property: string, byDefault: boolean): boolean {
  const values = targets
    .flatMap(t => model.annotationsOf(t, `${CAPABILITIES}${term}`))
    .map(a => (a.value as Record<string, unknown> | undefined)?.[property])
    .filter((v): v is boolean => typeof v === 'boolean')
  return values.length === 0 ? byDefault : values.includes(true)
}

function capabilityProblems(model: CsdlModel, resource: Resource, method: string, req: CheckedRequest): string[] {
  if (resource.kind !== 'collection' && resource.kind !== 'entity') return []
  const targets = resource.source.targets
  const where = targets[0]
  const problems: string[] = []
  if (method === 'GET' && !allows(model, targets, 'ReadRestrictions', 'Readable', true)) problems.push(`${where} is not readable (Capabilities.ReadRestrictions).`)
  if (method === 'POST' && !allows(model, targets, 'InsertRestrictions', 'Insertable', true)) problems.push(`${where} takes no inserts (Capabilities.InsertRestrictions).`)
  if ((method === 'PATCH' || method === 'PUT') && !allows(model, targets, 'UpdateRestrictions', 'Updatable', true)) problems.push(`${where} takes no updates (Capabilities.UpdateRestrictions).`)
  if (method === 'DELETE' && !allows(model, targets, 'DeleteRestrictions', 'Deletable', true)) problems.push(`${where} takes no deletes (Capabilities.DeleteRestrictions).`)
  const prefer = String(req.headers.prefer ?? '').toLowerCase()
  if ((method === 'PATCH' || method === 'PUT') && prefer.split(',').some(p => p.trim() === 'create-if-missing')) {
    if (resource.kind !== 'entity' || !resource.keyed) problems.push('Prefer: create-if-missing (an upsert) needs a URL that names one entity by its key or an alternate key.')
    else if (!allows(model, targets, 'UpdateRestrictions', 'Upsertable', false)) problems.push(`${where} is not upsertable (Capabilities.UpdateRestrictions/Upsertable is not true), so Prefer: create-if-missing cannot create.`)
  }
  return problems
}

function bodyProblems(model: CsdlModel, resource: Resource, method: string, req: CheckedRequest): string[] {
  if (req.hasBody && req.body === undefined) return ['The body is not JSON; Graph takes application/json request bodies.']
  const checker = new BodyChecker(model)
  const needsBody = (what: string) => (req.body === undefined ? [`${method} ${describe(resource)} needs ${what} as the JSON body.`] : undefined)
  switch (resource.kind) {
    case 'batch':
      return jsonBatchProblems(req.body)
    case 'collection':
      if (method !== 'POST') break
      return needsBody(`the new ${resource.type}`) ?? (checker.structured(resource.type, req.body, ''), checker.problems)
    case 'entity':
      if (method !== 'PATCH' && method !== 'PUT') break
      return needsBody(`the ${resource.type} properties to write`) ?? (checker.structured(resource.type, req.body, ''), checker.problems)
    case 'operation':
      if (resource.operation.kind !== 'action') break
      checker.actionParameters(resource.operation, req.body)
      return checker.problems
    case 'ref':
      if (method !== 'POST' && method !== 'PUT') break
      return typeof (req.body as Record<string, unknown> | undefined)?.['@odata.id'] === 'string'
        ? []
        : [`${method} of a $ref needs a JSON body {"@odata.id": "<URL of the entity to link>"}.`]
    default:
      break
  }
  if (req.body !== undefined && (method === 'GET' || method === 'DELETE')) return [`A ${method} request carries no body.`]
  return []
}

function describe(resource: Resource): string {
  switch (resource.kind) {
    case 'entity': return resource.singleton ? `the singleton (${resource.type})` : `a single ${resource.type}`
    case 'collection': return `a collection of ${resource.type}`
    case 'operation': return `the ${resource.operation.kind} ${resource.operation.name}`
    case 'property': return `the property ${resource.property.name}`
    case 'count': return '$count'
    case 'ref': return resource.collection ? 'a collection of links ($ref)' : 'a link ($ref)'
    default: return resource.kind === 'batch' ? '$batch' : '$metadata'
  }
}
