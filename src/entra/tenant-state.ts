/**
 * What reading the tenant returns: plain data, no Graph client objects, so the planner
 * is a pure function over it and tests can write it by hand. Dates stay ISO 8601
 * strings, exactly as Graph sends them.
 */

import type { FederatedCredential } from './federated-credentials.js'

/** One entry of an application's `keyCredentials` (a certificate). */
export interface KeyCredential {
  keyId: string
  /** Marked with ACTION_KEY_DISPLAY_NAME_PREFIX when this action made it. */
  displayName?: string | null
  /** `AsymmetricX509Cert` for certificates. */
  type: string
  /** `Verify` for sign-in certificates. */
  usage: string
  startDateTime?: string | null
  endDateTime: string
  /**
   * Usually the SHA-1 thumbprint, but its format varies (hex, base64 of the hash, base64
   * of the hex text), so matching tries each; see `keyCredentialThumbprints`.
   */
  customKeyIdentifier?: string | null
  /**
   * base64 of the DER certificate. Graph returns it only when the read asks for
   * `$select=keyCredentials`; it is needed because a keyCredentials PATCH replaces the
   * whole collection, so every kept certificate is sent again with its key.
   */
  key?: string | null
}

export interface RequiredResourceAccess {
  resourceAppId: string
  resourceAccess: Array<{ id: string; type: string }>
}

/** The app registration this action ensures. */
export interface AppState {
  /** The application object id (`id` in Graph), used in `/applications/{id}`. */
  objectId: string
  /** The client id (`appId`). */
  appId: string
  displayName: string
  /** Absent for apps made in the portal, which have none. */
  uniqueName?: string | null
  signInAudience: string
  requiredResourceAccess: RequiredResourceAccess[]
  keyCredentials: KeyCredential[]
  /**
   * When Graph created it (ISO 8601). Absent from hand-written states. Minutes-old apps may
   * not have replicated everywhere yet, so apply waits out replication lag on them.
   */
  createdDateTime?: string | null
  /** How the reader found it: by `app-id`, by the uniqueName derived from `app-name`, or by display name. */
  foundBy?: 'app-id' | 'unique-name' | 'display-name'
  /** Its federated identity credentials, read in both modes; absent from hand-written states. */
  federatedCredentials?: FederatedCredential[]
}

/** The app's service principal (its identity in the tenant; grants and roles attach to it). */
export interface ServicePrincipalState {
  id: string
  appId: string
}

/**
 * A first-party resource's service principal in this tenant: "Office 365 Exchange Online",
 * or "Microsoft Exchange Online Protection" (Security & Compliance PowerShell).
 */
export interface ExchangeOnlineServicePrincipal {
  /** Object id; differs per tenant. Becomes `resourceId` of the grant. */
  id: string
  /** The app roles it offers (read with `$select=id,appRoles`); the grant needs Exchange.ManageAsApp. */
  appRoles: Array<{ id: string; value?: string | null }>
}

/** An application permission granted to the app's service principal (admin consent). */
export interface AppRoleAssignment {
  id?: string
  /** Object id of the resource's service principal, e.g. Exchange Online's. */
  resourceId: string
  appRoleId: string
}

/** A directory role assigned to the app's service principal. */
export interface DirectoryRoleAssignment {
  id?: string
  /** For built-in roles, the role's template id. */
  roleDefinitionId: string
  /** `/` is the whole directory; anything else (an administrative unit, an app) is narrower. */
  directoryScopeId: string
}

/** A read Microsoft Graph refused (403): the preflight names it with everything else missing. */
export interface RefusedRead {
  capability: 'read-tenant' | 'read-organization'
  /** e.g. `GET /organization`. */
  request: string
  /** What the read was for, in words. */
  task: string
}

/** The provisioning identity's own directory entries, read only when its token cannot settle the preflight. */
export interface ProvisioningIdentityState {
  /** Object ids of what it owns; undefined when not read or refused. */
  ownedObjectIds?: string[]
  /** Its own directory role assignments (any scope, custom roles too); undefined when not read or refused. */
  roleAssignments?: DirectoryRoleAssignment[]
}

export interface TenantState {
  /** Absent when the app does not exist yet. */
  app?: AppState
  /** Absent when the app or its service principal does not exist yet. */
  servicePrincipal?: ServicePrincipalState
  /** Absent when the tenant has no Exchange Online (no Exchange license). */
  exchangeOnline?: ExchangeOnlineServicePrincipal
  /**
   * "Microsoft Exchange Online Protection", read only for `connect-ippssession: true`.
   * Absent when not read or when the tenant has none (not every tenant may: a warning, not an error).
   */
  exchangeProtection?: ExchangeOnlineServicePrincipal
  /** App role assignments of the app's service principal; empty when it has none or does not exist. */
  appRoleAssignments: AppRoleAssignment[]
  /** Directory role assignments of the app's service principal; empty when it has none or does not exist. */
  directoryRoleAssignments: DirectoryRoleAssignment[]
  /** The tenant's initial `*.onmicrosoft.com` domain; absent when `organization` was given, or the read was refused. */
  initialDomain?: string
  /** Reads Graph refused. When one of them is `read-tenant`, the state above is incomplete and cannot be planned from. */
  refusedReads: RefusedRead[]
  /** Present when the read asked for the provisioning identity's own entries. */
  provisioningIdentity?: ProvisioningIdentityState
}
