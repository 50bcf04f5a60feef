/**
 * Reads what the tenant has now, in as few round trips as Graph allows: one `$batch`
 * for the app, Exchange Online's service principal (and, for `connect-ippssession`,
 * Exchange Online Protection's) and the organization; one for the
 * app's service principal; one for its grants and roles. The result is plain data for
 * the planner.
 */
import { UserError } from '../errors.js'
import { GraphRequestError, type Graph, type GraphResult } from './graph.js'
import { uniqueNameFor } from './plan.js'
import type {
  AppRoleAssignment,
  AppState,
  DirectoryRoleAssignment,
  ExchangeOnlineServicePrincipal,
  ServicePrincipalState,
  TenantState
} from './tenant-state.js'
import { EXCHANGE_ONLINE_APP_ID, EXCHANGE_ONLINE_PROTECTION_APP_ID } from './well-known.js'

export interface TenantQuery {
  appId?: string
  appName: string
  /** Read the organization's initial domain (when `organization` was not given). */
  needInitialDomain: boolean
  /** Also read Microsoft Exchange Online Protection's service principal (`connect-ippssession: true`). */
  securityAndCompliance: boolean
}

/** `key` comes back only when keyCredentials is asked for by name (FACTS.md). */
export const APP_SELECT = '$select=id,appId,displayName,uniqueName,signInAudience,requiredResourceAccess,keyCredentials'

export async function readTenant(graph: Graph, query: TenantQuery): Promise<TenantState> {
  const uniqueName = uniqueNameFor(query.appName)
  const first = await graph.batch([
    query.appId !== undefined
      ? { id: 'app', method: 'GET', path: `/applications(appId='${query.appId}')?${APP_SELECT}` }
      : { id: 'app', method: 'GET', path: `/applications(uniqueName='${uniqueName}')?${APP_SELECT}` },
    // Apps made in the portal have no uniqueName: find them by display name.
    ...(query.appId === undefined
      ? [{ id: 'byName', method: 'GET' as const, path: `/applications?$filter=${filter(`displayName eq '${odataString(query.appName)}'`)}&${APP_SELECT}` }]
      : []),
    ...(query.appId !== undefined
      ? [{ id: 'sp', method: 'GET' as const, path: `/servicePrincipals(appId='${query.appId}')?$select=id,appId` }]
      : []),
    { id: 'exchange', method: 'GET', path: `/servicePrincipals(appId='${EXCHANGE_ONLINE_APP_ID}')?$select=id,appRoles` },
    ...(query.securityAndCompliance
      ? [{ id: 'protection', method: 'GET' as const, path: `/servicePrincipals(appId='${EXCHANGE_ONLINE_PROTECTION_APP_ID}')?$select=id,appRoles` }]
      : []),
    ...(query.needInitialDomain ? [{ id: 'org', method: 'GET' as const, path: '/organization?$select=id,verifiedDomains' }] : [])
  ])

  const app = findApp(first, query)
  const exchangeOnline = optional(first.get('exchange'), toExchange)
  const exchangeProtection = query.securityAndCompliance ? optional(first.get('protection'), toExchange) : undefined
  const initialDomain = query.needInitialDomain ? readInitialDomain(required(first.get('org'))) : undefined

  let servicePrincipal: ServicePrincipalState | undefined
  if (app !== undefined) {
    servicePrincipal =
      query.appId !== undefined
        ? optional(first.get('sp'), toServicePrincipal)
        : optional((await graph.batch([spRequest(app.appId)])).get('sp'), toServicePrincipal)
  }

  let appRoleAssignments: AppRoleAssignment[] = []
  let directoryRoleAssignments: DirectoryRoleAssignment[] = []
  if (servicePrincipal !== undefined) {
    const assignments = await graph.batch([
      { id: 'grants', method: 'GET', path: `/servicePrincipals/${servicePrincipal.id}/appRoleAssignments?$select=id,resourceId,appRoleId` },
      {
        id: 'roles',
        method: 'GET',
        path: `/roleManagement/directory/roleAssignments?$filter=${filter(`principalId eq '${servicePrincipal.id}'`)}&$select=id,roleDefinitionId,directoryScopeId`
      }
    ])
    appRoleAssignments = list<AppRoleAssignment>(required(assignments.get('grants')))
    directoryRoleAssignments = list<DirectoryRoleAssignment>(required(assignments.get('roles')))
  }

  return {
    app,
    servicePrincipal,
    exchangeOnline,
    ...(exchangeProtection === undefined ? {} : { exchangeProtection }),
    appRoleAssignments,
    directoryRoleAssignments,
    initialDomain
  }
}

/** Reads the app's key credentials afresh, with their certificates (for a replace-write). */
export async function readKeyCredentials(graph: Graph, appObjectId: string, newObject = false): Promise<AppState['keyCredentials']> {
  const result = await graph.call<{ keyCredentials?: AppState['keyCredentials'] }>({
    method: 'GET',
    path: `/applications/${appObjectId}?$select=id,keyCredentials`,
    newObject
  })
  return result.body.keyCredentials ?? []
}

export function spRequest(appId: string): { id: string; method: 'GET'; path: string } {
  return { id: 'sp', method: 'GET', path: `/servicePrincipals(appId='${appId}')?$select=id,appId` }
}

function findApp(results: Map<string, GraphResult | GraphRequestError>, query: TenantQuery): AppState | undefined {
  const direct = optional(results.get('app'), body => toApp(body, query.appId !== undefined ? 'app-id' : 'unique-name'))
  if (direct !== undefined || query.appId !== undefined) return direct
  const matches = list<GraphApp>(required(results.get('byName')))
  if (matches.length > 1) {
    throw new UserError(
      `${matches.length} apps are named "${query.appName}" (appIds ${matches.map(m => m.appId).join(', ')}). Pass the one to use as 'app-id', or rename or delete the others.`,
      { input: 'app-name' }
    )
  }
  return matches.length === 1 ? toApp(matches[0], 'display-name') : undefined
}

interface GraphApp {
  id: string
  appId: string
  displayName: string
  uniqueName?: string | null
  signInAudience?: string
  requiredResourceAccess?: AppState['requiredResourceAccess']
  keyCredentials?: AppState['keyCredentials']
}

function toApp(body: unknown, foundBy: AppState['foundBy']): AppState {
  const app = body as GraphApp
  return {
    objectId: app.id,
    appId: app.appId,
    displayName: app.displayName,
    uniqueName: app.uniqueName ?? null,
    signInAudience: app.signInAudience ?? 'AzureADMyOrg',
    requiredResourceAccess: app.requiredResourceAccess ?? [],
    keyCredentials: app.keyCredentials ?? [],
    foundBy
  }
}

function toServicePrincipal(body: unknown): ServicePrincipalState {
  const sp = body as { id: string; appId: string }
  return { id: sp.id, appId: sp.appId }
}

function toExchange(body: unknown): ExchangeOnlineServicePrincipal {
  const sp = body as { id: string; appRoles?: ExchangeOnlineServicePrincipal['appRoles'] }
  return { id: sp.id, appRoles: (sp.appRoles ?? []).map(role => ({ id: role.id, value: role.value ?? null })) }
}

function readInitialDomain(body: unknown): string {
  const orgs = list<{ verifiedDomains?: { name: string; isInitial?: boolean }[] }>(body)
  const initial = orgs.flatMap(org => org.verifiedDomains ?? []).find(domain => domain.isInitial)
  if (initial === undefined) {
    throw new UserError("Could not find the tenant's initial *.onmicrosoft.com domain in GET /organization. Pass it as 'organization'.", {
      input: 'organization'
    })
  }
  return initial.name.toLowerCase()
}

/**
 * The body of a successful answer; a 404 means "not there"; anything else is thrown as the
 * GraphRequestError it is (the caller explains it, knowing who signed in).
 */
function optional<T>(result: GraphResult | GraphRequestError | undefined, convert: (body: unknown) => T): T | undefined {
  if (result instanceof GraphRequestError) {
    if (result.status === 404) return undefined
    throw result
  }
  return result === undefined ? undefined : convert(result.body)
}

function required(result: GraphResult | GraphRequestError | undefined): unknown {
  if (result instanceof GraphRequestError) throw result
  if (result === undefined) throw new Error('Graph $batch answer is missing a response')
  return result.body
}

function list<T>(body: unknown): T[] {
  return ((body as { value?: T[] } | undefined)?.value ?? []) as T[]
}

/** A `$filter` expression, URL-encoded (names may hold spaces, `&`, `#`...). */
function filter(expression: string): string {
  return encodeURIComponent(expression)
}

/** An OData string literal's content: a quote is doubled. */
function odataString(value: string): string {
  return value.replace(/'/g, "''")
}
