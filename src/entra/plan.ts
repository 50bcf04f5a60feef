/**
 * Provision mode's planner: desired state vs. the tenant's actual state → the ordered
 * changes that close the gap, Terraform-style. Pure and deterministic: no I/O, the clock
 * is an argument, and the plan is plain JSON-safe data, so the same object prints the
 * dry run, drives apply and fills the job summary.
 */
import { createHash } from 'node:crypto'
import { UserError } from '../errors.js'
import { DAY_MS, daysUntil } from '../certificate/expiry.js'
import type { HeldCertificate } from '../certificate/types.js'
import type { Settings } from '../settings.js'
import {
  planFederatedCredentials,
  type DesiredFederation,
  type FederatedCredential,
  type FederatedCredentialsPlan
} from './federated-credentials.js'
import { earlierFederatedCredentialsOf, secretSetOf, type EarlierVersionScope, type SecretSet } from '../github/secret-set.js'
import type { JobFacts } from '../runner/github-event.js'
import { isActionMadeKeyCredential, keyCredentialHasThumbprint, keyCredentialMaker, keyCredentialThumbprints } from './key-credentials.js'
import type {
  AppState,
  KeyCredential,
  ExchangeOnlineServicePrincipal,
  RequiredResourceAccess,
  TenantState
} from './tenant-state.js'
import {
  EXCHANGE_MANAGE_AS_APP,
  EXCHANGE_MANAGE_AS_APP_ROLE_ID,
  EXCHANGE_ONLINE_APP_ID,
  EXCHANGE_ONLINE_PROTECTION_APP_ID,
  EXCHANGE_ONLINE_PROTECTION_MANAGE_AS_APP_ROLE_ID,
  EXCHANGE_ONLINE_PROTECTION_NAME,
  type DirectoryRole
} from './well-known.js'

export {
  actionKeyDisplayName,
  keyCredentialsWithNew,
  keyCredentialsWithout,
  mergeKeyCredentials
} from './key-credentials.js'

/** The whole directory: the only scope at which a role counts for Exchange Online app-only. */
export const WHOLE_DIRECTORY_SCOPE = '/'

/** Apps are created single-tenant: personal-account audiences get much lower write limits. */
export const SIGN_IN_AUDIENCE = 'AzureADMyOrg'

export interface DesiredState {
  app: {
    /** `app-id`: adopt this existing app; it is never created. */
    id?: string
    /** `app-name`: the display name; the uniqueName is derived from it. */
    name: string
  }
  /** Empty for `roles: none`: no role is assigned and existing assignments are left alone. */
  roles: readonly DirectoryRole[]
  /**
   * `connect-ippssession: true`: also request and grant Exchange.ManageAsApp of Microsoft
   * Exchange Online Protection, which Security & Compliance PowerShell may need (well-known.ts).
   */
  securityAndCompliance: boolean
  certificate: {
    rotateBeforeDays: number
    /** The certificate this run holds (`pfx-base64`), or absent. */
    held?: Pick<HeldCertificate, 'thumbprint' | 'notAfter' | 'derBase64'>
    /** `revoke-previous`: hours the current certificate must have been on the app first; absent for `never`. */
    revokePreviousAfterHours?: number
    /** Where this run keeps its certificate: recorded on the certificates it adds; only its own are revoked. */
    secretSet: SecretSet
  }
  /**
   * `credential: federated`: the GitHub OIDC subjects the app trusts instead of a certificate
   * (no certificate is made). Absent for `credential: certificate`.
   */
  federation?: DesiredFederation
  /**
   * The repository (and, for environment secrets, the environment) whose federated credentials
   * made by earlier versions (no secret set recorded) this run may count as its own, so it may
   * remove them; absent: none (federated-credentials.ts
   * claimsEarlierVersion says when).
   */
  earlierFederatedCredentialsOf?: EarlierVersionScope
}

export type CertificateReason = 'none-held' | 'held-not-on-app' | 'held-expiring' | 'held-valid'

/** The certificate this run holds, as the plan reports it. */
export interface HeldCertificateSummary {
  thumbprint: string
  /** ISO 8601. */
  notAfter: string
  /** Whole days until it expires (negative once expired). */
  daysLeft: number
  onApp: boolean
  /**
   * ISO 8601; set when the app's key credential for it ends before the certificate itself
   * does. Entra stops accepting the certificate then, so `notAfter` and `daysLeft` use it.
   */
  appEndDateTime?: string
}

/**
 * `add-new`: make a certificate and add it beside the existing ones (the previous one
 * stays until it expires); `keep-held`: go on using the certificate the run holds.
 */
export type CertificatePlan =
  | { decision: 'none'; reason: 'federated'; rotateBeforeDays: number }
  | { decision: 'add-new'; reason: 'none-held'; rotateBeforeDays: number }
  | { decision: 'add-new'; reason: 'held-not-on-app' | 'held-expiring'; rotateBeforeDays: number; held: HeldCertificateSummary }
  | { decision: 'keep-held'; reason: 'held-valid'; rotateBeforeDays: number; held: HeldCertificateSummary }

export interface CreateApp {
  kind: 'create-app'
  /** Upsert key: `PATCH /applications(uniqueName='…')` with `Prefer: create-if-missing`. */
  uniqueName: string
  displayName: string
  signInAudience: typeof SIGN_IN_AUDIENCE
  /** Sent in the creation body, so no separate update is needed. */
  requiredResourceAccess: RequiredResourceAccess[]
}

export interface SetRequiredResourceAccess {
  kind: 'set-required-resource-access'
  appObjectId: string
  /**
   * The WHOLE collection to PATCH: every entry the app had, plus Exchange.ManageAsApp (of
   * Exchange Online, and of Exchange Online Protection for Security & Compliance).
   */
  requiredResourceAccess: RequiredResourceAccess[]
}

export interface CreateServicePrincipal {
  kind: 'create-service-principal'
  /** Absent when the app is created in this run; apply uses the new app's appId. */
  appId?: string
}

export interface GrantExchangeManageAsApp {
  kind: 'grant-exchange-manage-as-app'
  /** Exchange Online's service principal object id in this tenant. */
  resourceId: string
  appRoleId: string
  /** Absent when the service principal is created in this run. */
  principalId?: string
}

/** Exchange.ManageAsApp of Microsoft Exchange Online Protection, for Connect-IPPSSession. */
export interface GrantSecurityAndCompliance {
  kind: 'grant-security-and-compliance'
  /** Exchange Online Protection's service principal object id in this tenant. */
  resourceId: string
  appRoleId: string
  /** Absent when the service principal is created in this run. */
  principalId?: string
}

export interface AssignDirectoryRole {
  kind: 'assign-directory-role'
  role: { displayName: string; templateId: string }
  directoryScopeId: typeof WHOLE_DIRECTORY_SCOPE
  /** Absent when the service principal is created in this run. */
  principalId?: string
}

export interface AddCertificate {
  kind: 'add-certificate'
  reason: Exclude<CertificateReason, 'held-valid'>
  /** Absent when the app is created in this run. */
  appObjectId?: string
}

/** `credential: federated`: trust one more GitHub OIDC subject. */
export interface AddFederatedCredential {
  kind: 'add-federated-credential'
  /** Absent when the app is created in this run. */
  appObjectId?: string
  credential: FederatedCredential
}

/**
 * `credential: federated`: this action's credential set again, name unchanged: its audience
 * changed (`audience`), this run's secret set recorded on one it wants (`record-set`), or taken
 * off one other pipelines still want (`leave`).
 */
export interface UpdateFederatedCredential {
  kind: 'update-federated-credential'
  appObjectId: string
  id: string
  credential: FederatedCredential
  why: 'audience' | 'record-set' | 'leave'
}

/**
 * A federated credential this action made that is no longer wanted: its subject is no longer
 * listed, or the workflow uses `credential: certificate`. Federated credentials never expire,
 * so one left on the app would trust its subject for good. Runs after the new state is
 * verified and stored, never before (`Plan.removeFederatedCredentials`).
 */
export interface RemoveFederatedCredential {
  kind: 'remove-federated-credential'
  appObjectId: string
  credential: FederatedCredential
  /** `not-listed`: its subject left `federated-subjects`; `certificate`: `credential: certificate` wants none. */
  reason: 'not-listed' | 'certificate'
  /** Made by an earlier version (no secret set recorded), counted as this pipeline's by its subject. */
  earlierVersion?: true
}

export interface ExpiredCertificate {
  keyId: string
  displayName: string
  /** ISO 8601. */
  endDateTime: string
}

export interface RemoveExpiredCertificates {
  kind: 'remove-expired-certificates'
  appObjectId: string
  keyIds: string[]
  certificates: ExpiredCertificate[]
}

/** An earlier certificate of this action that the current one has superseded. */
export interface PreviousCertificate {
  keyId: string
  displayName: string
  /** ISO 8601. */
  startDateTime: string
  /** ISO 8601. */
  endDateTime: string
}

/**
 * `revoke-previous`: this action's earlier certificates, taken off the app so a leaked old
 * PFX stops working before it expires. Only after the current certificate has been on the
 * app for the grace period (jobs that started with the previous one have finished), or — with
 * a grace of 0 — in the rotating run itself, once its new certificate has signed in and is stored.
 */
export interface RevokePreviousCertificates {
  kind: 'revoke-previous-certificates'
  appObjectId: string
  keyIds: string[]
  certificates: PreviousCertificate[]
  /** `held-for-grace`: superseded by the held certificate; `this-run`: superseded by this run's new one. */
  supersededBy: 'held-for-grace' | 'this-run'
  /** The thumbprint that superseded them (the held one), or undefined for this run's new one. */
  current?: string
  graceHours: number
}

/**
 * A certificate on the app before this run, whose it is, and what this run does with it.
 * `maker`: `this-set` / `other-set` — made by this action for this run's secret set or for
 * another (`secretSet`); `unrecorded` — made by this action before certificates recorded
 * their set (any pipeline's); `not-action` — made by someone else.
 * `outcome`: `remove-expired` (prune), `revoke` (revoke-previous, this run's set only),
 * `left-alone` (as old as what revoke-previous removes, but not this set's: another
 * pipeline's jobs may use it), `skipped` (it would be removed or revoked, but the provisioning
 * identity may not change the app: preflight's withoutSkippedTasks), or `keep`.
 */
export interface CertificateOnApp {
  keyId: string
  /** SHA-1, upper-case hex; absent when neither the key nor customKeyIdentifier tells. */
  thumbprint?: string
  displayName: string
  /** ISO 8601. */
  endDateTime: string
  maker: 'this-set' | 'other-set' | 'unrecorded' | 'not-action'
  /** The set recorded in its displayName. */
  secretSet?: string
  /** The certificate this run holds (`pfx-base64`). */
  held: boolean
  outcome: 'keep' | 'remove-expired' | 'revoke' | 'left-alone' | 'skipped'
  /** With `skipped`: what the run would have done, and the permission it lacks for it. */
  skipped?: { was: 'remove-expired' | 'revoke'; permission: string }
}

export type Change =
  | CreateApp
  | SetRequiredResourceAccess
  | CreateServicePrincipal
  | GrantExchangeManageAsApp
  | GrantSecurityAndCompliance
  | AssignDirectoryRole
  | AddCertificate
  | AddFederatedCredential
  | UpdateFederatedCredential
  | RemoveFederatedCredential
  | RemoveExpiredCertificates
  | RevokePreviousCertificates

export interface Plan {
  /** Every change, in apply order (phases, then prune and revoke, then federated removals). Empty when everything is in place. */
  changes: Change[]
  /**
   * What apply runs, phase after phase; changes within one phase are independent and may
   * run in parallel (the service principal and the certificate; the grant and the roles).
   * Phases with nothing to do are left out.
   */
  phases: Change[][]
  /** Runs last, after verification and the secrets are written (issue 5), never before. */
  prune?: RemoveExpiredCertificates
  /** Runs with prune, never before; with `supersededBy: 'this-run'` only once the new certificate signed in. */
  revokePrevious?: RevokePreviousCertificates
  /**
   * This action's federated credentials no longer wanted: removed last, after verification and
   * the secrets (and the connect files), never before. Absent when there are none.
   */
  removeFederatedCredentials?: RemoveFederatedCredential[]
  certificate: CertificatePlan
  /** This run's secret set: recorded on the certificate it adds. */
  secretSet: SecretSet
  /** Every certificate on the app before this run (none when the app is new). */
  certificatesOnApp: CertificateOnApp[]
  /** `revoke-previous` in hours; absent for `never`. */
  revokePreviousAfterHours?: number
  /**
   * The app's federated credentials: with `credential: federated`, the ones jobs sign in
   * through; in both modes, the ones to remove and those someone else made. Absent with
   * `credential: certificate` when the app has none.
   */
  federatedCredentials?: FederatedCredentialsPlan
  /** The state before, for the dry-run log and the job summary. */
  app: {
    displayName: string
    uniqueName?: string
    objectId?: string
    appId?: string
    existed: boolean
    foundBy?: AppState['foundBy']
  }
  servicePrincipal: { id?: string; existed: boolean }
  exchangeManageAsApp: { requestedBefore: boolean; grantedBefore: boolean }
  /** Present only for `connect-ippssession: true`. */
  securityAndCompliance?: SecurityAndCompliancePlan
  roles: Array<{ displayName: string; templateId: string; assignedBefore: boolean }>
}

/**
 * Exchange.ManageAsApp of Microsoft Exchange Online Protection. `available: false` when the
 * tenant has no such service principal (or it offers no such role): nothing is requested or
 * granted and `note` says why and what to do — a warning, since the global cloud may not need it.
 */
export type SecurityAndCompliancePlan =
  | { available: true; resourceId: string; appRoleId: string; requestedBefore: boolean; grantedBefore: boolean }
  | { available: false; note: string }

const UNIQUE_NAME_PREFIX = 'exo-cba-'
const UNIQUE_NAME_SLUG_MAX = 47

/**
 * The uniqueName (Graph's client-chosen alternate key of an application) for an app name:
 * `exo-cba-<slug>-<hash>`, e.g. `exo-cba-exo-background-process-1b2c3d4e`.
 *
 * Graph documents uniqueName only as immutable and settable at creation, not its
 * alphabet, so we stay inside what is safe everywhere: lower-case ASCII letters, digits
 * and `-` (nothing to escape in `(uniqueName='…')`), at most 64 characters. The slug keeps
 * it readable; the hash (of the trimmed, lower-cased name, so case changes keep the same
 * app) keeps names that slug alike ("EXO: Prod" and "EXO Prod") apart.
 */
export function uniqueNameFor(appName: string): string {
  const normalized = appName.trim().toLowerCase()
  if (normalized === '') throw new UserError('app-name is empty: give the display name of the app to ensure.', { input: 'app-name' })
  const slug = normalized
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, UNIQUE_NAME_SLUG_MAX)
    .replace(/^-+|-+$/g, '')
  const hash = createHash('sha256').update(normalized, 'utf8').digest('hex').slice(0, 8)
  return `${UNIQUE_NAME_PREFIX}${slug === '' ? '' : `${slug}-`}${hash}`
}

/**
 * The desired state for provision mode, from the validated settings; with
 * `credential: federated`, `federation` is what the app must trust (subjects resolved at run time).
 */
export function desiredStateFromSettings(
  settings: Settings,
  federation?: DesiredFederation,
  runner: Pick<JobFacts, 'repository' | 'repositoryOwnerId' | 'repositoryId'> = {}
): DesiredState {
  const earlier = earlierFederatedCredentialsOf(settings.secrets, runner)
  return {
    ...(federation === undefined ? {} : { federation }),
    ...(earlier === undefined ? {} : { earlierFederatedCredentialsOf: earlier }),
    app: settings.app.id === undefined ? { name: settings.app.name } : { id: settings.app.id, name: settings.app.name },
    roles: settings.roles,
    securityAndCompliance: settings.connectIppsSession,
    certificate: {
      rotateBeforeDays: settings.rotateBeforeDays,
      ...(settings.held === undefined ? {} : { held: settings.held }),
      ...(settings.revokePreviousAfterHours === undefined ? {} : { revokePreviousAfterHours: settings.revokePreviousAfterHours }),
      secretSet: secretSetOf(settings.secrets)
    }
  }
}

/** The tenant's Exchange Online service principal, or an error the user can act on. */
export function requireExchangeOnline(actual: TenantState): ExchangeOnlineServicePrincipal {
  const exchange = actual.exchangeOnline
  if (exchange === undefined) {
    throw new UserError(
      `This tenant has no service principal for Office 365 Exchange Online (appId ${EXCHANGE_ONLINE_APP_ID}), ` +
        `so ${EXCHANGE_MANAGE_AS_APP} cannot be granted. The tenant has no Exchange Online: assign an ` +
        'Exchange Online license (any Microsoft 365 plan that includes it) and run again, or check that ' +
        'tenant-id names the right tenant.',
      { input: 'tenant-id' }
    )
  }
  if (!exchange.appRoles.some(role => sameId(role.id, EXCHANGE_MANAGE_AS_APP_ROLE_ID))) {
    throw new UserError(
      `The Office 365 Exchange Online service principal (${exchange.id}) in this tenant does not offer the ` +
        `${EXCHANGE_MANAGE_AS_APP} application permission (${EXCHANGE_MANAGE_AS_APP_ROLE_ID}). ` +
        'Check that tenant-id and cloud match the tenant where Exchange Online is licensed.',
      { input: 'tenant-id' }
    )
  }
  return exchange
}

/** Desired vs. actual → the plan. Throws a UserError when the tenant cannot be brought there. */
export function planProvisioning(desired: DesiredState, actual: TenantState, now: Date): Plan {
  const exchange = requireExchangeOnline(actual)
  const app = actual.app
  if (app === undefined && desired.app.id !== undefined) {
    throw new UserError(
      `No application with app-id ${desired.app.id} was found in this tenant. Check app-id (the ` +
        "application's client id), or leave it empty to find or create the app by app-name.",
      { input: 'app-id' }
    )
  }
  const uniqueName = app === undefined ? uniqueNameFor(desired.app.name) : (app.uniqueName ?? undefined)

  const appPhase: Change[] = []
  const existingAccess = app?.requiredResourceAccess ?? []
  const securityAndCompliance = desired.securityAndCompliance ? securityAndComplianceResource(actual.exchangeProtection) : undefined
  const exchangeAccess = withExchangeManageAsApp(existingAccess)
  // One PATCH carries both requests: the whole collection, every other entry kept.
  const wantedAccess =
    securityAndCompliance?.available === true
      ? withRequestedAppRole(exchangeAccess, EXCHANGE_ONLINE_PROTECTION_APP_ID, securityAndCompliance.appRoleId)
      : exchangeAccess
  const requestedBefore = app !== undefined && exchangeAccess === existingAccess
  const securityAndComplianceRequestedBefore =
    app !== undefined &&
    securityAndCompliance?.available === true &&
    withRequestedAppRole(existingAccess, EXCHANGE_ONLINE_PROTECTION_APP_ID, securityAndCompliance.appRoleId) === existingAccess
  if (app === undefined) {
    appPhase.push({
      kind: 'create-app',
      uniqueName: uniqueNameFor(desired.app.name),
      displayName: desired.app.name,
      signInAudience: SIGN_IN_AUDIENCE,
      requiredResourceAccess: wantedAccess
    })
  } else if (wantedAccess !== existingAccess) {
    appPhase.push({ kind: 'set-required-resource-access', appObjectId: app.objectId, requiredResourceAccess: wantedAccess })
  }

  const servicePrincipal = app === undefined ? undefined : actual.servicePrincipal
  const principalId = servicePrincipal?.id
  const servicePrincipalPhase: Change[] =
    servicePrincipal === undefined ? [{ kind: 'create-service-principal', ...(app === undefined ? {} : { appId: app.appId }) }] : []

  // A new service principal has no grants or roles, whatever the read returned.
  const appRoleAssignments = servicePrincipal === undefined ? [] : actual.appRoleAssignments
  const roleAssignments = servicePrincipal === undefined ? [] : actual.directoryRoleAssignments
  const withPrincipal = principalId === undefined ? {} : { principalId }

  const grantedBefore = appRoleAssignments.some(
    assignment => sameId(assignment.resourceId, exchange.id) && sameId(assignment.appRoleId, EXCHANGE_MANAGE_AS_APP_ROLE_ID)
  )
  const accessPhase: Change[] = []
  if (!grantedBefore) {
    accessPhase.push({
      kind: 'grant-exchange-manage-as-app',
      resourceId: exchange.id,
      appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID,
      ...withPrincipal
    })
  }
  let securityAndCompliancePlan: SecurityAndCompliancePlan | undefined
  if (securityAndCompliance?.available === true) {
    const { resourceId, appRoleId } = securityAndCompliance
    const granted = appRoleAssignments.some(
      assignment => sameId(assignment.resourceId, resourceId) && sameId(assignment.appRoleId, appRoleId)
    )
    if (!granted) accessPhase.push({ kind: 'grant-security-and-compliance', resourceId, appRoleId, ...withPrincipal })
    securityAndCompliancePlan = {
      available: true,
      resourceId,
      appRoleId,
      requestedBefore: securityAndComplianceRequestedBefore,
      grantedBefore: granted
    }
  } else {
    securityAndCompliancePlan = securityAndCompliance
  }
  const roles = distinctRoles(desired.roles).map(role => ({
    displayName: role.displayName,
    templateId: role.templateId,
    // Only an assignment over the whole directory counts: Exchange ignores narrower scopes.
    assignedBefore: roleAssignments.some(
      assignment =>
        sameId(assignment.roleDefinitionId, role.templateId) && assignment.directoryScopeId === WHOLE_DIRECTORY_SCOPE
    )
  }))
  for (const role of roles) {
    if (role.assignedBefore) continue
    accessPhase.push({
      kind: 'assign-directory-role',
      role: { displayName: role.displayName, templateId: role.templateId },
      directoryScopeId: WHOLE_DIRECTORY_SCOPE,
      ...withPrincipal
    })
  }

  const certificate: CertificatePlan =
    desired.federation === undefined
      ? planCertificate(desired.certificate, app, now)
      : { decision: 'none', reason: 'federated', rotateBeforeDays: desired.certificate.rotateBeforeDays }
  // Read in both modes: with credential: certificate, this action's federated credentials go.
  const federatedCredentials =
    desired.federation === undefined && (app?.federatedCredentials ?? []).length === 0
      ? undefined
      : planFederatedCredentials(desired.federation, app?.federatedCredentials, {
          secretSet: desired.certificate.secretSet.id,
          ...(desired.earlierFederatedCredentialsOf === undefined ? {} : { earlierVersionsOf: desired.earlierFederatedCredentialsOf })
        })
  const removeFederatedCredentials: RemoveFederatedCredential[] =
    app === undefined
      ? []
      : (federatedCredentials?.remove ?? []).map(credential => ({
          kind: 'remove-federated-credential' as const,
          appObjectId: app.objectId,
          credential,
          reason: desired.federation === undefined ? ('certificate' as const) : ('not-listed' as const),
          ...(federatedCredentials?.earlierVersion.includes(credential.name) === true ? { earlierVersion: true as const } : {})
        }))
  // Each needs only the app; the federated credentials go where the certificate would.
  const certificatePhase: Change[] = [
    ...(certificate.decision === 'add-new'
      ? [{ kind: 'add-certificate' as const, reason: certificate.reason, ...(app === undefined ? {} : { appObjectId: app.objectId }) }]
      : []),
    ...(federatedCredentials?.add ?? []).map(credential => ({
      kind: 'add-federated-credential' as const,
      ...(app === undefined ? {} : { appObjectId: app.objectId }),
      credential
    })),
    ...(federatedCredentials?.update ?? []).map(({ id, credential, why }) => ({
      kind: 'update-federated-credential' as const,
      appObjectId: app?.objectId ?? '',
      id,
      credential,
      why
    }))
  ]

  const prune = app === undefined ? undefined : planPrune(app, desired.certificate.held?.thumbprint, now)
  const secretSet = desired.certificate.secretSet
  const { revoke: revokePrevious, leftAlone } =
    app === undefined ? { revoke: undefined, leftAlone: [] } : planRevokePrevious(app, certificate, desired.certificate.revokePreviousAfterHours, secretSet.id, now)
  const certificatesOnApp = (app?.keyCredentials ?? []).map(credential =>
    certificateOnApp(credential, {
      secretSet: secretSet.id,
      held: desired.certificate.held?.thumbprint,
      outcome: listed(credential.keyId, prune?.keyIds)
        ? 'remove-expired'
        : listed(credential.keyId, revokePrevious?.keyIds)
          ? 'revoke'
          : listed(credential.keyId, leftAlone)
            ? 'left-alone'
            : 'keep'
    })
  )
  // The certificate needs only the app, so it goes into the first phase after the app's:
  // beside the service principal, or beside the grant and roles. Its replication wait then
  // overlaps theirs, and a fresh run has one sequential step less.
  const phases = (
    servicePrincipalPhase.length > 0
      ? [appPhase, [...servicePrincipalPhase, ...certificatePhase], accessPhase]
      : [appPhase, [...accessPhase, ...certificatePhase]]
  ).filter(phase => phase.length > 0)

  return {
    changes: [
      ...phases.flat(),
      ...(prune === undefined ? [] : [prune]),
      ...(revokePrevious === undefined ? [] : [revokePrevious]),
      ...removeFederatedCredentials
    ],
    phases,
    ...(prune === undefined ? {} : { prune }),
    ...(revokePrevious === undefined ? {} : { revokePrevious }),
    ...(removeFederatedCredentials.length === 0 ? {} : { removeFederatedCredentials }),
    certificate,
    secretSet,
    certificatesOnApp,
    ...(desired.certificate.revokePreviousAfterHours === undefined ? {} : { revokePreviousAfterHours: desired.certificate.revokePreviousAfterHours }),
    ...(federatedCredentials === undefined ? {} : { federatedCredentials }),
    app: {
      displayName: app?.displayName ?? desired.app.name,
      ...(uniqueName === undefined ? {} : { uniqueName }),
      ...(app === undefined ? {} : { objectId: app.objectId, appId: app.appId }),
      existed: app !== undefined,
      ...(app?.foundBy === undefined ? {} : { foundBy: app.foundBy })
    },
    servicePrincipal: principalId === undefined ? { existed: false } : { id: principalId, existed: true },
    exchangeManageAsApp: { requestedBefore, grantedBefore },
    ...(securityAndCompliancePlan === undefined ? {} : { securityAndCompliance: securityAndCompliancePlan }),
    roles
  }
}

/**
 * Exchange Online Protection's service principal and its Exchange.ManageAsApp role id, or
 * why it cannot be granted. The role is found by value (what the docs and the portal name);
 * the documented id is used only when the service principal lists that id under another
 * value (or none): Graph refuses a grant of a role the resource does not list, so an id the
 * service principal lacks is never sent.
 */
export function securityAndComplianceResource(
  protection: ExchangeOnlineServicePrincipal | undefined
): { available: true; resourceId: string; appRoleId: string } | { available: false; note: string } {
  const permission = `${EXCHANGE_MANAGE_AS_APP} of ${EXCHANGE_ONLINE_PROTECTION_NAME}`
  if (protection === undefined) {
    return {
      available: false,
      note:
        `This tenant has no service principal for ${EXCHANGE_ONLINE_PROTECTION_NAME} (appId ${EXCHANGE_ONLINE_PROTECTION_APP_ID}), ` +
        `so ${permission} is not requested or granted. Connect-IPPSSession may work without it (Microsoft's app-only ` +
        `article long required it only in GCC High and DoD); if Connect-IPPSSession answers UnAuthorized, create that ` +
        `service principal (az ad sp create --id ${EXCHANGE_ONLINE_PROTECTION_APP_ID}) and run this action again.`
    }
  }
  const byValue = protection.appRoles.find(role => role.value?.toLowerCase() === EXCHANGE_MANAGE_AS_APP.toLowerCase())
  const byId = protection.appRoles.find(role => sameId(role.id, EXCHANGE_ONLINE_PROTECTION_MANAGE_AS_APP_ROLE_ID))
  const appRoleId = byValue?.id ?? byId?.id
  if (appRoleId === undefined) {
    return {
      available: false,
      note:
        `The ${EXCHANGE_ONLINE_PROTECTION_NAME} service principal (${protection.id}) in this tenant does not offer ` +
        `${EXCHANGE_MANAGE_AS_APP}, so it is not requested or granted. Connect-IPPSSession may still work with Exchange ` +
        `Online's ${EXCHANGE_MANAGE_AS_APP}; if it answers UnAuthorized, check that tenant-id and cloud name the tenant ` +
        'where Security & Compliance is licensed.'
    }
  }
  return { available: true, resourceId: protection.id, appRoleId }
}

/**
 * The app's requiredResourceAccess with Exchange.ManageAsApp requested. Every other
 * resource and permission is kept as it is. Returns the SAME array when nothing is
 * missing, so callers can tell "no change" by identity.
 */
export function withExchangeManageAsApp(existing: RequiredResourceAccess[]): RequiredResourceAccess[] {
  return withRequestedAppRole(existing, EXCHANGE_ONLINE_APP_ID, EXCHANGE_MANAGE_AS_APP_ROLE_ID)
}

/**
 * The app's requiredResourceAccess with one application permission (app role) of one
 * resource requested; everything else kept as it is. Returns the SAME array when it is
 * already requested (ids in any case), so callers can tell "no change" by identity.
 */
export function withRequestedAppRole(existing: RequiredResourceAccess[], resourceAppId: string, appRoleId: string): RequiredResourceAccess[] {
  const role = { id: appRoleId, type: 'Role' }
  const index = existing.findIndex(entry => sameId(entry.resourceAppId, resourceAppId))
  if (index === -1) {
    return [...existing, { resourceAppId, resourceAccess: [role] }]
  }
  const entry = existing[index]
  if (entry.resourceAccess.some(access => sameId(access.id, role.id) && access.type === 'Role')) return existing
  const merged = [...existing]
  merged[index] = { ...entry, resourceAccess: [...entry.resourceAccess, role] }
  return merged
}

/**
 * Add a new certificate when the run holds none, when the held one is not on the app,
 * or when it expires within `rotateBeforeDays`; otherwise keep using the held one.
 *
 * "Expires" is the earlier of the certificate's own notAfter and the endDateTime of its
 * key credential on the app: Entra refuses a sign-in after the key credential's end date,
 * whatever the certificate says, and that end date can be set shorter than the
 * certificate (by hand, by a tenant policy).
 */
export function planCertificate(
  policy: Pick<DesiredState['certificate'], 'held' | 'rotateBeforeDays'>,
  app: Pick<AppState, 'keyCredentials'> | undefined,
  now: Date
): CertificatePlan {
  const { held, rotateBeforeDays } = policy
  if (held === undefined) return { decision: 'add-new', reason: 'none-held', rotateBeforeDays }
  const onAppCredentials = app?.keyCredentials.filter(credential => keyCredentialHasThumbprint(credential, held.thumbprint)) ?? []
  const onApp = onAppCredentials.length > 0
  // The same certificate twice on the app (under two keyIds) works until the later end date.
  const appEnds = onAppCredentials.map(credential => Date.parse(credential.endDateTime)).filter(end => !Number.isNaN(end))
  const appEnd = appEnds.length === 0 ? undefined : Math.max(...appEnds)
  const endsOnAppEarly = appEnd !== undefined && appEnd < held.notAfter.getTime()
  const expires = endsOnAppEarly ? appEnd : held.notAfter.getTime()
  const msLeft = expires - now.getTime()
  const summary: HeldCertificateSummary = {
    thumbprint: held.thumbprint.toUpperCase(),
    notAfter: new Date(expires).toISOString(),
    daysLeft: daysUntil(new Date(expires), now),
    onApp,
    ...(endsOnAppEarly ? { appEndDateTime: new Date(appEnd).toISOString() } : {})
  }
  if (!onApp) return { decision: 'add-new', reason: 'held-not-on-app', rotateBeforeDays, held: summary }
  if (msLeft <= rotateBeforeDays * DAY_MS) return { decision: 'add-new', reason: 'held-expiring', rotateBeforeDays, held: summary }
  return { decision: 'keep-held', reason: 'held-valid', rotateBeforeDays, held: summary }
}

/**
 * Expired certificates this action made (marked by displayName), never a foreign one and
 * never the one this run holds. An unreadable end date is kept: when unsure, keep.
 */
function planPrune(app: AppState, heldThumbprint: string | undefined, now: Date): RemoveExpiredCertificates | undefined {
  const expired = app.keyCredentials.filter(
    credential =>
      isActionMadeKeyCredential(credential) &&
      Date.parse(credential.endDateTime) < now.getTime() &&
      !(heldThumbprint !== undefined && keyCredentialHasThumbprint(credential, heldThumbprint))
  )
  if (expired.length === 0) return undefined
  return {
    kind: 'remove-expired-certificates',
    appObjectId: app.objectId,
    keyIds: expired.map(credential => credential.keyId),
    certificates: expired.map(credential => ({
      keyId: credential.keyId,
      displayName: credential.displayName ?? '',
      endDateTime: credential.endDateTime
    }))
  }
}

const HOUR_MS = 3_600_000

/**
 * The earlier certificates of this run's secret set that the current one supersedes
 * (`revoke-previous`), and those as old that belong to another set or to none recorded
 * (`leftAlone`: reported, never revoked — another pipeline sharing the app may be using them).
 * Kept: foreign certificates, the held one, expired ones (prune removes those), any that
 * started after the current one (a concurrent run's, not stored here), and any whose start
 * date cannot be read — when unsure, keep.
 * - Keeping the held certificate: those older than it go once it has been on the app for the
 *   grace period, so jobs that started with the previous certificate have finished.
 * - Adding a new one with a grace of 0: the held certificate (when it is on the app) and this
 *   set's certificates that started before it go in the same run, once the new one has
 *   signed in and is stored (apply decides that, not the plan). Without a held certificate on
 *   the app nothing is revoked: what is there may be another pipeline's or a concurrent run's.
 * - Adding with a grace above 0: nothing now; a later run removes them once the grace is over.
 */
function planRevokePrevious(
  app: AppState,
  certificate: CertificatePlan,
  graceHours: number | undefined,
  secretSet: string,
  now: Date
): { revoke?: RevokePreviousCertificates; leftAlone: string[] } {
  const nothing = { leftAlone: [] }
  if (graceHours === undefined || certificate.decision === 'none') return nothing
  const live = (credential: KeyCredential): boolean =>
    isActionMadeKeyCredential(credential) && !(Date.parse(credential.endDateTime) < now.getTime()) && startOf(credential) !== undefined
  if (certificate.reason === 'none-held') return nothing
  const held = certificate.held.thumbprint
  const heldStarts = app.keyCredentials
    .filter(credential => keyCredentialHasThumbprint(credential, held))
    .map(startOf)
    .filter((start): start is number => start !== undefined)
  if (heldStarts.length === 0) return nothing
  const heldStart = Math.min(...heldStarts)
  let superseded: KeyCredential[]
  let supersededBy: RevokePreviousCertificates['supersededBy']
  if (certificate.decision === 'keep-held') {
    if (now.getTime() - heldStart < graceHours * HOUR_MS) return nothing
    superseded = app.keyCredentials.filter(credential => live(credential) && !keyCredentialHasThumbprint(credential, held) && (startOf(credential) as number) < heldStart)
    supersededBy = 'held-for-grace'
  } else {
    if (graceHours > 0) return nothing
    // The held certificate and those before it; never one that started after it.
    superseded = app.keyCredentials.filter(credential => live(credential) && (startOf(credential) as number) <= heldStart)
    supersededBy = 'this-run'
  }
  const ofThisSet = (credential: KeyCredential): boolean => {
    const maker = keyCredentialMaker(credential)
    return maker.kind === 'action' && maker.secretSet === secretSet
  }
  const previous = superseded.filter(ofThisSet)
  const leftAlone = superseded.filter(credential => !ofThisSet(credential)).map(credential => credential.keyId)
  if (previous.length === 0) return { leftAlone }
  return {
    revoke: {
      kind: 'revoke-previous-certificates',
      appObjectId: app.objectId,
      keyIds: previous.map(credential => credential.keyId),
      certificates: previous.map(credential => ({
        keyId: credential.keyId,
        displayName: credential.displayName ?? '',
        startDateTime: credential.startDateTime ?? '',
        endDateTime: credential.endDateTime
      })),
      supersededBy,
      ...(certificate.decision === 'keep-held' ? { current: certificate.held.thumbprint } : {}),
      graceHours
    },
    leftAlone
  }
}

/** A key credential on the app as the plan reports it: whose it is and what happens to it. */
function certificateOnApp(
  credential: KeyCredential,
  context: { secretSet: string; held: string | undefined; outcome: CertificateOnApp['outcome'] }
): CertificateOnApp {
  const maker = keyCredentialMaker(credential)
  const [thumbprint] = keyCredentialThumbprints(credential)
  return {
    keyId: credential.keyId,
    ...(thumbprint === undefined ? {} : { thumbprint }),
    displayName: credential.displayName ?? '',
    endDateTime: credential.endDateTime,
    maker: maker.kind === 'action' ? (maker.secretSet === context.secretSet ? 'this-set' : 'other-set') : maker.kind,
    ...(maker.kind === 'action' ? { secretSet: maker.secretSet } : {}),
    held: context.held !== undefined && keyCredentialHasThumbprint(credential, context.held),
    outcome: context.outcome
  }
}

function listed(keyId: string, keyIds: readonly string[] | undefined): boolean {
  return (keyIds ?? []).some(id => sameId(id, keyId))
}

/** A key credential's start as epoch ms, or undefined when absent or unreadable. */
function startOf(credential: Pick<KeyCredential, 'startDateTime'>): number | undefined {
  const start = Date.parse(credential.startDateTime ?? '')
  return Number.isNaN(start) ? undefined : start
}

function distinctRoles(roles: readonly DirectoryRole[]): DirectoryRole[] {
  const seen = new Set<string>()
  return roles.filter(role => {
    const id = role.templateId.toLowerCase()
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
