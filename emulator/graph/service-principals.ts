/**
 * /servicePrincipals: list, get (by id or appId), create, update, upsert by appId, delete,
 * and the app role assignments on both sides (appRoleAssignedTo on the resource,
 * appRoleAssignments on the principal).
 */
import type { ServicePrincipalRecord } from '../tenant.js'
import { requireAppRead, requireAppRoleAssignmentRead, requireAppRoleAssignmentWrite, requireOwnedObjectsRead, requireServicePrincipalWrite } from './auth.js'
import { bodyObject, collection, entity, isGuid, noContent, parseKeySegment, type GraphContext, type GraphRequest, type Reply } from './context.js'
import { badRequest, GraphError, headerValue, notFound } from './errors.js'
import { declaredProperty, parseFilter } from './odata.js'
import { applicationJson, appRoleAssignmentJson, servicePrincipalJson } from './serialize.js'
import { removeWhere } from './applications.js'

/**
 * Properties the servicePrincipal resource page marks read-only: refused on PATCH. Every
 * other property the description declares is stored as sent.
 */
const READ_ONLY = new Set([
  'id', 'appId', 'appDisplayName', 'appOwnerOrganizationId', 'applicationTemplateId', 'createdByAppId', 'deletedDateTime',
  'disabledByMicrosoftStatus', 'signInAudience', 'verifiedPublisher', 'resourceSpecificApplicationPermissions'
])

export function handleServicePrincipals(ctx: GraphContext, req: GraphRequest, key: { name: string; value: string } | undefined, rest: string[]): Reply | undefined {
  const { tenant } = ctx
  if (!key) {
    if (rest.length > 0) return undefined
    if (req.method === 'GET') {
      requireAppRead(req.caller)
      let items = [...tenant.servicePrincipals.values()].filter(sp => tenant.isVisible(sp)).map(sp => servicePrincipalJson(sp, tenant))
      const filter = req.query.get('$filter')
      if (filter) items = items.filter(parseFilter(filter))
      return collection(ctx, req, 'servicePrincipals', 'servicePrincipal', items)
    }
    if (req.method === 'POST') {
      const body = bodyObject(req)
      if (typeof body.appId !== 'string') throw badRequest("Invalid value specified for property 'appId' of resource 'ServicePrincipal'.")
      const sp = createServicePrincipal(ctx, req, body.appId, body)
      return created(ctx, sp)
    }
    return undefined
  }
  if (key.name !== 'id' && key.name !== 'appId') throw badRequest(`'${key.name}' is not an alternate key of servicePrincipal; use id or appId.`)

  if (rest.length === 0 && req.method === 'PATCH' && key.name === 'appId' && preferCreateIfMissing(req)) {
    const existing = tenant.servicePrincipalByAppId(key.value, true)
    if (existing) {
      requireServicePrincipalWrite(req.caller, existing, tenant.applicationByAppId(existing.appId, true))
      applyServicePrincipalPatch(existing, bodyObject(req))
      return noContent()
    }
    return created(ctx, createServicePrincipal(ctx, req, key.value, bodyObject(req)))
  }

  if (key.name === 'id' && !isGuid(key.value)) throw badRequest(`Invalid object identifier '${key.value}'.`)
  const sp = key.name === 'id' ? tenant.servicePrincipalById(key.value) : tenant.servicePrincipalByAppId(key.value)
  if (!sp) throw notFound(key.value)

  if (rest.length === 0) {
    if (req.method === 'GET') {
      requireAppRead(req.caller, sp)
      return entity(ctx, req, 'servicePrincipals', 'servicePrincipal', servicePrincipalJson(sp, tenant))
    }
    if (req.method === 'PATCH') {
      requireServicePrincipalWrite(req.caller, sp, tenant.applicationByAppId(sp.appId, true))
      applyServicePrincipalPatch(sp, bodyObject(req))
      return noContent()
    }
    if (req.method === 'DELETE') {
      requireServicePrincipalWrite(req.caller, sp, tenant.applicationByAppId(sp.appId, true))
      tenant.servicePrincipals.delete(sp.id)
      removeWhere(tenant.appRoleAssignments, a => a.principalId === sp.id || a.resourceId === sp.id)
      removeWhere(tenant.roleAssignments, a => a.principalId === sp.id)
      return noContent()
    }
    return undefined
  }

  // `appRoleAssignedTo/{id}` and `appRoleAssignedTo('{id}')` address the same assignment.
  const keyed = parseKeySegment(rest[0])
  const [sub, assignmentId, ...more] = keyed.key === undefined ? rest : [keyed.set, keyed.key.value, ...rest.slice(1)]
  if (more.length > 0) return undefined
  if (sub === 'appRoleAssignedTo') return assignments(ctx, req, sp, 'resource', assignmentId)
  if (sub === 'appRoleAssignments') return assignments(ctx, req, sp, 'principal', assignmentId)
  if (sub === 'ownedObjects' && assignmentId === undefined && req.method === 'GET') {
    // Apps and service principals whose owners include this one (what it created, or was made owner of).
    requireOwnedObjectsRead(req.caller, sp)
    const owned = [
      ...[...tenant.applications.values()].filter(app => tenant.isVisible(app) && app.owners.includes(sp.id)).map(app => ({ '@odata.type': '#microsoft.graph.application', ...applicationJson(app, false) })),
      ...[...tenant.servicePrincipals.values()].filter(other => tenant.isVisible(other) && other.owners.includes(sp.id)).map(other => ({ '@odata.type': '#microsoft.graph.servicePrincipal', ...servicePrincipalJson(other, tenant) }))
    ]
    return collection(ctx, req, 'directoryObjects', 'directoryObject', owned)
  }
  if (sub === 'owners' && assignmentId === undefined && req.method === 'GET') {
    requireAppRead(req.caller, sp)
    return collection(ctx, req, 'directoryObjects', 'directoryObject', sp.owners.flatMap(id => {
      const owner = tenant.servicePrincipalById(id, true)
      return owner ? [{ '@odata.type': '#microsoft.graph.servicePrincipal', ...servicePrincipalJson(owner, tenant) }] : []
    }))
  }
  return undefined
}

function preferCreateIfMissing(req: GraphRequest): boolean {
  const prefer = headerValue(req, 'prefer') ?? ''
  return prefer.split(',').some(p => p.trim().toLowerCase() === 'create-if-missing')
}

function createServicePrincipal(ctx: GraphContext, req: GraphRequest, appId: string, body: Record<string, unknown>): ServicePrincipalRecord {
  const { tenant } = ctx
  if (body.appId !== undefined && body.appId !== appId) throw badRequest(`The appId '${String(body.appId)}' in the body does not match the appId '${appId}' in the URL.`)
  // The backing app must be readable: right after it is created it may not be yet.
  const app = tenant.applicationByAppId(appId)
  if (!app) {
    const message = `The appId '${appId}' of the service principal does not reference a valid application object.`
    throw badRequest(message, 'Request_BadRequest', [{ code: 'NoBackingApplicationObject', message, target: 'appId' }])
  }
  requireServicePrincipalWrite(req.caller, undefined, app)
  if (tenant.servicePrincipalByAppId(appId, true)) {
    throw new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`)
  }
  const sp = tenant.createServicePrincipal(app, [req.caller.servicePrincipalId])
  const { appId: _appId, ...rest } = body
  try {
    applyServicePrincipalPatch(sp, rest)
  } catch (err) {
    tenant.servicePrincipals.delete(sp.id)
    throw err
  }
  return sp
}

function applyServicePrincipalPatch(sp: ServicePrincipalRecord, body: Record<string, unknown>): void {
  const next: Partial<ServicePrincipalRecord> = {}
  const extra: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('@odata.')) continue
    switch (name) {
      case 'accountEnabled':
        if (typeof value !== 'boolean') throw badRequest("Invalid value specified for property 'accountEnabled' of resource 'ServicePrincipal'.")
        next.accountEnabled = value
        break
      case 'tags':
        if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) throw badRequest("Invalid value specified for property 'tags' of resource 'ServicePrincipal'.")
        next.tags = [...value]
        break
      case 'displayName':
        if (typeof value !== 'string' || value === '') throw badRequest("Invalid value specified for property 'displayName' of resource 'ServicePrincipal'.")
        next.displayName = value
        break
      case 'appId':
        if (value !== sp.appId) throw badRequest("Property 'appId' is read-only and cannot be changed.")
        break
      default:
        if (READ_ONLY.has(name)) throw badRequest(`Property '${name}' is read-only and cannot be set.`)
        // servicePrincipal is an open type, but its dynamic properties are registered directory
        // extension attributes; none are registered here, so any other name is refused as Graph does.
        if (!declaredProperty('servicePrincipal', name)) throw badRequest(`Property '${name}' does not exist as a declared property or extension property.`)
        extra[name] = structuredClone(value)
    }
  }
  Object.assign(sp, next)
  Object.assign(sp.extra, extra)
}

function created(ctx: GraphContext, sp: ServicePrincipalRecord): Reply {
  return {
    status: 201,
    headers: { location: `${ctx.root}/directoryObjects/${sp.id}/Microsoft.DirectoryServices.ServicePrincipal` },
    json: { '@odata.context': `${ctx.root}/$metadata#servicePrincipals/$entity`, ...servicePrincipalJson(sp, ctx.tenant) }
  }
}

/**
 * App role assignments seen from the resource (`appRoleAssignedTo`) or from the
 * principal (`appRoleAssignments`). A new grant is invisible to lists (and to tokens)
 * until it has replicated; a duplicate is refused even before that.
 */
function assignments(ctx: GraphContext, req: GraphRequest, sp: ServicePrincipalRecord, side: 'resource' | 'principal', assignmentId: string | undefined): Reply | undefined {
  const { tenant } = ctx
  const set = `servicePrincipals('${sp.id}')/${side === 'resource' ? 'appRoleAssignedTo' : 'appRoleAssignments'}`
  const mine = () => tenant.appRoleAssignments.filter(a => (side === 'resource' ? a.resourceId : a.principalId) === sp.id)
  if (assignmentId === undefined && req.method === 'GET') {
    requireAppRoleAssignmentRead(req.caller)
    let items = mine().filter(a => tenant.isVisible(a)).map(appRoleAssignmentJson)
    const filter = req.query.get('$filter')
    if (filter) items = items.filter(parseFilter(filter))
    return collection(ctx, req, set, 'appRoleAssignment', items)
  }
  if (assignmentId === undefined && req.method === 'POST') {
    const body = bodyObject(req)
    requireAppRoleAssignmentWrite(req.caller, side === 'resource' ? sp : tenant.servicePrincipalById(String(body.resourceId), true))
    const { principalId, resourceId, appRoleId } = body
    if (!isGuid(principalId)) throw badRequest("Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.")
    if (!isGuid(resourceId)) throw badRequest("Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.")
    if (!isGuid(appRoleId)) throw badRequest("Invalid value specified for property 'appRoleId' of resource 'AppRoleAssignment'.")
    if (side === 'resource' && resourceId !== sp.id) throw badRequest(`The resourceId '${resourceId}' in the body does not match the service principal '${sp.id}' in the URL.`)
    if (side === 'principal' && principalId !== sp.id) throw badRequest(`The principalId '${principalId}' in the body does not match the service principal '${sp.id}' in the URL.`)
    const principal = tenant.servicePrincipalById(principalId)
    if (!principal) throw notFound(principalId)
    const resource = tenant.servicePrincipalById(resourceId)
    if (!resource) throw notFound(resourceId)
    const role = resource.appRoles.find(r => r.id === appRoleId.toLowerCase())
    if (!role) throw badRequest(`Permission being assigned was not found on application '${resource.appId}'.`)
    if (tenant.appRoleAssignments.some(a => a.principalId === principal.id && a.resourceId === resource.id && a.appRoleId === role.id)) {
      throw badRequest('Permission being assigned already exists on the object')
    }
    const assignment = tenant.grantAppRole(principal, resource, role.id)
    return entity(ctx, { ...req, query: new URLSearchParams() }, set, 'appRoleAssignment', appRoleAssignmentJson(assignment), 201)
  }
  if (assignmentId !== undefined) {
    const assignment = mine().find(a => a.id === assignmentId && tenant.isVisible(a))
    if (!assignment) throw notFound(assignmentId)
    if (req.method === 'GET') {
      requireAppRoleAssignmentRead(req.caller)
      return entity(ctx, req, set, 'appRoleAssignment', appRoleAssignmentJson(assignment))
    }
    if (req.method === 'DELETE') {
      requireAppRoleAssignmentWrite(req.caller)
      removeWhere(tenant.appRoleAssignments, a => a === assignment)
      return noContent()
    }
  }
  return undefined
}

