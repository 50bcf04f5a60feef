/**
 * A plan in words: lines for the dry-run log (Terraform-style `+` create, `~` update,
 * `-` remove) and one row per resource for the job summary, with its state before and
 * what the plan makes of it.
 */
import { isActionMadeFederatedCredential, type FederatedCredential } from './federated-credentials.js'
import type { Change, CertificatePlan, HeldCertificateSummary, Plan } from './plan.js'
import { EXCHANGE_MANAGE_AS_APP, EXCHANGE_ONLINE_NAME, EXCHANGE_ONLINE_PROTECTION_NAME } from './well-known.js'

/**
 * What happens to a resource: made now, already right, changed, taken away, or left out
 * because the tenant lacks what it needs (the row's detail says why; a warning, not an error).
 */
export type Outcome = 'created' | 'present' | 'updated' | 'removed' | 'skipped'

/** The summary row of Exchange Online Protection's permission (for Security & Compliance PowerShell). */
export const SECURITY_AND_COMPLIANCE_ROW = `Security & Compliance: ${EXCHANGE_MANAGE_AS_APP} permission + consent`

export interface ResourceRow {
  /** e.g. `App registration`, `Directory role: Exchange Administrator`. */
  resource: string
  /** Its state before, in words. */
  before: string
  after: Outcome
  /** Names, ids or the reason, in words. */
  detail: string
}

export interface PlanDescription {
  lines: string[]
  rows: ResourceRow[]
}

export function describePlan(plan: Plan): PlanDescription {
  return { lines: describePlanLines(plan), rows: describePlanRows(plan) }
}

/**
 * The dry-run log: one line per change, a `!` line for a permission the tenant cannot
 * take (Security & Compliance), then what happens to the certificate.
 */
export function describePlanLines(plan: Plan): string[] {
  const permissions =
    plan.securityAndCompliance?.available === true
      ? `${EXCHANGE_MANAGE_AS_APP} (of ${EXCHANGE_ONLINE_NAME} and of ${EXCHANGE_ONLINE_PROTECTION_NAME})`
      : EXCHANGE_MANAGE_AS_APP
  const lines =
    plan.changes.length === 0
      ? [`No changes: the app, its service principal, ${permissions} and the roles are in place.`]
      : [`Plan: ${count(plan.changes.length, 'change')}.`, ...plan.changes.flatMap(change => describeChange(change, plan))]
  if (plan.securityAndCompliance?.available === false) lines.push(`! Security & Compliance: ${plan.securityAndCompliance.note}`)
  for (const credential of plan.federatedCredentials?.foreign ?? []) lines.push(`! ${foreignCredentialNote(credential)}`)
  lines.push(plan.certificate.decision === 'none' ? `Credential: ${federationSentence(plan)}` : `Certificate: ${certificateSentence(plan.certificate)}`)
  return lines
}

/** One change in words (several lines for a prune of several certificates). */
export function describeChange(change: Change, plan: Plan): string[] {
  const app = `"${plan.app.displayName}"`
  switch (change.kind) {
    case 'create-app': {
      const requesting =
        plan.securityAndCompliance?.available === true
          ? `${EXCHANGE_MANAGE_AS_APP} of ${EXCHANGE_ONLINE_NAME} and of ${EXCHANGE_ONLINE_PROTECTION_NAME}`
          : EXCHANGE_MANAGE_AS_APP
      return [`+ create app ${app} (uniqueName ${change.uniqueName}, single tenant, requesting ${requesting})`]
    }
    case 'set-required-resource-access':
      return [`~ request ${requestedNow(plan)} on app ${app} (its other API permissions are kept)`]
    case 'create-service-principal':
      return [`+ create the service principal of app ${app}`]
    case 'grant-exchange-manage-as-app':
      return [`+ grant ${EXCHANGE_MANAGE_AS_APP} of ${EXCHANGE_ONLINE_NAME} (admin consent)`]
    case 'grant-security-and-compliance':
      return [`+ grant ${EXCHANGE_MANAGE_AS_APP} of ${EXCHANGE_ONLINE_PROTECTION_NAME} (admin consent, for Security & Compliance PowerShell)`]
    case 'assign-directory-role':
      return [`+ assign directory role ${change.role.displayName} (${change.role.templateId}) over the whole directory`]
    case 'add-certificate':
      return [`+ add a new certificate to app ${app}, beside the existing ones`]
    case 'add-federated-credential':
      return [`+ trust GitHub OIDC subject '${change.credential.subject}' on app ${app} (federated credential ${change.credential.name})`]
    case 'update-federated-credential':
      return [`~ set federated credential ${change.credential.name} of app ${app} to audience ${change.credential.audiences.join(', ')}`]
    case 'remove-federated-credential':
      return [
        `- remove federated credential ${change.credential.name} (subject '${change.credential.subject}') from app ${app}: ` +
          `${change.reason === 'certificate' ? 'the workflow uses credential: certificate' : "its subject is no longer in 'federated-subjects'"}; ` +
          'after the new state is verified and stored'
      ]
    case 'remove-expired-certificates':
      return change.certificates.map(
        certificate =>
          `- remove expired certificate "${certificate.displayName}" (keyId ${certificate.keyId}, ` +
          `expired ${day(certificate.endDateTime)}), after the new state is verified and stored`
      )
    case 'revoke-previous-certificates':
      return change.certificates.map(
        certificate =>
          `- revoke previous certificate "${certificate.displayName}" (keyId ${certificate.keyId}, valid until ${day(certificate.endDateTime)}), ` +
          (change.supersededBy === 'this-run'
            ? 'once the new certificate has signed in and is stored (revoke-previous: 0)'
            : `superseded by ${change.current ?? 'the held certificate'} for more than ${change.graceHours} h (revoke-previous)`)
      )
  }
}

/** The job summary's table: app, service principal, permission + consent, each role, certificate. */
export function describePlanRows(plan: Plan): ResourceRow[] {
  const rows: ResourceRow[] = []
  const app = plan.app
  rows.push({
    resource: 'App registration',
    before: app.existed ? `present${app.foundBy === 'display-name' ? ' (found by display name)' : ''}` : 'absent',
    after: app.existed ? 'present' : 'created',
    detail: [
      `"${app.displayName}"`,
      app.appId === undefined ? undefined : `appId ${app.appId}`,
      app.uniqueName === undefined ? undefined : `uniqueName ${app.uniqueName}`
    ]
      .filter(part => part !== undefined)
      .join(', ')
  })

  const servicePrincipal = plan.servicePrincipal
  rows.push({
    resource: 'Service principal',
    before: servicePrincipal.existed ? 'present' : 'absent',
    after: servicePrincipal.existed ? 'present' : 'created',
    detail: servicePrincipal.id === undefined ? 'the identity the permission and roles attach to' : `id ${servicePrincipal.id}`
  })

  const { requestedBefore, grantedBefore } = plan.exchangeManageAsApp
  rows.push({
    resource: `${EXCHANGE_MANAGE_AS_APP} permission + consent`,
    before: `${requestedBefore ? 'requested' : 'not requested'}, ${grantedBefore ? 'consented' : 'not consented'}`,
    after: requestedBefore && grantedBefore ? 'present' : !requestedBefore && !grantedBefore ? 'created' : 'updated',
    detail: `application permission of ${EXCHANGE_ONLINE_NAME}`
  })

  const securityAndCompliance = plan.securityAndCompliance
  if (securityAndCompliance?.available === true) {
    const { requestedBefore: requested, grantedBefore: granted } = securityAndCompliance
    rows.push({
      resource: SECURITY_AND_COMPLIANCE_ROW,
      before: `${requested ? 'requested' : 'not requested'}, ${granted ? 'consented' : 'not consented'}`,
      after: requested && granted ? 'present' : !requested && !granted ? 'created' : 'updated',
      detail: `application permission of ${EXCHANGE_ONLINE_PROTECTION_NAME}, for Connect-IPPSSession`
    })
  } else if (securityAndCompliance?.available === false) {
    rows.push({
      resource: SECURITY_AND_COMPLIANCE_ROW,
      before: 'not available in this tenant',
      after: 'skipped',
      detail: securityAndCompliance.note
    })
  }

  for (const role of plan.roles) {
    rows.push({
      resource: `Directory role: ${role.displayName}`,
      before: role.assignedBefore ? 'assigned over the whole directory' : 'not assigned over the whole directory',
      after: role.assignedBefore ? 'present' : 'created',
      detail: `template ${role.templateId}, scope /`
    })
  }

  const certificate = plan.certificate
  if (certificate.decision !== 'none') {
    rows.push({
      resource: 'Certificate',
      before: certificateBefore(certificate),
      after: certificate.decision === 'add-new' ? 'created' : 'present',
      detail: certificateSentence(certificate)
    })
  }
  rows.push(...federatedCredentialRows(plan))

  if (plan.prune !== undefined) {
    rows.push({
      resource: 'Expired certificates made by this action',
      before: `${count(plan.prune.certificates.length, 'expired certificate')} on the app`,
      after: 'removed',
      detail: plan.prune.certificates.map(expired => `keyId ${expired.keyId} (expired ${day(expired.endDateTime)})`).join(', ')
    })
  }
  if (plan.revokePrevious !== undefined) {
    const revoke = plan.revokePrevious
    rows.push({
      resource: 'Previous certificates made by this action',
      before: `${count(revoke.certificates.length, 'previous certificate')} on the app, still valid`,
      after: 'removed',
      detail: `${revoke.certificates.map(previous => `keyId ${previous.keyId} (valid until ${day(previous.endDateTime)})`).join(', ')}; ${
        revoke.supersededBy === 'this-run' ? 'superseded by the new certificate, removed once it signed in and was stored' : `superseded more than ${revoke.graceHours} h ago`
      }`
    })
  }
  return rows
}

/**
 * One row per federated credential on the app or added now, each marked as this action's or
 * someone else's, with what happens to it: every one lets its subject sign in as the app, and
 * none expires.
 */
function federatedCredentialRows(plan: Plan): ResourceRow[] {
  const federation = plan.federatedCredentials
  if (federation === undefined) return []
  const rows: ResourceRow[] = []
  const madeBy = (credential: FederatedCredential) => (isActionMadeFederatedCredential(credential) ? "this action's" : 'made by someone else')
  const describe = (credential: FederatedCredential, why: string) =>
    `${madeBy(credential)} (${credential.name}); issuer ${credential.issuer}, audience ${credential.audiences.join(', ')}; ${why}`
  // In the order of federated-subjects.
  for (const wanted of federation.wanted) {
    const present = federation.present.find(existing => existing.subject === wanted.subject)
    const updated = federation.update.find(update => update.credential.subject === wanted.subject)
    const resource = `Federated credential: ${wanted.subject}`
    if (present !== undefined) rows.push({ resource, before: 'present', after: 'present', detail: describe(present, 'kept: its subject is listed') })
    else if (updated !== undefined) rows.push({ resource, before: 'present', after: 'updated', detail: describe(updated.credential, 'kept, audience set again') })
    else rows.push({ resource, before: 'absent', after: 'created', detail: describe(wanted, 'added: its subject is listed') })
  }
  for (const change of plan.removeFederatedCredentials ?? []) {
    const why = change.reason === 'certificate' ? 'removed: the workflow uses credential: certificate' : "removed: its subject is no longer in 'federated-subjects'"
    rows.push({ resource: `Federated credential: ${change.credential.subject}`, before: 'present', after: 'removed', detail: describe(change.credential, why) })
  }
  for (const credential of federation.foreign) {
    rows.push({
      resource: `Federated credential: ${credential.subject}`,
      before: 'present',
      after: 'present',
      detail: describe(credential, 'kept: this action never removes a credential it did not make (see the warning)')
    })
  }
  return rows
}

/** The warning for a federated credential this action did not make and does not want: it is kept, and it still grants sign-in. */
export function foreignCredentialNote(credential: FederatedCredential): string {
  return (
    `The app has a federated credential "${credential.name}" (subject '${credential.subject}', issuer ${credential.issuer}) that this action did not make: ` +
    'jobs with that subject can sign in to Exchange Online as this app, and it never expires. It is left as it is; if nothing needs it, remove it ' +
    '(Entra admin center → App registrations → the app → Certificates & secrets → Federated credentials).'
  )
}

/** Which Exchange.ManageAsApp permissions a requiredResourceAccess update adds. */
function requestedNow(plan: Plan): string {
  const exchange = !plan.exchangeManageAsApp.requestedBefore
  const protection = plan.securityAndCompliance?.available === true && !plan.securityAndCompliance.requestedBefore
  if (exchange && protection) return `${EXCHANGE_MANAGE_AS_APP} of ${EXCHANGE_ONLINE_NAME} and of ${EXCHANGE_ONLINE_PROTECTION_NAME}`
  if (protection) return `${EXCHANGE_MANAGE_AS_APP} of ${EXCHANGE_ONLINE_PROTECTION_NAME}`
  return EXCHANGE_MANAGE_AS_APP
}

/** `credential: federated` in words: which subjects sign in, and that nothing is stored. */
function federationSentence(plan: Plan): string {
  const subjects = plan.federatedCredentials?.wanted.map(credential => `'${credential.subject}'`) ?? []
  return `federated: jobs with the GitHub OIDC subject ${subjects.join(' or ')} sign in with their own token; no certificate is made or stored.`
}

function certificateBefore(certificate: CertificatePlan): string {
  if (certificate.reason === 'federated') return 'none (federated)'
  if (certificate.reason === 'none-held') return 'none held'
  const held = certificate.held
  return `held ${held.thumbprint}, ${held.daysLeft < 0 ? 'expired' : 'expires'} ${day(held.notAfter)}${held.onApp ? '' : ', not on the app'}`
}

function certificateSentence(certificate: CertificatePlan): string {
  switch (certificate.reason) {
    case 'federated':
      return 'none: jobs sign in with federated credentials (credential: federated).'
    case 'none-held':
      return 'this run holds no certificate (pfx-base64 is empty), so a new one is made.'
    case 'held-not-on-app':
      return `the held certificate ${certificate.held.thumbprint} is not on the app, so a new one is made.`
    case 'held-expiring':
      return (
        `the held certificate ${certificate.held.thumbprint} ${expiry(certificate.held)}, within ` +
        `rotate-before-days (${certificate.rotateBeforeDays}), so a new one is made; the old one stays on the app until it expires.`
      )
    case 'held-valid':
      return `keeping the held certificate ${certificate.held.thumbprint}, which ${expiry(certificate.held)}.`
  }
}

function expiry(held: HeldCertificateSummary): string {
  if (held.daysLeft < 0) return `expired on ${day(held.notAfter)} (${count(-held.daysLeft, 'day')} ago)`
  return `expires on ${day(held.notAfter)} (${count(held.daysLeft, 'day')} left)`
}

function day(iso: string): string {
  const time = Date.parse(iso)
  return Number.isNaN(time) ? iso : new Date(time).toISOString().slice(0, 10)
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
