/**
 * Who is calling Graph, from the bearer token, and what its token's `roles` allow.
 * Permissions are judged from the token (a snapshot taken at sign-in), as Graph does:
 * a permission granted after the token was issued needs a new token.
 */
import type { KeyObject } from 'node:crypto'
import type { EmulatorRequest } from '../http.js'
import { decodeJwt, nowSeconds, verifyJwtSignature } from '../jwt.js'
import { MICROSOFT_GRAPH } from '../seed-data.js'
import type { ApplicationRecord, ServicePrincipalRecord, Tenant } from '../tenant.js'
import { denied, GraphError, headerValue } from './errors.js'

export interface Caller {
  appId: string
  /** Object id of the caller's service principal (`oid`). */
  servicePrincipalId: string
  roles: Set<string>
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
  const graphResources = MICROSOFT_GRAPH.resourceUris.concat(MICROSOFT_GRAPH.appId)
  if (typeof claims.aud !== 'string' || !graphResources.includes(claims.aud.replace(/\/+$/, ''))) {
    throw unauthorized('Access token validation failure. Invalid audience.')
  }
  if (typeof claims.exp !== 'number' || claims.exp < nowSeconds()) throw unauthorized('Lifetime validation failed, the token is expired.')
  if (claims.tid !== tenant.tenantId) throw unauthorized('Access token validation failure. Invalid issuer.')
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : []
  return { appId: String(claims.appid), servicePrincipalId: String(claims.oid), roles: new Set(roles) }
}

export function hasAny(caller: Caller, ...roles: string[]): boolean {
  return roles.some(r => caller.roles.has(r))
}

const APP_READ = ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.Read.All', 'Directory.ReadWrite.All']

/** Reading applications and service principals. An app may always read itself. */
export function requireAppRead(caller: Caller, target?: { appId: string }): void {
  if (target && target.appId === caller.appId) return
  if (!hasAny(caller, ...APP_READ)) throw denied()
}

/** Creating apps: Application.ReadWrite.All, or .OwnedBy (the caller becomes the owner). */
export function requireAppCreate(caller: Caller): void {
  if (!hasAny(caller, 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy')) throw denied()
}

/** Changing an app: Application.ReadWrite.All, or .OwnedBy on an app the caller owns. */
export function requireAppWrite(caller: Caller, app: ApplicationRecord): void {
  if (hasAny(caller, 'Application.ReadWrite.All')) return
  if (hasAny(caller, 'Application.ReadWrite.OwnedBy') && app.owners.includes(caller.servicePrincipalId)) return
  throw denied()
}

/** Creating or changing a service principal: as for its app, owners of either count. */
export function requireServicePrincipalWrite(caller: Caller, sp: ServicePrincipalRecord | undefined, app: ApplicationRecord | undefined): void {
  if (hasAny(caller, 'Application.ReadWrite.All')) return
  if (hasAny(caller, 'Application.ReadWrite.OwnedBy') &&
      (sp?.owners.includes(caller.servicePrincipalId) || app?.owners.includes(caller.servicePrincipalId))) return
  throw denied()
}

export function requireAppRoleAssignmentRead(caller: Caller): void {
  if (!hasAny(caller, ...APP_READ, 'AppRoleAssignment.ReadWrite.All')) throw denied()
}

/**
 * Granting an app role: AppRoleAssignment.ReadWrite.All — and, as users report, a
 * permission that can read the service principals involved.
 */
export function requireAppRoleAssignmentWrite(caller: Caller): void {
  if (!hasAny(caller, 'AppRoleAssignment.ReadWrite.All') || !hasAny(caller, ...APP_READ)) throw denied()
}

export function requireRoleManagementRead(caller: Caller): void {
  if (!hasAny(caller, 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagement.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All')) throw denied()
}

export function requireRoleManagementWrite(caller: Caller): void {
  if (!hasAny(caller, 'RoleManagement.ReadWrite.Directory')) throw denied()
}

export function requireOrganizationRead(caller: Caller): void {
  if (!hasAny(caller, 'Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All')) throw denied()
}
