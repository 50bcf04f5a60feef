/**
 * A plan in words: lines for the dry-run log (Terraform-style `+` create, `~` update,
 * `-` remove) and one row per resource for the job summary, with its state before and
 * what the plan makes of it.
 */
import { federatedCredentialMaker, type FederatedCredential } from './federated-credentials.js'
import type { Change, CertificateOnApp, CertificatePlan, HeldCertificateSummary, Plan } from './plan.js'
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
  const leftAlone = federatedCredentialsLeftAlone(plan)
  for (const warning of leftAlone.warnings) lines.push(`! ${warning}`)
  for (const note of leftAlone.notes) lines.push(note)
  lines.push(plan.certificate.decision === 'none' ? `Credential: ${federationSentence(plan)}` : `Certificate: ${certificateSentence(plan)}`)
  if (plan.certificatesOnApp.length > 0) {
    lines.push(`Certificates on the app (this pipeline's secret set is ${plan.secretSet.id}: ${plan.secretSet.description}):`)
    for (const row of describeCertificatesOnApp(plan)) lines.push(`  ${row.thumbprint}: ${row.whose}, expires ${row.expires}; ${row.thisRun}`)
  }
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
    case 'update-federated-credential': {
      const credential = `federated credential ${change.credential.name} (subject '${change.credential.subject}') of app ${app}`
      switch (change.why) {
        case 'audience':
          return [`~ set ${credential} to audience ${change.credential.audiences.join(', ')}`]
        case 'record-set':
          return [`~ record this pipeline's secret set ${plan.secretSet.id} on ${credential}, so another pipeline sharing the app does not remove it`]
        case 'leave':
          return [`~ take this pipeline's secret set ${plan.secretSet.id} off ${credential}: no longer wanted here; kept for the other pipelines that want it`]
      }
      break
    }
    case 'remove-federated-credential':
      return [
        `- remove federated credential ${change.credential.name} (subject '${change.credential.subject}') from app ${app}: ` +
          `${change.reason === 'certificate' ? 'the workflow uses credential: certificate' : "its subject is no longer in 'federated-subjects'"}` +
          `${change.earlierVersion === true ? ' (made by an earlier version for this repository)' : ''}; after the new state is verified and stored`
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
/**
 * What became of the federated credentials the plan removes, once the run tried: the summary
 * says "removed" only for those that really came off. Absent before the run (dry run, plan).
 */
export interface FederatedRemovalOutcome {
  /** Ids (or names) of the credentials removed, or found already gone. */
  removed: ReadonlySet<string>
  /** True when the removals waited for a certificate that signs in (credential: certificate). */
  postponed: boolean
}

export function describePlanRows(plan: Plan, federatedRemoval?: FederatedRemovalOutcome): ResourceRow[] {
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
      detail: certificateSentence(plan)
    })
  }
  rows.push(...federatedCredentialRows(plan, federatedRemoval))

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
 * One row per federated credential on the app or added now, each marked as this pipeline's,
 * another pipeline's (its secret sets), an earlier version's, or made by someone else, with
 * what happens to it: every one lets its subject sign in as the app, and none expires.
 */
function federatedCredentialRows(plan: Plan, removal: FederatedRemovalOutcome | undefined): ResourceRow[] {
  const federation = plan.federatedCredentials
  if (federation === undefined) return []
  const rows: ResourceRow[] = []
  const describe = (credential: FederatedCredential, why: string) =>
    `${whoseFederatedCredential(credential, plan.secretSet.id)}: ${credential.name}; issuer ${credential.issuer}, audience ${credential.audiences.join(', ')}; ${why}`
  const resource = (credential: FederatedCredential) => `Federated credential: ${credential.subject}`
  // In the order of federated-subjects.
  for (const wanted of federation.wanted) {
    const present = federation.present.find(existing => existing.subject === wanted.subject)
    const updated = federation.update.find(update => update.credential.subject === wanted.subject)
    if (present !== undefined) rows.push({ resource: resource(wanted), before: 'present', after: 'present', detail: describe(present, 'kept: its subject is listed') })
    else if (updated !== undefined) {
      const why = updated.why === 'audience' ? 'kept, audience set again' : "kept: its subject is listed; this pipeline's secret set recorded on it"
      rows.push({ resource: resource(wanted), before: 'present', after: 'updated', detail: describe(updated.credential, why) })
    } else rows.push({ resource: resource(wanted), before: 'absent', after: 'created', detail: describe(wanted, 'added: its subject is listed') })
  }
  for (const { credential } of federation.update.filter(update => update.why === 'leave')) {
    rows.push({ resource: resource(credential), before: 'present', after: 'updated', detail: describe(credential, "kept for the other pipelines that want it; this pipeline's secret set taken off (no longer wanted here)") })
  }
  for (const change of plan.removeFederatedCredentials ?? []) {
    const why = change.reason === 'certificate' ? 'the workflow uses credential: certificate' : "its subject is no longer in 'federated-subjects'"
    const key = change.credential.id ?? change.credential.name
    if (removal?.postponed === true) {
      rows.push({ resource: resource(change.credential), before: 'present', after: 'present', detail: describe(change.credential, `kept until this pipeline's certificate signs in, then removed (${why}; see the warning)`) })
    } else if (removal !== undefined && !removal.removed.has(key)) {
      rows.push({ resource: resource(change.credential), before: 'present', after: 'present', detail: describe(change.credential, 'kept: another pipeline recorded its secret set on it while this run went on') })
    } else rows.push({ resource: resource(change.credential), before: 'present', after: 'removed', detail: describe(change.credential, `removed: ${why}`) })
  }
  for (const credential of federation.otherPipelines) {
    rows.push({ resource: resource(credential), before: 'present', after: 'present', detail: describe(credential, "kept: only that pipeline's runs remove it") })
  }
  for (const credential of federation.unrecorded) {
    rows.push({ resource: resource(credential), before: 'present', after: 'present', detail: describe(credential, 'kept: it may be another pipeline\'s (see the warning)') })
  }
  for (const credential of federation.foreign) {
    rows.push({ resource: resource(credential), before: 'present', after: 'present', detail: describe(credential, 'kept: this action never removes a credential it did not make (see the warning)') })
  }
  return rows
}

/**
 * Whose a federated credential is, for the log and the summary: `this pipeline's (set …)`,
 * `another pipeline's (set …)`, `earlier version's (no secret set recorded)`, or `made by someone else`.
 */
export function whoseFederatedCredential(credential: FederatedCredential, secretSet: string): string {
  const maker = federatedCredentialMaker(credential, secretSet)
  switch (maker.kind) {
    case 'this-set': {
      const others = maker.sets.filter(set => set !== secretSet)
      return `this pipeline's (set ${secretSet}${others.length === 0 ? '' : `; shared with set ${others.join(', ')}`})`
    }
    case 'other-set':
      return `another pipeline's (set ${maker.sets.join(', ')})`
    case 'earlier-version':
      return "earlier version's (no secret set recorded)"
    case 'not-action':
      return 'made by someone else'
  }
}

/**
 * Federated credentials this run keeps though it does not want them: warnings for those made by
 * someone else and for an earlier version's this run cannot tell are its own (each still lets
 * its subject sign in, and never expires), with how to remove them; notes for other pipelines'.
 */
export function federatedCredentialsLeftAlone(plan: Plan): { warnings: string[]; notes: string[] } {
  const federation = plan.federatedCredentials
  const appId = plan.app.appId ?? '<app-id>'
  return {
    warnings: [
      ...(federation?.unrecorded ?? []).map(
        credential =>
          `The app has a federated credential "${credential.name}" (subject '${credential.subject}', issuer ${credential.issuer}) made by an earlier version of this action, which did not record which pipeline wants it; it may be another pipeline's sharing this app, so it is left as it is. ` +
          `Jobs with that subject can sign in to Exchange Online as this app, and it never expires: once that pipeline has run this version (which records its set on the credentials it lists), or if no pipeline lists the subject any more, remove it: az ad app federated-credential delete --id ${appId} --federated-credential-id ${credential.id ?? credential.name}`
      ),
      ...(federation?.foreign ?? []).map(foreignCredentialNote)
    ],
    notes: (federation?.otherPipelines ?? []).map(
      credential =>
        `Federated credential ${credential.name} (subject '${credential.subject}') is ${whoseFederatedCredential(credential, plan.secretSet.id)}, another pipeline sharing this app: left as it is; only that pipeline's runs remove it.`
    )
  }
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

function certificateSentence(plan: Plan): string {
  const certificate = plan.certificate
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
        `rotate-before-days (${certificate.rotateBeforeDays}), so a new one is made; the old one ${previousCertificateFate(plan)}.`
      )
    case 'held-valid':
      return `keeping the held certificate ${certificate.held.thumbprint}, which ${expiry(certificate.held)}.`
  }
}

/** One certificate on the app, for the log and the job summary. */
export interface CertificateOnAppRow {
  thumbprint: string
  /** Whose it is: this pipeline's secret set, another's, unknown, or not this action's. */
  whose: string
  /** YYYY-MM-DD, as the app enforces it. */
  expires: string
  /** What this run does with it. */
  thisRun: string
}

/**
 * Every certificate on the app, whose it is and what this run does with it, then the one
 * this run adds (`added`, once it exists).
 */
export function describeCertificatesOnApp(plan: Plan, added?: { thumbprint: string; notAfter: Date }): CertificateOnAppRow[] {
  const rows = plan.certificatesOnApp.map(certificate => ({
    thumbprint: certificate.thumbprint ?? `keyId ${certificate.keyId}`,
    whose: whoseCertificate(certificate),
    expires: day(certificate.endDateTime),
    thisRun: certificateOutcome(certificate, plan)
  }))
  if (added !== undefined) {
    rows.push({
      thumbprint: added.thumbprint.toUpperCase(),
      whose: `this pipeline's (set ${plan.secretSet.id})`,
      expires: day(added.notAfter.toISOString()),
      thisRun: 'added in this run'
    })
  }
  return rows
}

export function whoseCertificate(certificate: CertificateOnApp): string {
  switch (certificate.maker) {
    case 'this-set':
      return `this pipeline's (set ${certificate.secretSet ?? ''})`
    case 'other-set':
      return `another pipeline's (set ${certificate.secretSet ?? ''})`
    case 'unrecorded':
      return 'unknown pipeline (made before certificates recorded their secret set)'
    case 'not-action':
      return 'not made by this action'
  }
}

function certificateOutcome(certificate: CertificateOnApp, plan: Plan): string {
  switch (certificate.outcome) {
    case 'remove-expired':
      return 'removed (expired)'
    case 'revoke':
      return plan.revokePrevious?.supersededBy === 'this-run'
        ? 'revoked once the new certificate has signed in and is stored (revoke-previous: 0)'
        : `revoked: superseded for more than ${plan.revokePrevious?.graceHours ?? 0} h (revoke-previous)`
    case 'left-alone':
      return "left alone: revoke-previous removes only this pipeline's certificates"
    case 'skipped':
      return `left: ${certificate.skipped?.was === 'remove-expired' ? 'expired, but' : 'superseded, but'} the provisioning identity may not remove it (${certificate.skipped?.permission ?? 'Application.ReadWrite.All'}; see the warning)`
    case 'keep':
      return certificate.held ? 'held by this run' : 'kept'
  }
}

/**
 * What becomes of the certificate a rotation replaces (the held one), after "the old one" or
 * "the previous certificate". `revoked`: whether this run revoked it, once known (after the run).
 */
export function previousCertificateFate(plan: Plan, revoked?: boolean): string {
  if (plan.certificate.reason === 'held-not-on-app') return 'is not on the app (nothing to revoke)'
  const held = plan.certificatesOnApp.find(certificate => certificate.held)
  const hours = plan.revokePreviousAfterHours
  if (held !== undefined && held.maker !== 'this-set') {
    const why =
      held.maker === 'other-set'
        ? `it belongs to another secret set (${held.secretSet ?? ''}), which revokes its own`
        : held.maker === 'unrecorded'
          ? "its name records no secret set, so revoke-previous leaves it (it may be another pipeline's)"
          : 'this action did not make it'
    return `stays on the app until it expires: ${why}`
  }
  if (held?.outcome === 'skipped') {
    return `stays on the app: the provisioning identity may not remove it (${held.skipped?.permission ?? 'Application.ReadWrite.All'}), so this run leaves it (see the warning)`
  }
  if (hours === undefined) return 'stays on the app until it expires (revoke-previous: never)'
  if (hours === 0) {
    if (revoked === true) return 'was revoked in this run, once the new one had signed in and was stored (revoke-previous: 0)'
    if (revoked === false) return 'stays on the app for now: it was not revoked in this run (the new one did not sign in, or the removal failed; see the log); a later run revokes it (revoke-previous: 0)'
    return 'is revoked in this run once the new one has signed in and is stored (revoke-previous: 0)'
  }
  return `stays on the app so jobs that already loaded it keep working; the first run ${hours} h or more after this one revokes it (revoke-previous: ${hours})`
}

/**
 * Certificates as old as what revoke-previous removes that it left on the app because they
 * are not this pipeline's: warnings for those whose maker is unknown (made before
 * certificates recorded their secret set), with how to remove them by hand; notes for
 * another pipeline's.
 */
export function certificatesLeftAlone(plan: Plan): { warnings: string[]; notes: string[] } {
  const warnings: string[] = []
  const notes: string[] = []
  for (const certificate of plan.certificatesOnApp.filter(c => c.outcome === 'left-alone')) {
    const which = `${certificate.thumbprint ?? ''} (keyId ${certificate.keyId}, valid until ${day(certificate.endDateTime)})`
    if (certificate.maker === 'unrecorded') {
      warnings.push(
        `revoke-previous left certificate ${which} on the app: it was made before certificates recorded their secret set, so it may be the one another pipeline sharing this app uses. ` +
          `If no pipeline's secrets hold it any more (compare their CERT_THUMBPRINT secrets), remove it: az ad app credential delete --id ${plan.app.appId ?? '<app-id>'} --key-id ${certificate.keyId}`
      )
    } else {
      notes.push(`revoke-previous left certificate ${which} on the app: it is ${whoseCertificate(certificate)}, and only that pipeline's runs revoke it.`)
    }
  }
  return { warnings, notes }
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
