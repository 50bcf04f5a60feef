/**
 * What the provisioning identity may do in Microsoft Graph, and where each id comes from:
 * the one table the preflight, the 403 explanations and the grant commands read.
 *
 * An identity can do a thing through an application permission (an app role of Microsoft
 * Graph, in its token's `roles` claim by value) or through a built-in directory role
 * assigned over the whole directory (in its token's `wids` claim by template id). Custom
 * directory roles never appear in `wids`, so the token alone cannot rule them out.
 */

/**
 * Microsoft Graph application permissions: the app role ids of Microsoft Graph
 * (appId 00000003-0000-0000-c000-000000000000), the same in every tenant and cloud.
 * Source: the Microsoft Graph permissions reference
 * (learn.microsoft.com/graph/permissions-reference; microsoftgraph/microsoft-graph-docs-contrib,
 * concepts/permissions-reference.md), "Application" rows.
 */
export const GRAPH_APPLICATION_PERMISSIONS = {
  'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
  'Application.ReadWrite.All': '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
  'Application.ReadWrite.OwnedBy': '18a4783c-866b-4cc7-a460-3d5e5662c884',
  'AppRoleAssignment.ReadWrite.All': '06b708a9-e830-4db3-a914-8e69da51d44f',
  'RoleManagement.Read.Directory': '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
  'RoleManagement.ReadWrite.Directory': '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
  'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Directory.ReadWrite.All': '19dbc75e-c2e2-444c-a770-ec69d8559fc7'
} as const

export type GraphPermission = keyof typeof GRAPH_APPLICATION_PERMISSIONS

/**
 * Built-in directory roles that let an identity do this action's Graph work, by template id.
 * Source: entra-docs, identity/role-based-access-control/permissions-reference.md.
 */
export const ADMIN_DIRECTORY_ROLES = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7'
} as const

export type AdminDirectoryRole = keyof typeof ADMIN_DIRECTORY_ROLES

/**
 * The `wids` entry Entra puts in every app-only token whatever roles are assigned. It is not
 * a directory role (no role definition has this template id); seen in real tokens.
 */
export const DEFAULT_APP_ONLY_WID = '0997a1d0-0d1d-4acb-b408-d5ca73121e90'

/** A piece of Graph work the plan can need, with what allows it. */
export type Capability = 'manage-app' | 'grant-consent' | 'assign-role' | 'read-tenant' | 'read-organization'

export interface CapabilityRule {
  /** Application permissions that allow it outright. */
  permissions: readonly GraphPermission[]
  /** The permission to grant when none is there (least privilege). */
  grant: GraphPermission
  /** Built-in directory roles (over the whole directory) that allow it. */
  directoryRoles: readonly AdminDirectoryRole[]
  /**
   * Custom directory roles can hold this right (app registration, enterprise app and consent
   * permissions can be put in custom roles; directory role management cannot), so an absent
   * permission is only certain once the identity's own role assignments show no custom role.
   */
  customRolesMayAllow: boolean
}

/**
 * What allows each piece of work.
 * - manage-app: create and update the app registration, its certificates, its federated
 *   credentials (adding and removing them) and its service principal.
 *   Application.ReadWrite.OwnedBy covers only apps the identity owns (it owns the apps it
 *   creates); Microsoft Graph docs, application-post-applications.md, application-update.md,
 *   application-post-federatedidentitycredentials.md and federatedidentitycredential-delete.md
 *   (least privileged: Application.ReadWrite.OwnedBy).
 * - grant-consent: POST /servicePrincipals/{id}/appRoleAssignedTo
 *   (serviceprincipal-post-approleassignedto.md). Cloud Application Administrator and
 *   Application Administrator may consent to application permissions of any API except
 *   Microsoft Graph (entra-docs, enterprise-apps/grant-admin-consent.md); Exchange.ManageAsApp
 *   belongs to Office 365 Exchange Online.
 * - assign-role: POST /roleManagement/directory/roleAssignments
 *   (rbacapplication-post-roleassignments.md).
 * - read-tenant: read the app registrations and service principals (application-get.md).
 * - read-organization: GET /organization, for the initial domain (organization-list.md).
 */
export const CAPABILITY_RULES: Record<Capability, CapabilityRule> = {
  'manage-app': {
    permissions: ['Application.ReadWrite.All'],
    grant: 'Application.ReadWrite.OwnedBy',
    directoryRoles: ['Global Administrator', 'Application Administrator', 'Cloud Application Administrator'],
    customRolesMayAllow: true
  },
  'grant-consent': {
    permissions: ['AppRoleAssignment.ReadWrite.All'],
    grant: 'AppRoleAssignment.ReadWrite.All',
    directoryRoles: ['Global Administrator', 'Privileged Role Administrator', 'Application Administrator', 'Cloud Application Administrator'],
    customRolesMayAllow: true
  },
  'assign-role': {
    permissions: ['RoleManagement.ReadWrite.Directory'],
    grant: 'RoleManagement.ReadWrite.Directory',
    directoryRoles: ['Global Administrator', 'Privileged Role Administrator'],
    customRolesMayAllow: false
  },
  'read-tenant': {
    permissions: ['Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    grant: 'Application.Read.All',
    directoryRoles: ['Global Administrator', 'Application Administrator', 'Cloud Application Administrator'],
    customRolesMayAllow: true
  },
  'read-organization': {
    permissions: ['Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    grant: 'Organization.Read.All',
    directoryRoles: ['Global Administrator'],
    customRolesMayAllow: false
  }
}

/** The template id of an admin directory role, lower-case. */
export function directoryRoleTemplateId(role: AdminDirectoryRole): string {
  return ADMIN_DIRECTORY_ROLES[role]
}
