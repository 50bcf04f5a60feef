/**
 * Who is calling Graph, from the bearer token, and what it may do: the application
 * permissions in its token's `roles` (a snapshot taken at sign-in: a permission granted after
 * the token was issued needs a new token), and the directory roles its service principal holds
 * (built-in or custom), which Graph checks against the directory itself.
 */
import type { KeyObject } from 'node:crypto'
import type { EmulatorRequest } from '../http.js'
import { decodeJwt, nowSeconds, verifyJwtSignature } from '../jwt.js'
import { MICROSOFT_GRAPH } from '../seed-data.js'
import type { ApplicationRecord, RoleDefinitionRecord, ServicePrincipalRecord, Tenant } from '../tenant.js'
import { denied, GraphError, headerValue } from './errors.js'

export interface Caller {
  appId: string
  /** Object id of the caller's service principal (`oid`). */
  servicePrincipalId: string
  roles: Set<string>
  /** The directory roles its service principal holds, with their scopes (`/` = the whole directory). */
  directoryRoles: Array<{ role: RoleDefinitionRecord; directoryScopeId: string }>
}

export function authenticate(req: Pick<EmulatorRequest, 'headers'>, tenant: Tenant, tokenKey: KeyObject): Caller {
  const header = headerValue(req, 'authorization')
  const unauthorized = (message: string) => new GraphError(401, 'InvalidAuthenticationToken', message, undefined, {
    'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${MICROSOFT_GRAPH.appId}"`
  })
  if (!header) throw unauthorized('Access token is empty.')
  const match = /^Bearer\s+(.+)$/i.exec(header)
  if (!match) throw unauthorized('Access token is empty.')
  const jwt = decodeJwt(match[1])
  if (!jwt) throw unauthorized('IDX14100: JWT is not well formed, there are no dots (.).')
  if (!verifyJwtSignature(jwt, tokenKey)) throw unauthorized('Access token validation failure. Invalid signature.')
  const { claims } = jwt
  // Graph takes tokens for any of its names: its appId, its clouds' URIs, and the emulated
  // Graph's own origin (tenant.graphServicePrincipal's servicePrincipalNames), nothing else.
  const audience = typeof claims.aud === 'string' ? claims.aud.replace(/\/+$/, '') : undefined
  const graphResources = tenant.graphServicePrincipal.servicePrincipalNames.map(n => n.replace(/\/+$/, ''))
  if (audience === undefined || !graphResources.includes(audience)) {
    throw unauthorized('Access token validation failure. Invalid audience.')
  }
  if (typeof claims.exp !== 'number' || claims.exp < nowSeconds()) throw unauthorized('Lifetime validation failed, the token is expired.')
  if (claims.tid !== tenant.tenantId) throw unauthorized('Access token validation failure. Invalid issuer.')
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : []
  const servicePrincipalId = String(claims.oid)
  return { appId: String(claims.appid), servicePrincipalId, roles: new Set(roles), directoryRoles: tenant.directoryRolesOf(servicePrincipalId) }
}

/**
 * What built-in directory roles allow here (entra-docs permissions-reference.md), by template
 * id. Application and Cloud Application Administrators may grant application permissions of
 * any API but Microsoft Graph (enterprise-apps/grant-admin-consent.md).
 */
type Ability = 'read-apps' | 'manage-apps' | 'consent-except-graph' | 'consent' | 'read-roles' | 'assign-roles' | 'read-organization'

const BUILT_IN_ABILITIES: Record<string, readonly Ability[]> = {
  // Global Administrator
  '62e90394-69f5-4237-9190-012177145e10': ['read-apps', 'manage-apps', 'consent', 'consent-except-graph', 'read-roles', 'assign-roles', 'read-organization'],
  // Privileged Role Administrator
  'e8611ab8-c189-46e8-94e1-60213ab1f814': ['read-apps', 'consent', 'consent-except-graph', 'read-roles', 'assign-roles'],
  // Application Administrator, Cloud Application Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': ['read-apps', 'manage-apps', 'consent-except-graph'],
  '158c047a-c907-4556-b7ef-446551a6b5f7': ['read-apps', 'manage-apps', 'consent-except-graph'],
  // Global Reader, Directory Readers
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451': ['read-apps', 'read-roles', 'read-organization'],
  '88d8e3e3-8f55-4a1e-953a-9b9898b8876b': ['read-apps', 'read-organization']
}

/** What a custom role's resource actions allow (custom roles can hold app, enterprise app and consent rights only). */
function customAbilities(actions: readonly string[]): Ability[] {
  const abilities = new Set<Ability>()
  for (const action of actions.map(a => a.toLowerCase())) {
    if (action === 'microsoft.directory/serviceprincipals/approleassignedto/update') {
      abilities.add('consent-except-graph')
    } else if (/^microsoft\.directory\/(applications|serviceprincipals)(\.myorganization)?\/(create|createasowner|.*\/update|allproperties\/alltasks)$/.test(action)) {
      abilities.add('read-apps')
      abilities.add('manage-apps')
    } else if (/^microsoft\.directory\/(applications|serviceprincipals)(\.myorganization)?\/.*read$/.test(action)) {
      abilities.add('read-apps')
    }
  }
  return [...abilities]
}

/** True when one of the caller's directory roles allows `ability` over `scope` (an app's scope is `/{objectId}`). */
function roleAllows(caller: Caller, ability: Ability, objectId?: string): boolean {
  return caller.directoryRoles.some(({ role, directoryScopeId }) => {
    const inScope = directoryScopeId === '/' || (objectId !== undefined && directoryScopeId === `/${objectId}`)
    const abilities = role.isBuiltIn ? BUILT_IN_ABILITIES[role.templateId] ?? [] : customAbilities(role.allowedResourceActions)
    return inScope && abilities.includes(ability)
  })
}

export function hasAny(caller: Caller, ...roles: string[]): boolean {
  return roles.some(r => caller.roles.has(r))
}

const APP_READ = ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.Read.All', 'Directory.ReadWrite.All']

/** Reading applications and service principals. An app may always read itself. */
export function requireAppRead(caller: Caller, target?: { appId: string }): void {
  if (target && target.appId === caller.appId) return
  if (!hasAny(caller, ...APP_READ) && !roleAllows(caller, 'read-apps')) throw denied()
}

/** Creating apps: Application.ReadWrite.All, or .OwnedBy (the caller becomes the owner), or an app admin role. */
export function requireAppCreate(caller: Caller): void {
  if (!hasAny(caller, 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy') && !roleAllows(caller, 'manage-apps')) throw denied()
}

/** Changing an app: Application.ReadWrite.All, or .OwnedBy on an app the caller owns, or a role over it. */
export function requireAppWrite(caller: Caller, app: ApplicationRecord): void {
  if (hasAny(caller, 'Application.ReadWrite.All') || roleAllows(caller, 'manage-apps', app.id)) return
  if (hasAny(caller, 'Application.ReadWrite.OwnedBy') && app.owners.includes(caller.servicePrincipalId)) return
  throw denied()
}

/** Creating or changing a service principal: as for its app, owners of either count. */
export function requireServicePrincipalWrite(caller: Caller, sp: ServicePrincipalRecord | undefined, app: ApplicationRecord | undefined): void {
  if (hasAny(caller, 'Application.ReadWrite.All') || roleAllows(caller, 'manage-apps', sp?.id)) return
  if (hasAny(caller, 'Application.ReadWrite.OwnedBy') &&
      (sp?.owners.includes(caller.servicePrincipalId) || app?.owners.includes(caller.servicePrincipalId))) return
  throw denied()
}

/** Reading the objects a service principal owns: an app read permission; a caller may always list its own. */
export function requireOwnedObjectsRead(caller: Caller, sp: ServicePrincipalRecord): void {
  if (sp.id === caller.servicePrincipalId) return
  requireAppRead(caller)
}

export function requireAppRoleAssignmentRead(caller: Caller): void {
  if (!hasAny(caller, ...APP_READ, 'AppRoleAssignment.ReadWrite.All') && !roleAllows(caller, 'read-apps')) throw denied()
}

/**
 * Granting an app role of `resource`: AppRoleAssignment.ReadWrite.All — and, as users
 * report, a permission that can read the service principals involved — or a role that may
 * consent to it (Application and Cloud Application Administrators: not to Microsoft Graph's).
 */
export function requireAppRoleAssignmentWrite(caller: Caller, resource?: { appId: string }): void {
  if (hasAny(caller, 'AppRoleAssignment.ReadWrite.All') && (hasAny(caller, ...APP_READ) || roleAllows(caller, 'read-apps'))) return
  if (roleAllows(caller, 'consent')) return
  if (resource !== undefined && resource.appId !== MICROSOFT_GRAPH.appId && roleAllows(caller, 'consent-except-graph')) return
  throw denied()
}

export function requireRoleManagementRead(caller: Caller): void {
  if (!hasAny(caller, 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagement.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All') &&
      !roleAllows(caller, 'read-roles')) throw denied()
}

export function requireRoleManagementWrite(caller: Caller): void {
  if (!hasAny(caller, 'RoleManagement.ReadWrite.Directory') && !roleAllows(caller, 'assign-roles')) throw denied()
}

export function requireOrganizationRead(caller: Caller): void {
  if (!hasAny(caller, 'Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All') &&
      !roleAllows(caller, 'read-organization')) throw denied()
}
