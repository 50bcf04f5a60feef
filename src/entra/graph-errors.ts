/**
 * Turns Graph error answers into sentences a user can act on. A 403 names the Microsoft
 * Graph application permission the provisioning identity lacks and how to grant it.
 */
import { UserError } from '../errors.js'
import { azureCliGrant, portalPath } from './grant-commands.js'
import type { GraphPermission } from './graph-permissions.js'
import type { GraphRequestError } from './graph.js'

interface PermissionNeed {
  /** In words, e.g. `Application.ReadWrite.OwnedBy (apps it owns) or Application.ReadWrite.All`. */
  permission: string
  /** The one to grant (least privilege). */
  grant: GraphPermission
  why: string
}

/** Which Graph application permission a request needs (least privilege first). */
export function permissionFor(method: string, path: string): PermissionNeed {
  if (/^\/organization/i.test(path)) {
    return { permission: 'Organization.Read.All', grant: 'Organization.Read.All', why: "to discover the tenant's initial domain (or pass 'organization')" }
  }
  if (/\/appRoleAssignedTo|\/appRoleAssignments/i.test(path)) {
    return {
      permission: 'AppRoleAssignment.ReadWrite.All',
      grant: 'AppRoleAssignment.ReadWrite.All',
      why: 'to grant Exchange.ManageAsApp (admin consent) to the app'
    }
  }
  if (/^\/roleManagement\//i.test(path)) {
    return {
      permission: 'RoleManagement.ReadWrite.Directory',
      grant: 'RoleManagement.ReadWrite.Directory',
      why: 'to assign the directory role (e.g. Exchange Administrator) to the app'
    }
  }
  // Reading apps and service principals needs an Application.* permission too; name the one
  // the run needs anyway, so a single grant fixes both the read and the writes after it.
  return {
    permission: 'Application.ReadWrite.OwnedBy (apps it owns) or Application.ReadWrite.All',
    grant: 'Application.ReadWrite.OwnedBy',
    why: method === 'GET' ? 'to find, create and update the app registration and its certificates' : 'to create and update the app registration and its certificates'
  }
}

/** Who is asking: the provisioning identity's client id makes the az commands copy-pasteable. */
export interface GraphErrorContext {
  clientId?: string
}

export function explainGraphError(error: GraphRequestError, context: GraphErrorContext = {}): UserError {
  if (error.status === 403) {
    const need = permissionFor(error.method, error.path)
    const ownedBy =
      need.grant === 'Application.ReadWrite.OwnedBy' && error.method !== 'GET'
        ? ' With Application.ReadWrite.OwnedBy the provisioning identity can only change apps it owns: add it as an owner of an existing app, grant Application.ReadWrite.All instead, or let it create the app.'
        : ''
    return new UserError(
      `Microsoft Graph refused ${error.method} ${error.path} (403 ${error.code}): the provisioning identity lacks the application permission ${need.permission}, needed ${need.why}.${ownedBy} Grant it: ${portalPath([need.grant])} (or: ${azureCliGrant([need.grant], context)}).`,
      { cause: error }
    )
  }
  if (error.status === 401) {
    return new UserError(
      `Microsoft Graph rejected the provisioning identity's token (401 ${error.code}) for ${error.method} ${error.path}: ${error.graphMessage} Check 'cloud' and 'graph-endpoint'.`,
      { cause: error }
    )
  }
  if (error.status === 429 || error.status === 503 || error.status === 504) {
    return new UserError(
      `Microsoft Graph stayed throttled or unavailable for ${error.method} ${error.path} (${error.status}) longer than the retry budget. Nothing is half-done that a rerun cannot finish: run the workflow again later, and lower 'max-parallel' if many tenants run at once.`,
      { cause: error }
    )
  }
  return new UserError(
    `Microsoft Graph answered ${error.status} ${error.code} to ${error.method} ${error.path}: ${error.graphMessage}${error.requestId ? ` (request-id ${error.requestId})` : ''}`,
    { cause: error }
  )
}
