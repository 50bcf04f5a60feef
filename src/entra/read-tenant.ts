/**
 * Reads what the tenant has now, in as few round trips as Graph allows: one `$batch`
 * for the app and its federated credentials, Exchange Online's service principal (and, for `connect-ippssession`,
 * Exchange Online Protection's), the organization and, when the preflight needs them, the
 * provisioning identity's own owned objects and role assignments; one for the
 * app's service principal; one for its grants and roles. The result is plain data for
 * the planner and the preflight. A read Graph refuses (403) is recorded, not thrown, so the
 * preflight can name it together with everything else the identity lacks.
 */
import { UserError } from '../errors.js'
import { GraphRequestError, type Graph, type GraphResult } from './graph.js'
import type { FederatedCredential } from './federated-credentials.js'
import { uniqueNameFor } from './plan.js'
import type {
  AppRoleAssignment,
  AppState,
  DirectoryRoleAssignment,
  ExchangeOnlineServicePrincipal,
  ProvisioningIdentityState,
  RefusedRead,
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
  /** The provisioning identity's own entries the preflight needs (see preflight.ts, identityReadsFor). */
  identity?: { servicePrincipalId: string; ownedObjects: boolean; roleAssignments: boolean }
}

/** Owned objects come back 100 to a page unless asked for more; Graph allows up to 999. */
const OWNED_OBJECTS_PAGE = 999

/**
 * `key` comes back only when keyCredentials is asked for by name (FACTS.md). createdDateTime
 * tells apply whether the app may still be replicating (a concurrent run made it moments ago).
 */
export const APP_SELECT = '$select=id,appId,displayName,uniqueName,signInAudience,requiredResourceAccess,keyCredentials,createdDateTime'

export async function readTenant(graph: Graph, query: TenantQuery): Promise<TenantState> {
  const uniqueName = uniqueNameFor(query.appName)
  const identity = query.identity
  // The app's key as the first read addresses it; its federated credentials ride along, in
  // both modes (with credential: certificate, this action's own are removed), at no extra
  // round trip. For an app that does not exist yet the read answers 404: nothing to read.
  const appKey = query.appId !== undefined ? `appId='${query.appId}'` : `uniqueName='${uniqueName}'`
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
    ...(query.needInitialDomain ? [{ id: 'org', method: 'GET' as const, path: '/organization?$select=id,verifiedDomains' }] : []),
    ...(identity?.ownedObjects === true
      ? [{ id: 'owned', method: 'GET' as const, path: `/servicePrincipals/${identity.servicePrincipalId}/ownedObjects?$select=id&$top=${OWNED_OBJECTS_PAGE}` }]
      : []),
    ...(identity?.roleAssignments === true ? [ownRoleAssignmentsRequest(identity.servicePrincipalId)] : []),
    { id: 'fic', method: 'GET', path: `/applications(${appKey})/federatedIdentityCredentials` }
  ])

  const refusedReads: RefusedRead[] = []
  const refused = (result: GraphResult | GraphRequestError | undefined, capability: RefusedRead['capability'], task: string): boolean => {
    if (!(result instanceof GraphRequestError) || result.status !== 403) return false
    if (!refusedReads.some(read => read.request === `${result.method} ${result.path}`)) {
      refusedReads.push({ capability, request: `${result.method} ${result.path}`, task })
    }
    return true
  }
  const appReads = ['app', 'byName', 'sp', 'exchange', 'protection'].filter(id => refused(first.get(id), 'read-tenant', 'find the app and the Exchange Online service principal'))
  const orgRefused = query.needInitialDomain && refused(first.get('org'), 'read-organization', "discover the tenant's initial domain (or pass 'organization')")
  const provisioningIdentity = identity === undefined ? undefined : await readIdentity(graph, first, identity)
  const initialDomain = query.needInitialDomain && !orgRefused ? readInitialDomain(required(first.get('org'))) : undefined
  if (appReads.length > 0) {
    // Without the app and Exchange Online nothing can be planned: the preflight reports it.
    return { appRoleAssignments: [], directoryRoleAssignments: [], initialDomain, refusedReads, ...(provisioningIdentity === undefined ? {} : { provisioningIdentity }) }
  }

  const found = findApp(first, query)
  const exchangeOnline = optional(first.get('exchange'), toExchange)
  const exchangeProtection = query.securityAndCompliance ? optional(first.get('protection'), toExchange) : undefined

  let app = found
  let servicePrincipal: ServicePrincipalState | undefined
  if (found !== undefined) {
    // An app found by display name was not addressed by the first read's key: its federated
    // credentials come with its service principal.
    const ficLater = found.foundBy === 'display-name'
    const second =
      query.appId !== undefined
        ? first
        : await graph.batch([spRequest(found.appId), ...(ficLater ? [{ id: 'fic', method: 'GET' as const, path: `/applications/${found.objectId}/federatedIdentityCredentials` }] : [])])
    const sp = second.get('sp')
    if (!refused(sp, 'read-tenant', "read the app's service principal")) servicePrincipal = optional(sp, toServicePrincipal)
    const fic = (ficLater ? second : first).get('fic')
    if (!refused(fic, 'read-tenant', "read the app's federated credentials")) {
      app = { ...found, federatedCredentials: list<FederatedCredential>(required(fic)).map(toFederatedCredential) }
    }
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
    const grants = assignments.get('grants')
    const roles = assignments.get('roles')
    if (!refused(grants, 'read-tenant', "read the app's granted permissions")) appRoleAssignments = list<AppRoleAssignment>(required(grants))
    if (!refused(roles, 'read-tenant', "read the app's directory roles")) directoryRoleAssignments = list<DirectoryRoleAssignment>(required(roles))
  }

  return {
    app,
    servicePrincipal,
    exchangeOnline,
    ...(exchangeProtection === undefined ? {} : { exchangeProtection }),
    appRoleAssignments,
    directoryRoleAssignments,
    initialDomain,
    refusedReads,
    ...(provisioningIdentity === undefined ? {} : { provisioningIdentity })
  }
}

/** The identity's own role assignments, every scope: custom and scoped roles are what its token cannot show. */
function ownRoleAssignmentsRequest(servicePrincipalId: string): { id: string; method: 'GET'; path: string } {
  return {
    id: 'ownRoles',
    method: 'GET',
    path: `/roleManagement/directory/roleAssignments?$filter=${filter(`principalId eq '${servicePrincipalId}'`)}&$select=roleDefinitionId,directoryScopeId`
  }
}

/**
 * The provisioning identity's owned objects and role assignments, as far as Graph lets it read
 * them: a refused or failed read leaves that part unknown (the preflight then cannot be sure,
 * and says so), it never stops the run.
 */
async function readIdentity(
  graph: Graph,
  first: Map<string, GraphResult | GraphRequestError>,
  identity: NonNullable<TenantQuery['identity']>
): Promise<ProvisioningIdentityState> {
  const state: ProvisioningIdentityState = {}
  const owned = first.get('owned')
  if (identity.ownedObjects && owned !== undefined && !(owned instanceof GraphRequestError)) {
    const ids = list<{ id: string }>(owned.body).map(object => object.id)
    // More than one page of owned objects is rare; follow it rather than guess.
    let next = nextLink(owned.body)
    while (next !== undefined) {
      const page = await graph.call({ method: 'GET', path: next })
      ids.push(...list<{ id: string }>(page.body).map(object => object.id))
      next = nextLink(page.body)
    }
    state.ownedObjectIds = ids
  }
  const roles = first.get('ownRoles')
  if (identity.roleAssignments && roles !== undefined && !(roles instanceof GraphRequestError)) {
    state.roleAssignments = list<DirectoryRoleAssignment>(roles.body)
  }
  return state
}

/** A page's `@odata.nextLink`, relative to the version root as Graph.call takes paths. */
function nextLink(body: unknown): string | undefined {
  const link = (body as { '@odata.nextLink'?: unknown } | undefined)?.['@odata.nextLink']
  if (typeof link !== 'string') return undefined
  const url = new URL(link)
  return `${url.pathname.replace(/^.*?\/v1\.0(?=\/)/, '')}${url.search}`
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
  createdDateTime?: string | null
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
    createdDateTime: app.createdDateTime ?? null,
    foundBy
  }
}

function toFederatedCredential(credential: FederatedCredential): FederatedCredential {
  return {
    id: credential.id,
    name: credential.name,
    issuer: credential.issuer,
    subject: credential.subject,
    audiences: credential.audiences ?? [],
    description: credential.description ?? null
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
