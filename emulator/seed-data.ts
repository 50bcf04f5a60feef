/**
 * Objects every Entra tenant has, with their real, tenant-independent ids: the first-party
 * resource applications and their app roles, and the built-in directory role templates.
 * Kept separate from src/ on purpose: the emulator is a second, independent statement of
 * these facts, so a wrong id in the action is caught by the tests instead of mirrored.
 */

export interface SeedAppRole {
  id: string
  value: string
  displayName: string
}

export const EXCHANGE_ONLINE = {
  appId: '00000002-0000-0ff1-ce00-000000000000',
  displayName: 'Office 365 Exchange Online',
  resourceUris: ['https://outlook.office365.com', 'https://outlook.office.com', 'https://outlook.office365.us', 'https://webmail.apps.mil', 'https://partner.outlook.cn'],
  appRoles: [
    { id: 'dc50a0fb-09a3-484d-be87-e023b12c6440', value: 'Exchange.ManageAsApp', displayName: 'Manage Exchange As Application' },
    { id: 'dc890d15-9560-4a4c-9b7f-a736ec74ec40', value: 'full_access_as_app', displayName: 'Use Exchange Web Services with full access to all mailboxes' }
  ] as SeedAppRole[]
}

/**
 * "Microsoft Exchange Online Protection": the resource of Security & Compliance PowerShell.
 * Microsoft's app-only article gives its appId and Exchange.ManageAsApp role id (for GCC High
 * and DoD; MicrosoftDocs/office-docs-powershell PR #13783 extends them to every environment);
 * the other two roles are from public listings of its app roles. Tokens for the compliance
 * endpoints Connect-IPPSSession signs in to (global, GCC High, DoD, 21Vianet) resolve to it
 * here, as that PR describes — so a Connect-IPPSSession token carries only what this resource
 * granted, and a test shows the difference from Exchange Online's grant.
 */
export const EXCHANGE_ONLINE_PROTECTION = {
  appId: '00000007-0000-0ff1-ce00-000000000000',
  displayName: 'Microsoft Exchange Online Protection',
  resourceUris: [
    'https://ps.compliance.protection.outlook.com',
    'https://ps.compliance.protection.office365.us',
    'https://l5.ps.compliance.protection.office365.us',
    'https://ps.compliance.protection.partner.outlook.cn'
  ],
  appRoles: [
    { id: 'c79b0778-99a8-4d45-9063-3f160ec2776d', value: 'EopPolicySync.AccessAsApp', displayName: 'EopPolicySync.AccessAsApp' },
    { id: '455e5cd2-84e8-4751-8344-5672145dfa17', value: 'Exchange.ManageAsApp', displayName: 'Exchange.ManageAsApp' },
    { id: '8f819283-077c-4c68-aa24-0ad706da26e0', value: 'ThreatSubmission.ReadWrite.All', displayName: 'ThreatSubmission.ReadWrite.All' }
  ] as SeedAppRole[]
}

export const MICROSOFT_GRAPH = {
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
  resourceUris: ['https://graph.microsoft.com', 'https://graph.microsoft.us', 'https://dod-graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn', 'https://canary.graph.microsoft.com'],
  appRoles: [
    { id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', value: 'Application.ReadWrite.All', displayName: 'Read and write all applications' },
    { id: '18a4783c-866b-4cc7-a460-3d5e5662c884', value: 'Application.ReadWrite.OwnedBy', displayName: 'Manage apps that this app creates or owns' },
    { id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', value: 'Application.Read.All', displayName: 'Read all applications' },
    { id: '06b708a9-e830-4db3-a914-8e69da51d44f', value: 'AppRoleAssignment.ReadWrite.All', displayName: 'Manage app permission grants and app role assignments' },
    { id: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', value: 'RoleManagement.ReadWrite.Directory', displayName: 'Read and write all directory RBAC settings' },
    { id: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c', value: 'RoleManagement.Read.Directory', displayName: 'Read all directory RBAC settings' },
    { id: '498476ce-e0fe-48b0-b801-37ba7e2685c6', value: 'Organization.Read.All', displayName: 'Read organization information' },
    { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', value: 'Directory.Read.All', displayName: 'Read directory data' },
    { id: '19dbc75e-c2e2-444c-a770-ec69d8559fc7', value: 'Directory.ReadWrite.All', displayName: 'Read and write directory data' }
  ] as SeedAppRole[]
}

/**
 * "Windows Azure Service Management API": the resource of Azure Resource Manager tokens
 * (`https://management.core.windows.net/` is what the Azure CLI asks for, the clouds'
 * `activeDirectoryResourceId`). Every tenant has its service principal. It exposes only a
 * delegated scope (user_impersonation), no app roles: an app-only ARM token carries no
 * `roles`; what it may do in ARM comes from Azure RBAC, not from Entra.
 */
export const AZURE_SERVICE_MANAGEMENT = {
  appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
  displayName: 'Windows Azure Service Management API',
  resourceUris: [
    'https://management.core.windows.net/', 'https://management.azure.com/',
    'https://management.core.usgovcloudapi.net/', 'https://management.usgovcloudapi.net/',
    'https://management.core.chinacloudapi.cn/', 'https://management.chinacloudapi.cn/'
  ],
  appRoles: [] as SeedAppRole[]
}

/** The Graph permissions the provisioning identity gets unless a test says otherwise. */
export const DEFAULT_PROVISIONING_GRAPH_PERMISSIONS = [
  'Application.ReadWrite.All',
  'Application.ReadWrite.OwnedBy',
  'AppRoleAssignment.ReadWrite.All',
  'RoleManagement.ReadWrite.Directory',
  'Organization.Read.All'
]

export interface SeedRoleDefinition {
  templateId: string
  displayName: string
  description: string
}

/** Built-in directory roles (entra-docs permissions-reference); id = templateId for built-ins. */
export const BUILT_IN_DIRECTORY_ROLES: SeedRoleDefinition[] = [
  { templateId: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.' },
  { templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de', displayName: 'Exchange Administrator', description: 'Can manage all aspects of the Exchange product.' },
  { templateId: '31392ffb-586c-42d1-9346-e59415a2cc4e', displayName: 'Exchange Recipient Administrator', description: 'Can create or update Exchange Online recipients within the Exchange Online organization.' },
  { templateId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader', description: 'Can read everything that a Global Administrator can, but not update anything.' },
  { templateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8', displayName: 'Helpdesk Administrator', description: 'Can reset passwords for non-administrators and Helpdesk Administrators.' },
  { templateId: '194ae4cb-b126-40b2-bd5b-6091b380977d', displayName: 'Security Administrator', description: 'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.' },
  { templateId: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader', description: 'Can read security information and reports in Microsoft Entra ID and Office 365.' },
  { templateId: '17315797-102d-40b4-93e0-432062caca18', displayName: 'Compliance Administrator', description: 'Can read and manage compliance configuration and reports in Microsoft Entra ID and Microsoft 365.' },
  { templateId: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', displayName: 'Application Administrator', description: 'Can create and manage all aspects of app registrations and enterprise apps.' },
  { templateId: '158c047a-c907-4556-b7ef-446551a6b5f7', displayName: 'Cloud Application Administrator', description: 'Can create and manage all aspects of app registrations and enterprise apps except App Proxy.' },
  { templateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814', displayName: 'Privileged Role Administrator', description: 'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.' },
  { templateId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', displayName: 'Directory Readers', description: 'Can read basic directory information. Commonly used to grant directory read access to applications and guests.' }
]

/**
 * The `wids` entry Entra puts in every app-only token ("the default role of a service
 * principal"), whatever directory roles are assigned. Checks must look for a role, not
 * compare the whole list.
 */
export const DEFAULT_APP_WID = '0997a1d0-0d1d-4acb-b408-d5ca73121e90'
