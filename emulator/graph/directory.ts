/**
 * /roleManagement/directory (role definitions and assignments) and /organization.
 */
import { requireOrganizationRead, requireRoleManagementRead, requireRoleManagementWrite } from './auth.js'
import { bodyObject, collection, entity, isGuid, noContent, parseKeySegment, type GraphContext, type GraphRequest, type Reply } from './context.js'
import { badRequest, notFound } from './errors.js'
import { parseFilter } from './odata.js'
import { roleAssignmentJson, roleDefinitionJson } from './serialize.js'
import { removeWhere } from './applications.js'

export function handleRoleManagement(ctx: GraphContext, req: GraphRequest, rest: string[]): Reply | undefined {
  const { tenant } = ctx
  // `roleAssignments/{id}` or, as OData also reads a key, `roleAssignments('{id}')`.
  const keyed = rest[0] === undefined ? undefined : parseKeySegment(rest[0])
  if (keyed?.key && keyed.key.name !== 'id') throw badRequest(`'${keyed.key.name}' is not a key of ${keyed.set}; use id.`)
  const [collectionName, id, ...more] = keyed?.key ? [keyed.set, keyed.key.value, ...rest.slice(1)] : rest
  if (more.length > 0) return undefined

  if (collectionName === 'roleDefinitions') {
    if (req.method !== 'GET') return undefined
    requireRoleManagementRead(req.caller)
    if (id !== undefined) {
      const def = tenant.roleDefinitions.find(r => r.id === id.toLowerCase())
      if (!def) throw notFound(id)
      return entity(ctx, req, 'roleManagement/directory/roleDefinitions', 'unifiedRoleDefinition', roleDefinitionJson(def))
    }
    let items = tenant.roleDefinitions.map(roleDefinitionJson)
    const filter = req.query.get('$filter')
    if (filter) items = items.filter(parseFilter(filter))
    return collection(ctx, req, 'roleManagement/directory/roleDefinitions', 'unifiedRoleDefinition', items)
  }

  if (collectionName === 'roleAssignments') {
    const set = 'roleManagement/directory/roleAssignments'
    const expandDefinition = (req.query.get('$expand') ?? '').split(',').map(s => s.trim()).includes('roleDefinition')
    const json = (a: (typeof tenant.roleAssignments)[number]) => {
      const base = roleAssignmentJson(a)
      const def = tenant.roleDefinition(a.roleDefinitionId)
      return expandDefinition && def ? { ...base, roleDefinition: roleDefinitionJson(def) } : base
    }
    if (id === undefined && req.method === 'GET') {
      requireRoleManagementRead(req.caller)
      let items = tenant.roleAssignments.filter(a => tenant.isVisible(a)).map(json)
      const filter = req.query.get('$filter')
      if (filter) items = items.filter(parseFilter(filter))
      return collection(ctx, req, set, 'unifiedRoleAssignment', items)
    }
    if (id === undefined && req.method === 'POST') {
      requireRoleManagementWrite(req.caller)
      const { principalId, roleDefinitionId, directoryScopeId } = bodyObject(req)
      if (!isGuid(principalId)) throw badRequest("Invalid value specified for property 'principalId' of resource 'UnifiedRoleAssignment'.")
      if (typeof roleDefinitionId !== 'string' || roleDefinitionId === '') throw badRequest("Invalid value specified for property 'roleDefinitionId' of resource 'UnifiedRoleAssignment'.")
      if (typeof directoryScopeId !== 'string' || !directoryScopeId.startsWith('/')) {
        throw badRequest("Invalid value specified for property 'directoryScopeId' of resource 'UnifiedRoleAssignment'. Use '/' for the whole tenant.")
      }
      const def = tenant.roleDefinitions.find(r => r.id === roleDefinitionId.toLowerCase() || r.templateId === roleDefinitionId.toLowerCase())
      if (!def) throw notFound(roleDefinitionId)
      if (!tenant.servicePrincipalById(principalId)) throw notFound(principalId)
      if (tenant.roleAssignments.some(a => a.principalId === principalId && a.roleDefinitionId === def.id && a.directoryScopeId === directoryScopeId)) {
        throw badRequest('A conflicting object with one or more of the specified property values is present in the directory.')
      }
      const assignment = tenant.assignDirectoryRole(principalId, def, directoryScopeId)
      return entity(ctx, { ...req, query: new URLSearchParams() }, set, 'unifiedRoleAssignment', roleAssignmentJson(assignment), 201)
    }
    if (id !== undefined) {
      const assignment = tenant.roleAssignments.find(a => a.id === id && tenant.isVisible(a))
      if (!assignment) throw notFound(id)
      if (req.method === 'GET') {
        requireRoleManagementRead(req.caller)
        return entity(ctx, req, set, 'unifiedRoleAssignment', json(assignment))
      }
      if (req.method === 'DELETE') {
        requireRoleManagementWrite(req.caller)
        removeWhere(tenant.roleAssignments, a => a === assignment)
        return noContent()
      }
    }
  }
  return undefined
}

export function handleOrganization(ctx: GraphContext, req: GraphRequest, key: { name: string; value: string } | undefined, rest: string[]): Reply | undefined {
  if (req.method !== 'GET' || rest.length > 0) return undefined
  requireOrganizationRead(req.caller)
  const { tenant } = ctx
  const org = {
    id: tenant.tenantId,
    deletedDateTime: null,
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: 'US',
    createdDateTime: '2020-01-01T00:00:00Z',
    defaultUsageLocation: null,
    displayName: tenant.displayName,
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    preferredLanguage: 'en',
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: null,
    street: null,
    technicalNotificationMails: [],
    tenantType: 'AAD',
    directorySizeQuota: { used: tenant.applications.size + tenant.servicePrincipals.size, total: 300000 },
    assignedPlans: [],
    privacyProfile: null,
    provisionedPlans: [],
    verifiedDomains: structuredClone(tenant.verifiedDomains)
  }
  if (key) {
    if (key.value !== tenant.tenantId) throw notFound(key.value)
    return entity(ctx, req, 'organization', 'organization', org)
  }
  return collection(ctx, req, 'organization', 'organization', [org])
}
