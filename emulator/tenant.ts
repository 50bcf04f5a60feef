/**
 * The emulated tenant's directory: applications, service principals, app role
 * assignments, directory role assignments and the organization. Every object records
 * when it becomes visible to reads (replication lag): writes always see it, reads and
 * references do not until then — as in Entra, where a read may hit a replica that has
 * not caught up yet.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { parseCertificate, pemToBase64Der } from './x509.js'
import {
  AZURE_SERVICE_MANAGEMENT,
  BUILT_IN_DIRECTORY_ROLES,
  DEFAULT_APP_WID,
  DEFAULT_PROVISIONING_GRAPH_PERMISSIONS,
  EXCHANGE_ONLINE,
  EXCHANGE_ONLINE_PROTECTION,
  MICROSOFT_GRAPH,
  type SeedAppRole
} from './seed-data.js'

export type LagKind =
  | 'applications'
  | 'servicePrincipals'
  | 'appRoleAssignments'
  | 'roleAssignments'
  | 'keyCredentials'
  | 'federatedIdentityCredentials'

export const LAG_KINDS: readonly LagKind[] = [
  'applications', 'servicePrincipals', 'appRoleAssignments', 'roleAssignments', 'keyCredentials', 'federatedIdentityCredentials'
]

interface Replicated {
  /** Epoch ms from which reads and references see the object. */
  visibleAt: number
}

export interface KeyCredentialRecord extends Replicated {
  keyId: string
  type: string
  usage: string
  /** base64 DER certificate. */
  key: string
  displayName: string | null
  customKeyIdentifier: string | null
  startDateTime: string
  endDateTime: string
}

export interface PasswordCredentialRecord {
  keyId: string
  displayName: string | null
  hint: string
  /** Kept to check client_secret sign-ins; never returned by Graph nor dumped. */
  secretText: string
  startDateTime: string
  endDateTime: string
}

export interface FederatedCredentialRecord extends Replicated {
  id: string
  name: string
  issuer: string
  subject: string
  audiences: string[]
  description: string | null
}

export interface RequiredResourceAccess {
  resourceAppId: string
  resourceAccess: Array<{ id: string; type: string }>
}

export interface ApplicationRecord extends Replicated {
  id: string
  appId: string
  displayName: string
  uniqueName: string | null
  description: string | null
  notes: string | null
  signInAudience: string
  tags: string[]
  identifierUris: string[]
  requiredResourceAccess: RequiredResourceAccess[]
  keyCredentials: KeyCredentialRecord[]
  passwordCredentials: PasswordCredentialRecord[]
  federatedIdentityCredentials: FederatedCredentialRecord[]
  /** Directory object ids of the owners (service principals here). */
  owners: string[]
  createdDateTime: string
  publisherDomain: string
  /** Other writable properties (web, api, info, …) kept as sent. */
  extra: Record<string, unknown>
}

export interface AppRole {
  id: string
  value: string
  displayName: string
  description: string
  allowedMemberTypes: string[]
  isEnabled: boolean
  origin: string
}

export interface ServicePrincipalRecord extends Replicated {
  id: string
  appId: string
  displayName: string
  appRoles: AppRole[]
  servicePrincipalNames: string[]
  servicePrincipalType: string
  accountEnabled: boolean
  appOwnerOrganizationId: string
  tags: string[]
  owners: string[]
  createdDateTime: string
  /** Other writable properties (notes, loginUrl, …) kept as sent. */
  extra: Record<string, unknown>
}

export interface AppRoleAssignmentRecord extends Replicated {
  id: string
  appRoleId: string
  principalId: string
  principalType: string
  principalDisplayName: string
  resourceId: string
  resourceDisplayName: string
  createdDateTime: string
}

export interface RoleDefinitionRecord {
  id: string
  templateId: string
  displayName: string
  description: string
  isBuiltIn: boolean
  isEnabled: boolean
  /** A custom role's permissions (`rolePermissions[].allowedResourceActions`); empty for built-in roles (the emulator knows those by template id). */
  allowedResourceActions: string[]
}

/** A custom directory role (Entra ID P1): a name and the resource actions it allows. */
export interface CustomDirectoryRole {
  displayName: string
  /** e.g. `microsoft.directory/applications/credentials/update`. */
  allowedResourceActions: string[]
}

export interface RoleAssignmentRecord extends Replicated {
  id: string
  principalId: string
  roleDefinitionId: string
  directoryScopeId: string
}

export interface VerifiedDomain {
  name: string
  type: string
  capabilities: string
  isDefault: boolean
  isInitial: boolean
}

/** An app that already exists when the emulator starts, e.g. one made by hand in the portal. */
export interface SeedApplication {
  displayName: string
  uniqueName?: string
  appId?: string
  /** Certificates (PEM or base64 DER) registered as keyCredentials. */
  certificates?: string[]
  clientSecret?: string
  /** Federated identity credentials (issuer defaults to the emulator's OIDC issuer). */
  federatedCredentials?: Array<{ subject: string; issuer?: string; audiences?: string[]; name?: string; description?: string }>
  /** Create its service principal (default true). */
  servicePrincipal?: boolean
  /** Graph app roles granted (admin consent) to its service principal, by value. */
  graphPermissions?: string[]
  /** Grant Exchange.ManageAsApp to its service principal. */
  exchangeManageAsApp?: boolean
  /** Grant Exchange.ManageAsApp of Microsoft Exchange Online Protection (Security & Compliance) to its service principal. */
  exchangeProtectionManageAsApp?: boolean
  /** Directory roles (display name or template id) assigned to its service principal. */
  directoryRoles?: string[]
  /** Object ids of owners. */
  owners?: string[]
  requiredResourceAccess?: RequiredResourceAccess[]
}

export interface TenantOptions {
  tenantId?: string
  /** Custom directory roles, assignable by display name like the built-in ones. */
  customDirectoryRoles?: CustomDirectoryRole[]
  displayName?: string
  /** The `*.onmicrosoft.com` initial domain (default `contoso.onmicrosoft.com`). */
  initialDomain?: string
  /** A custom verified domain that is the default one (default `contoso.com`; null for none). */
  defaultDomain?: string | null
}

export interface ProvisioningOptions {
  displayName?: string
  /** Graph app roles (values) granted to the provisioning identity; default: the five the action needs. */
  graphPermissions?: string[]
  /** Directory roles assigned to the provisioning identity (display names or template ids). */
  directoryRoles?: string[]
  clientSecret?: string
  /** Subject of its federated identity credential (default repo:octo/demo:ref:refs/heads/main). */
  federatedSubject?: string
  federatedAudience?: string
  /** Certificates (PEM or base64 DER) of the provisioning identity. */
  certificates?: string[]
}

/** How to sign in as the provisioning identity. */
export interface ProvisioningIdentity {
  appId: string
  objectId: string
  servicePrincipalId: string
  clientSecret: string
  federatedSubject: string
  federatedAudience: string
}

export const DEFAULT_FEDERATED_SUBJECT = 'repo:octo/demo:ref:refs/heads/main'
export const DEFAULT_FEDERATED_AUDIENCE = 'api://AzureADTokenExchange'

export class Tenant {
  readonly tenantId: string
  readonly displayName: string
  readonly verifiedDomains: VerifiedDomain[]
  readonly applications = new Map<string, ApplicationRecord>()
  readonly servicePrincipals = new Map<string, ServicePrincipalRecord>()
  readonly appRoleAssignments: AppRoleAssignmentRecord[] = []
  readonly roleDefinitions: RoleDefinitionRecord[]
  readonly roleAssignments: RoleAssignmentRecord[] = []
  readonly provisioning: ProvisioningIdentity
  readonly graphServicePrincipal: ServicePrincipalRecord
  readonly exchangeServicePrincipal: ServicePrincipalRecord
  /** "Microsoft Exchange Online Protection" (Security & Compliance PowerShell's resource). */
  readonly exchangeProtectionServicePrincipal: ServicePrincipalRecord
  /** "Windows Azure Service Management API" (the resource of Azure Resource Manager tokens). */
  readonly azureServiceManagementServicePrincipal: ServicePrincipalRecord

  constructor(
    options: {
      tenant?: TenantOptions
      provisioning?: ProvisioningOptions
      apps?: SeedApplication[]
      oidcIssuer: string
      /**
       * The emulated Graph's own origin, one more name of Microsoft Graph (as
       * https://canary.graph.microsoft.com is one): a client whose cloud names the Graph
       * endpoint as the Graph resource (the Azure CLI does) gets Graph tokens for it.
       */
      graphOrigin?: string
    },
    private readonly lagFor: (kind: LagKind) => number = () => 0
  ) {
    const t = options.tenant ?? {}
    this.tenantId = t.tenantId ?? randomUUID()
    this.displayName = t.displayName ?? 'Contoso'
    const initial = t.initialDomain ?? 'contoso.onmicrosoft.com'
    const custom = t.defaultDomain === undefined ? 'contoso.com' : t.defaultDomain
    this.verifiedDomains = [
      { name: initial, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnlineService', isDefault: !custom, isInitial: true }
    ]
    if (custom) this.verifiedDomains.push({ name: custom, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnlineService', isDefault: true, isInitial: false })
    this.roleDefinitions = BUILT_IN_DIRECTORY_ROLES.map(role => ({
      id: role.templateId, templateId: role.templateId, displayName: role.displayName, description: role.description, isBuiltIn: true, isEnabled: true, allowedResourceActions: []
    }))
    for (const custom of t.customDirectoryRoles ?? []) {
      const id = randomUUID()
      this.roleDefinitions.push({
        id, templateId: id, displayName: custom.displayName, description: custom.displayName, isBuiltIn: false, isEnabled: true,
        allowedResourceActions: [...custom.allowedResourceActions]
      })
    }

    const graphUris = options.graphOrigin ? [...MICROSOFT_GRAPH.resourceUris, options.graphOrigin] : MICROSOFT_GRAPH.resourceUris
    this.graphServicePrincipal = this.seedFirstPartyServicePrincipal({ ...MICROSOFT_GRAPH, resourceUris: graphUris })
    this.exchangeServicePrincipal = this.seedFirstPartyServicePrincipal(EXCHANGE_ONLINE)
    this.exchangeProtectionServicePrincipal = this.seedFirstPartyServicePrincipal(EXCHANGE_ONLINE_PROTECTION)
    this.azureServiceManagementServicePrincipal = this.seedFirstPartyServicePrincipal(AZURE_SERVICE_MANAGEMENT)

    const p = options.provisioning ?? {}
    const federatedSubject = p.federatedSubject ?? DEFAULT_FEDERATED_SUBJECT
    const federatedAudience = p.federatedAudience ?? DEFAULT_FEDERATED_AUDIENCE
    const clientSecret = p.clientSecret ?? `emu~${randomBytes(24).toString('base64url')}`
    const { app, sp } = this.seedApplication({
      displayName: p.displayName ?? 'exo-cba provisioning',
      clientSecret,
      certificates: p.certificates,
      federatedCredentials: [{ subject: federatedSubject, audiences: [federatedAudience], issuer: options.oidcIssuer, name: 'github-actions' }],
      graphPermissions: p.graphPermissions ?? DEFAULT_PROVISIONING_GRAPH_PERMISSIONS,
      directoryRoles: p.directoryRoles
    }, options.oidcIssuer)
    this.provisioning = {
      appId: app.appId, objectId: app.id, servicePrincipalId: sp!.id, clientSecret, federatedSubject, federatedAudience
    }
    for (const seed of options.apps ?? []) this.seedApplication(seed, options.oidcIssuer)
  }

  // ---- visibility ----------------------------------------------------------------

  isVisible(record: Replicated): boolean {
    return Date.now() >= record.visibleAt
  }

  visibleFrom(kind: LagKind): number {
    return Date.now() + Math.max(0, this.lagFor(kind))
  }

  // ---- tenant and domains --------------------------------------------------------

  /** True for the tenant id or any verified domain (any case). */
  isThisTenant(idOrDomain: string): boolean {
    const wanted = idOrDomain.toLowerCase()
    return wanted === this.tenantId || this.verifiedDomains.some(d => d.name.toLowerCase() === wanted)
  }

  get initialDomain(): string {
    return this.verifiedDomains.find(d => d.isInitial)!.name
  }

  // ---- lookups (reads see only visible objects unless asked) ----------------------

  applicationById(id: string, includeHidden = false): ApplicationRecord | undefined {
    const app = this.applications.get(id)
    return app && (includeHidden || this.isVisible(app)) ? app : undefined
  }

  applicationByAppId(appId: string, includeHidden = false): ApplicationRecord | undefined {
    for (const app of this.applications.values()) {
      if (app.appId === appId && (includeHidden || this.isVisible(app))) return app
    }
    return undefined
  }

  applicationByUniqueName(uniqueName: string, includeHidden = false): ApplicationRecord | undefined {
    const wanted = uniqueName.toLowerCase()
    for (const app of this.applications.values()) {
      if (app.uniqueName?.toLowerCase() === wanted && (includeHidden || this.isVisible(app))) return app
    }
    return undefined
  }

  servicePrincipalById(id: string, includeHidden = false): ServicePrincipalRecord | undefined {
    const sp = this.servicePrincipals.get(id)
    return sp && (includeHidden || this.isVisible(sp)) ? sp : undefined
  }

  servicePrincipalByAppId(appId: string, includeHidden = false): ServicePrincipalRecord | undefined {
    for (const sp of this.servicePrincipals.values()) {
      if (sp.appId === appId && (includeHidden || this.isVisible(sp))) return sp
    }
    return undefined
  }

  /** The resource a token is asked for: by servicePrincipalName (URI) or appId. */
  resourceServicePrincipal(resource: string): ServicePrincipalRecord | undefined {
    const wanted = resource.replace(/\/+$/, '').toLowerCase()
    for (const sp of this.servicePrincipals.values()) {
      if (!this.isVisible(sp)) continue
      if (sp.appId === wanted || sp.servicePrincipalNames.some(n => n.replace(/\/+$/, '').toLowerCase() === wanted)) return sp
    }
    return undefined
  }

  roleDefinition(idOrTemplateIdOrName: string): RoleDefinitionRecord | undefined {
    const wanted = idOrTemplateIdOrName.toLowerCase()
    return this.roleDefinitions.find(r => r.id === wanted || r.templateId === wanted || r.displayName.toLowerCase() === wanted)
  }

  // ---- what a token carries -------------------------------------------------------

  /** Values of the app roles granted to `principalId` on `resource` (visible grants only). */
  grantedRoleValues(principalId: string, resource: ServicePrincipalRecord): string[] {
    const values = new Set<string>()
    for (const a of this.appRoleAssignments) {
      if (a.principalId !== principalId || a.resourceId !== resource.id || !this.isVisible(a)) continue
      const role = resource.appRoles.find(r => r.id === a.appRoleId && r.isEnabled)
      if (role) values.add(role.value)
    }
    return [...values]
  }

  /**
   * A token's `wids`: template ids of the built-in directory roles assigned to `principalId` over
   * the whole directory, plus the default app wid. Custom roles and roles scoped to an
   * administrative unit or an app never appear there (Entra's access token reference: "roles
   * present in Microsoft Entra built-in roles").
   */
  directoryRoleTemplateIds(principalId: string): string[] {
    const wids = new Set<string>()
    for (const a of this.roleAssignments) {
      if (a.principalId !== principalId || !this.isVisible(a) || a.directoryScopeId !== '/') continue
      const def = this.roleDefinition(a.roleDefinitionId)
      if (def?.isBuiltIn) wids.add(def.templateId)
    }
    wids.add(DEFAULT_APP_WID)
    return [...wids]
  }

  /** The directory roles `principalId` holds now (replicated assignments), with their scopes: Graph authorizes by them. */
  directoryRolesOf(principalId: string): Array<{ role: RoleDefinitionRecord; directoryScopeId: string }> {
    return this.roleAssignments.flatMap(a => {
      if (a.principalId !== principalId || !this.isVisible(a)) return []
      const role = this.roleDefinition(a.roleDefinitionId)
      return role?.isEnabled ? [{ role, directoryScopeId: a.directoryScopeId }] : []
    })
  }

  // ---- writes ---------------------------------------------------------------------

  createApplication(input: {
    displayName: string
    uniqueName?: string | null
    appId?: string
    signInAudience?: string
    owners?: string[]
    visibleAt?: number
  }): ApplicationRecord {
    const app: ApplicationRecord = {
      id: randomUUID(),
      appId: input.appId ?? randomUUID(),
      displayName: input.displayName,
      uniqueName: input.uniqueName ?? null,
      description: null,
      notes: null,
      signInAudience: input.signInAudience ?? 'AzureADMyOrg',
      tags: [],
      identifierUris: [],
      requiredResourceAccess: [],
      keyCredentials: [],
      passwordCredentials: [],
      federatedIdentityCredentials: [],
      owners: [...(input.owners ?? [])],
      createdDateTime: isoSeconds(new Date()),
      publisherDomain: this.verifiedDomains.find(d => d.isDefault)!.name,
      extra: {},
      visibleAt: input.visibleAt ?? this.visibleFrom('applications')
    }
    this.applications.set(app.id, app)
    return app
  }

  createServicePrincipal(app: ApplicationRecord, owners: string[] = [], visibleAt?: number): ServicePrincipalRecord {
    const sp: ServicePrincipalRecord = {
      id: randomUUID(),
      appId: app.appId,
      displayName: app.displayName,
      appRoles: [],
      servicePrincipalNames: [app.appId, ...app.identifierUris],
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appOwnerOrganizationId: this.tenantId,
      tags: [],
      owners: [...owners],
      createdDateTime: isoSeconds(new Date()),
      extra: {},
      visibleAt: visibleAt ?? this.visibleFrom('servicePrincipals')
    }
    this.servicePrincipals.set(sp.id, sp)
    return sp
  }

  /** Admin consent of one application permission. Duplicates are the caller's concern. */
  grantAppRole(principal: ServicePrincipalRecord, resource: ServicePrincipalRecord, appRoleId: string, visibleAt?: number): AppRoleAssignmentRecord {
    const assignment: AppRoleAssignmentRecord = {
      id: randomBytes(32).toString('base64url').slice(0, 43),
      appRoleId,
      principalId: principal.id,
      principalType: 'ServicePrincipal',
      principalDisplayName: principal.displayName,
      resourceId: resource.id,
      resourceDisplayName: resource.displayName,
      createdDateTime: new Date().toISOString(),
      visibleAt: visibleAt ?? this.visibleFrom('appRoleAssignments')
    }
    this.appRoleAssignments.push(assignment)
    return assignment
  }

  assignDirectoryRole(principalId: string, role: RoleDefinitionRecord, directoryScopeId = '/', visibleAt?: number): RoleAssignmentRecord {
    const assignment: RoleAssignmentRecord = {
      id: `${randomBytes(32).toString('base64url').slice(0, 43)}-1`,
      principalId,
      roleDefinitionId: role.id,
      directoryScopeId,
      visibleAt: visibleAt ?? this.visibleFrom('roleAssignments')
    }
    this.roleAssignments.push(assignment)
    return assignment
  }

  /** A keyCredential for a certificate (base64 DER), dated from the certificate. */
  keyCredentialFromCertificate(key: string, options: { displayName?: string | null; keyId?: string; visibleAt?: number } = {}): KeyCredentialRecord {
    const cert = parseCertificate(key)
    if (!cert) throw new Error('Not an X.509 certificate')
    return {
      keyId: options.keyId ?? randomUUID(),
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key,
      displayName: options.displayName ?? `CN=${cert.subject.split('\n').find(l => l.startsWith('CN='))?.slice(3) ?? 'certificate'}`,
      customKeyIdentifier: cert.thumbprintSha1,
      startDateTime: cert.notBefore.toISOString(),
      endDateTime: cert.notAfter.toISOString(),
      visibleAt: options.visibleAt ?? this.visibleFrom('keyCredentials')
    }
  }

  /** Adds an app as if made by hand (portal, az CLI) before the run: no replication lag. */
  seedApplication(seed: SeedApplication, oidcIssuer: string): { app: ApplicationRecord; sp?: ServicePrincipalRecord } {
    const app = this.createApplication({ displayName: seed.displayName, uniqueName: seed.uniqueName, appId: seed.appId, owners: seed.owners, visibleAt: 0 })
    if (seed.requiredResourceAccess) app.requiredResourceAccess = structuredClone(seed.requiredResourceAccess)
    for (const cert of seed.certificates ?? []) {
      const key = cert.includes('BEGIN CERTIFICATE') ? pemToBase64Der(cert) : cert
      app.keyCredentials.push(this.keyCredentialFromCertificate(key, { visibleAt: 0 }))
    }
    if (seed.clientSecret) {
      const now = new Date()
      app.passwordCredentials.push({
        keyId: randomUUID(),
        displayName: 'seeded secret',
        hint: seed.clientSecret.slice(0, 3),
        secretText: seed.clientSecret,
        startDateTime: now.toISOString(),
        endDateTime: new Date(now.getTime() + 180 * 24 * 3600 * 1000).toISOString()
      })
    }
    for (const [i, fic] of (seed.federatedCredentials ?? []).entries()) {
      app.federatedIdentityCredentials.push({
        id: randomUUID(),
        name: fic.name ?? `federated-${i + 1}`,
        issuer: fic.issuer ?? oidcIssuer,
        subject: fic.subject,
        audiences: fic.audiences ?? [DEFAULT_FEDERATED_AUDIENCE],
        description: fic.description ?? null,
        visibleAt: 0
      })
    }
    if (seed.servicePrincipal === false) return { app }
    const sp = this.createServicePrincipal(app, [], 0)
    for (const value of seed.graphPermissions ?? []) {
      const role = this.graphServicePrincipal.appRoles.find(r => r.value === value)
      if (!role) throw new Error(`Unknown Microsoft Graph app role '${value}' in the emulator seed`)
      this.grantAppRole(sp, this.graphServicePrincipal, role.id, 0)
    }
    if (seed.exchangeManageAsApp) {
      this.grantAppRole(sp, this.exchangeServicePrincipal, EXCHANGE_ONLINE.appRoles[0].id, 0)
    }
    if (seed.exchangeProtectionManageAsApp) {
      const role = EXCHANGE_ONLINE_PROTECTION.appRoles.find(r => r.value === 'Exchange.ManageAsApp')!
      this.grantAppRole(sp, this.exchangeProtectionServicePrincipal, role.id, 0)
    }
    for (const name of seed.directoryRoles ?? []) {
      const role = this.roleDefinition(name)
      if (!role) throw new Error(`Unknown directory role '${name}' in the emulator seed`)
      this.assignDirectoryRole(sp.id, role, '/', 0)
    }
    return { app, sp }
  }

  private seedFirstPartyServicePrincipal(seed: { appId: string; displayName: string; resourceUris: string[]; appRoles: SeedAppRole[] }): ServicePrincipalRecord {
    const sp: ServicePrincipalRecord = {
      id: randomUUID(),
      appId: seed.appId,
      displayName: seed.displayName,
      appRoles: seed.appRoles.map(r => ({
        id: r.id, value: r.value, displayName: r.displayName, description: r.displayName,
        allowedMemberTypes: ['Application'], isEnabled: true, origin: 'Application'
      })),
      servicePrincipalNames: [seed.appId, ...seed.resourceUris],
      servicePrincipalType: 'Application',
      accountEnabled: true,
      // First-party apps live in Microsoft's own tenant.
      appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
      tags: [],
      owners: [],
      createdDateTime: isoSeconds(new Date(Date.now() - 365 * 24 * 3600 * 1000)),
      extra: {},
      visibleAt: 0
    }
    this.servicePrincipals.set(sp.id, sp)
    return sp
  }

  // ---- control (tests) ------------------------------------------------------------

  /**
   * Moves a key credential's end date, e.g. to make a certificate "expire in 5 days" and
   * test rotation. `app` is the appId or object id; `key` the keyId or SHA-1 thumbprint.
   */
  setKeyCredentialEndDate(app: string, key: string, endDateTime: Date): KeyCredentialRecord {
    const record = this.applications.get(app) ?? this.applicationByAppId(app, true)
    if (!record) throw new Error(`No application with id or appId '${app}'`)
    const wanted = key.toUpperCase()
    const credential = record.keyCredentials.find(k => k.keyId.toUpperCase() === wanted || parseCertificate(k.key)?.thumbprintSha1 === wanted)
    if (!credential) throw new Error(`Application '${app}' has no key credential '${key}'`)
    credential.endDateTime = endDateTime.toISOString()
    return credential
  }

  /** A JSON snapshot of the directory for debugging and assertions; secrets are left out. */
  dump(): TenantDump {
    const strip = <T extends Replicated>(r: T) => ({ ...r, visible: this.isVisible(r) })
    return {
      tenantId: this.tenantId,
      displayName: this.displayName,
      verifiedDomains: structuredClone(this.verifiedDomains),
      applications: [...this.applications.values()].map(app => ({
        ...strip(app),
        keyCredentials: app.keyCredentials.map(k => ({ ...strip(k), thumbprint: parseCertificate(k.key)?.thumbprintSha1 ?? null })),
        passwordCredentials: app.passwordCredentials.map(({ secretText: _secret, ...rest }) => rest),
        federatedIdentityCredentials: app.federatedIdentityCredentials.map(strip)
      })),
      servicePrincipals: [...this.servicePrincipals.values()].map(strip),
      appRoleAssignments: this.appRoleAssignments.map(strip),
      roleAssignments: this.roleAssignments.map(strip),
      roleDefinitions: structuredClone(this.roleDefinitions)
    }
  }
}

export interface TenantDump {
  tenantId: string
  displayName: string
  verifiedDomains: VerifiedDomain[]
  applications: unknown[]
  servicePrincipals: unknown[]
  appRoleAssignments: unknown[]
  roleAssignments: unknown[]
  roleDefinitions: RoleDefinitionRecord[]
}

/** Graph's date-time format for createdDateTime: ISO 8601 without fractional seconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
