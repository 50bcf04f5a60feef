/**
 * Turns Graph error answers into sentences a user can act on. A 403 names the Microsoft
 * Graph application permission the provisioning identity lacks and how to grant it.
 */
import { UserError } from '../errors.js'
import type { GraphRequestError } from './graph.js'

interface PermissionNeed {
  permission: string
  why: string
}

/** Which Graph application permission a request needs (least privilege first). */
export function permissionFor(method: string, path: string): PermissionNeed {
  if (/^\/organization/i.test(path)) {
    return { permission: 'Organization.Read.All', why: "to discover the tenant's initial domain (or pass 'organization')" }
  }
  if (/\/appRoleAssignedTo|\/appRoleAssignments/i.test(path)) {
    return {
      permission: 'AppRoleAssignment.ReadWrite.All',
      why: 'to grant Exchange.ManageAsApp (admin consent) to the app'
    }
  }
  if (/^\/roleManagement\//i.test(path)) {
    return { permission: 'RoleManagement.ReadWrite.Directory', why: 'to assign the directory role (e.g. Exchange Administrator) to the app' }
  }
  if (/^\/servicePrincipals/i.test(path) && method === 'GET') {
    return { permission: 'Application.Read.All (or Application.ReadWrite.OwnedBy)', why: 'to read service principals' }
  }
  return {
    permission: 'Application.ReadWrite.OwnedBy (apps it owns) or Application.ReadWrite.All',
    why: 'to create and update the app registration and its certificates'
  }
}

export function explainGraphError(error: GraphRequestError): UserError {
  if (error.status === 403) {
    const need = permissionFor(error.method, error.path)
    const ownedBy =
      /OwnedBy/.test(need.permission) && /^\/applications|^\/servicePrincipals/i.test(error.path) && error.method !== 'GET'
        ? ' With Application.ReadWrite.OwnedBy the provisioning identity can only change apps it owns: add it as an owner of an existing app, or let it create the app.'
        : ''
    return new UserError(
      `Microsoft Graph refused ${error.method} ${error.path} (403 ${error.code}): the provisioning identity lacks the application permission ${need.permission}, needed ${need.why}.${ownedBy} Grant it: Entra admin center → App registrations → the provisioning app → API permissions → Add a permission → Microsoft Graph → Application permissions → ${need.permission.split(' ')[0]} → Grant admin consent (or: az ad app permission add --id <client-id> --api 00000003-0000-0000-c000-000000000000 --api-permissions <id>=Role && az ad app permission admin-consent --id <client-id>).`,
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
