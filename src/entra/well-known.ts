/**
 * Identifiers that are the same in every tenant (FACTS.md, "Exchange Online app-only").
 */

/** "Office 365 Exchange Online": the resource whose app role Exchange.ManageAsApp is granted. */
export const EXCHANGE_ONLINE_APP_ID = '00000002-0000-0ff1-ce00-000000000000'
/** The `Exchange.ManageAsApp` application permission (app role) of Exchange Online. */
export const EXCHANGE_MANAGE_AS_APP_ROLE_ID = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
export const EXCHANGE_MANAGE_AS_APP = 'Exchange.ManageAsApp'
export const EXCHANGE_ONLINE_NAME = 'Office 365 Exchange Online'
export const EXCHANGE_ONLINE_PROTECTION_NAME = 'Microsoft Exchange Online Protection'

/**
 * "Microsoft Exchange Online Protection": the resource of Security & Compliance PowerShell
 * (Connect-IPPSSession). Microsoft's app-only article long named it for GCC High and DoD only;
 * MicrosoftDocs/office-docs-powershell PR #13783 ("Clarify app-only permissions for Security &
 * Compliance PowerShell", merged 2026-08-24) says Connect-IPPSSession needs its
 * Exchange.ManageAsApp "in all environments", beside Office 365 Exchange Online's for
 * Connect-ExchangeOnline. Until that is settled, provision mode grants both when
 * `connect-ippssession` is true, and only warns when a tenant has no such service principal.
 */
export const EXCHANGE_ONLINE_PROTECTION_APP_ID = '00000007-0000-0ff1-ce00-000000000000'
/**
 * Its Exchange.ManageAsApp app role, as the same article documents it. The planner looks the
 * role up by value on the tenant's service principal and uses this id only when the service
 * principal lists the role under no such value (see plan.ts, `securityAndComplianceResource`).
 */
export const EXCHANGE_ONLINE_PROTECTION_MANAGE_AS_APP_ROLE_ID = '455e5cd2-84e8-4751-8344-5672145dfa17'

/** Microsoft Graph's own app id (its service principal holds Graph's app roles). */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'

export interface DirectoryRole {
  displayName: string
  templateId: string
  /** Covers every Exchange Online cmdlet (only Exchange and Global Administrator do). */
  coversAllExchangeTasks: boolean
}

/** Directory roles that Exchange Online honours for app-only sign-in. */
export const SUPPORTED_DIRECTORY_ROLES: readonly DirectoryRole[] = [
  { displayName: 'Exchange Administrator', templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de', coversAllExchangeTasks: true },
  { displayName: 'Global Administrator', templateId: '62e90394-69f5-4237-9190-012177145e10', coversAllExchangeTasks: true },
  { displayName: 'Exchange Recipient Administrator', templateId: '31392ffb-586c-42d1-9346-e59415a2cc4e', coversAllExchangeTasks: false },
  { displayName: 'Global Reader', templateId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', coversAllExchangeTasks: false },
  { displayName: 'Helpdesk Administrator', templateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8', coversAllExchangeTasks: false },
  { displayName: 'Security Administrator', templateId: '194ae4cb-b126-40b2-bd5b-6091b380977d', coversAllExchangeTasks: false },
  { displayName: 'Security Reader', templateId: '5d6b6bb7-de71-4623-b4af-96380a352509', coversAllExchangeTasks: false },
  { displayName: 'Compliance Administrator', templateId: '17315797-102d-40b4-93e0-432062caca18', coversAllExchangeTasks: false }
]

/** Finds a supported role by display name (any case) or template id. */
export function findDirectoryRole(nameOrId: string): DirectoryRole | undefined {
  const wanted = nameOrId.trim().toLowerCase()
  return SUPPORTED_DIRECTORY_ROLES.find(
    role => role.displayName.toLowerCase() === wanted || role.templateId === wanted
  )
}

/**
 * Marks the key credentials this action created, so it can prune them once expired and
 * never touch anyone else's; since issue 21 followed by the secret set (key-credentials.ts).
 * Graph keeps `displayName` (≤ 90 chars) on a keyCredential.
 */
export const ACTION_KEY_DISPLAY_NAME_PREFIX = 'exo-cba-action'
