/**
 * Provision mode: sign in as the provisioning identity, read the tenant, plan, apply,
 * verify, store the secrets, prune, emit the connect script. The order protects the
 * everyday jobs: a new certificate is added beside the old one, proven, stored, and only
 * then are expired certificates of this action removed. If storing fails, the new
 * certificate is taken off the app again, so the app and the secrets never disagree.
 * With a secret target, runs that change the certificate or the secrets take turns under
 * the provisioning lease, so concurrent runs cannot overwrite each other's.
 */
import * as core from '@actions/core'
import { CertificateInAdvance, daysUntil } from './certificate/index.js'
import type { HeldCertificate } from './certificate/types.js'
import { emitConnectFiles, emitFederatedConnectFiles, type FederatedConnectFiles } from './connect-files.js'
import { federatedExchangeTokens } from './entra/exchange-token.js'
import { jobIsTrusted, resolveFederation, type ResolvedFederation } from './entra/trusted-subjects.js'
import { ApplyError, applyPlan, describeStop, ensureCertificateOnApp, removeCertificate, removeKeyCredentials, type AppliedState } from './entra/apply.js'
import { describePlanLines, describePlanRows } from './entra/describe-plan.js'
import { Graph, GraphRequestError } from './entra/graph.js'
import { explainGraphError, type GraphErrorContext } from './entra/graph-errors.js'
import { desiredStateFromSettings, planProvisioning, type Plan } from './entra/plan.js'
import { readTenant } from './entra/read-tenant.js'
import type { TenantState } from './entra/tenant-state.js'
import {
  CAPABILITY_NAMES,
  checkPreflight,
  describePreflight,
  identityReadsFor,
  needsOfFirstRun,
  needsOfPlan,
  preflightFailure,
  type PreflightReport
} from './entra/preflight.js'
import { provisioningCredential, provisioningIdentityClaims } from './entra/sign-in.js'
import { MAX_VERIFY_ROUNDS, verifyExchangeAccess, verifyFederatedExchangeAccess, type VerifyResult } from './entra/verify.js'
import { UserError } from './errors.js'
import { describeTarget } from './github/secret-errors.js'
import { deleteSecrets, readSecretDates, SecretWriteError } from './github/secrets.js'
import { secretNames } from './github/secret-names.js'
import { givenValues, secretChanges, secretTarget, secretValues, storedSetIncomplete, writeSecretSet } from './github/stored-secrets.js'
import { ProvisioningLease } from './provisioning-lease.js'
import { setActionOutputs } from './report/outputs.js'
import { requestGitHubIdToken, type GitHubIdToken } from './runner/github-oidc.js'
import { recordPhase, timed } from './runner/step-timings.js'
import { writeSummary, type SummaryReport } from './report/summary.js'
import { maskSecret, type Settings } from './settings.js'

const masker = { mask: (value: string) => core.setSecret(value) }

export async function runProvision(settings: Settings, now: Date): Promise<void> {
  const newCertificate = certificateInAdvance(settings, now)
  const credential = provisioningCredential(settings)
  const graph = Graph.create(credential, settings.cloud)

  // When the secrets were last written is read alongside the tenant (no extra round trip on
  // the critical path); it tells storeSecrets whether an earlier run was cut off halfway.
  const storedSecretDates = settings.dryRun ? undefined : settled(readStoredSecretDates(settings))
  const lease = ProvisioningLease.for(settings, async () => (await storedSecretDates?.value())?.publicKey)

  // credential: federated: which jobs the app trusts (this job's OIDC token, read beside the tenant).
  const federation = settings.credential.kind === 'federated' ? settled(resolveFederation(settings)) : undefined
  const claims = await timed('sign-in', () => provisioningIdentityClaims(credential, settings.cloud))
  const grantTarget = { clientId: settings.signIn.clientId, servicePrincipalId: claims.servicePrincipalId, cloud: settings.cloud.name }
  const ownReads = identityReadsFor(claims)
  const actual = await core.group('Reading the tenant', () =>
    timed('read', () => withGraphErrors(
      () =>
        readTenant(graph, {
          appId: settings.app.id,
          appName: settings.app.name,
          needInitialDomain: settings.organization === undefined,
          securityAndCompliance: settings.connectIppsSession,
          federatedCredentials: settings.credential.kind === 'federated',
          ...(claims.servicePrincipalId === undefined ? {} : { identity: { servicePrincipalId: claims.servicePrincipalId, ...ownReads } })
        }),
      { clientId: settings.signIn.clientId }
    ))
  )
  const evidence = {
    claims,
    ownedObjectIds: actual.provisioningIdentity?.ownedObjectIds,
    roleAssignments: actual.provisioningIdentity?.roleAssignments
  }
  if (actual.refusedReads.some(read => read.capability === 'read-tenant')) {
    // The tenant could not be read, so there is no plan: name everything a first run needs
    // that the identity certainly lacks, together with the refused reads.
    const report = checkPreflight(needsOfFirstRun(settings.app.name, settings.roles), evidence, { refusedReads: actual.refusedReads })
    core.startGroup('Preflight')
    for (const line of describePreflight(report)) core.info(line)
    core.endGroup()
    await writeStoppedSummary(settings, undefined, report, settings.dryRun)
    throw preflightFailure(report, grantTarget, { dryRun: settings.dryRun })
  }

  const organization = settings.organization ?? actual.initialDomain ?? ''
  const trusted = await federation?.value()
  for (const note of trusted?.notes ?? []) core.info(note)
  const plan = planProvisioning(desiredStateFromSettings(settings, trusted?.federation), actual, now)
  const preflight = checkPreflight(needsOfPlan(plan), evidence, {
    ...(actual.app === undefined ? {} : { app: { objectId: actual.app.objectId, appId: actual.app.appId, displayName: actual.app.displayName } }),
    refusedReads: actual.refusedReads
  })
  core.startGroup(settings.dryRun ? 'Plan (dry run: nothing will be written)' : 'Plan')
  for (const line of [...describePlanLines(plan), ...describePreflight(preflight)]) core.info(line)
  core.endGroup()
  if (plan.securityAndCompliance?.available === false) {
    core.warning(plan.securityAndCompliance.note, { title: 'Security & Compliance permission not granted' })
  }

  if (settings.dryRun) {
    await reportDryRun(settings, plan, organization, preflight)
    if (!preflight.ok) throw preflightFailure(preflight, grantTarget, { dryRun: true })
    return
  }
  if (!preflight.ok) {
    await writeStoppedSummary(settings, plan, preflight, false)
    throw preflightFailure(preflight, grantTarget)
  }
  // The secret target is checked before the first write too: its read ran beside the
  // tenant's, and a token that cannot read it could not store the certificate either.
  await storedSecretDates?.value()

  // Asked for now, so the request travels while the app is set up; certificate writes wait for it.
  if (plan.certificate.decision === 'add-new' || plan.prune !== undefined) lease?.request()
  try {
    const run: ProvisionRun = { settings, graph, plan, actual, organization, lease, storedSecretDates, newCertificate, now }
    if (trusted !== undefined) {
      await carryOutFederatedPlan(run, trusted)
    } else {
      await carryOutPlan(run)
    }
  } catch (error) {
    if (error instanceof ApplyError) await writeStoppedSummary(settings, plan, undefined, false, error)
    throw error
  } finally {
    await lease?.release()
  }
}

/** Everything the steps after the plan work with. */
interface ProvisionRun {
  settings: Settings
  graph: Graph
  plan: Plan
  actual: TenantState
  organization: string
  lease: ProvisioningLease | undefined
  storedSecretDates: SettledSecretDates | undefined
  newCertificate: CertificateInAdvance
  now: Date
}

/**
 * The certificate this run may add. It is started at once, beside the sign-in and the
 * reads, when the run will most likely add one: certificate credential, not a dry run, and
 * no held certificate or one within the rotation window. Otherwise apply makes it when the
 * plan asks for one.
 */
function certificateInAdvance(settings: Settings, now: Date): CertificateInAdvance {
  const { subject, keySize, validityDays, encryption } = settings.newCertificate
  const advance = new CertificateInAdvance({ subject, keySize, validityDays, encryption, friendlyName: settings.app.name, now }, certificate => {
    for (const secret of [certificate.pfxBase64, certificate.pfxPassword, certificate.privateKeyPem]) maskSecret(masker, secret)
  })
  const likelyNeeded =
    settings.credential.kind === 'certificate' &&
    !settings.dryRun &&
    (settings.held === undefined || daysUntil(settings.held.notAfter, now) <= settings.rotateBeforeDays)
  return likelyNeeded ? advance.start() : advance
}

/** Applies the plan in its own log group; certificate writes wait for the lease when there is one. */
async function applyInGroup(run: ProvisionRun): Promise<{ applied: AppliedState; holdLease: ((giveUp?: AbortSignal) => Promise<void>) | undefined }> {
  const { settings, graph, plan, actual, lease, newCertificate, now } = run
  const holdLease = lease === undefined ? undefined : async (giveUp?: AbortSignal) => void (await lease.hold(giveUp))
  const applied = await core.group(plan.phases.length === 0 ? 'Applying (nothing to change)' : 'Applying', () =>
    timed('apply', () => applyPlan(plan, actual, { graph, settings, now, log: line => core.info(line), newCertificate, holdLease }))
  )
  if (newCertificate.timing !== undefined) {
    recordPhase('certificate (made beside sign-in and reads)', newCertificate.timing.madeInMs)
    recordPhase('certificate (apply waited for it)', newCertificate.timing.waitedMs)
  }
  return { applied, holdLease }
}

/** Apply, verify, store, prune: everything after the plan, under the lease when there is one. */
async function carryOutPlan(run: ProvisionRun): Promise<void> {
  const { settings, graph, plan, organization, lease, storedSecretDates } = run
  const tenantId = settings.tenantId ?? ''
  const { applied, holdLease } = await applyInGroup(run)
  const certificate: HeldCertificate | undefined = applied.newCertificate ?? settings.held
  if (certificate === undefined) throw new Error('No certificate after apply: the plan neither kept nor added one')

  const verification = await timed('verify', () => verifyKeptOnApp(graph, settings, plan, applied, certificate, tenantId))
  if (applied.newCertificate !== undefined && verification !== undefined && !verification.signedIn && settings.held === undefined) {
    // Nothing to fall back to: taking the new certificate off would leave the app with none.
    // It is on the app (apply confirmed it), so it is stored; sign-in follows replication.
    core.warning(
      `The new certificate ${applied.newCertificate.thumbprint} did not sign in within ${settings.verify.timeoutSeconds} s (${verification.signInError ?? 'no answer'}). It is on the app and is stored anyway, since there is no earlier certificate to keep; Entra replication can take minutes. Rerun this workflow later to verify.`,
      { title: 'New certificate not verified yet' }
    )
  } else if (applied.newCertificate !== undefined && verification !== undefined && !verification.signedIn) {
    await rollBackNewCertificate(graph, settings, applied)
    throw new UserError(
      `The new certificate ${applied.newCertificate.thumbprint} could not sign in as app ${applied.app.appId} within ${settings.verify.timeoutSeconds} s (${verification.signInError ?? 'no answer'}). It was removed again and the previous certificate and secrets were left as they were. Run again later, or raise 'verify-timeout-seconds' if Entra replication is slow in this tenant.`
    )
  }

  const secretsReport = await timed('secrets', () => storeSecrets(settings, graph, applied, certificate, organization, storedSecretDates, lease))

  await pruneExpiredCertificates(settings, graph, plan, holdLease)

  // The last Graph call of the run: the new certificate is in the secrets and in this job's
  // connect script, so it must still be on the app. Runs sharing the lease cannot have
  // dropped it; a writer outside it (a person, a pipeline with other secrets) can.
  await keepNewCertificateOnApp(graph, settings, applied)
  await lease?.release()

  const files = await timed('connect files', () => emitConnectFiles(settings, certificate, { appId: applied.app.appId, organization }))
  const rotated = applied.newCertificate !== undefined
  setActionOutputs({
    appId: applied.app.appId,
    appObjectId: applied.app.objectId,
    servicePrincipalId: applied.servicePrincipalId,
    tenantId,
    organization,
    certificate,
    pfx: { base64: certificate.pfxBase64, password: certificate.pfxPassword, path: files.pfxPath },
    connectScript: files.scriptPath,
    credential: 'certificate',
    rotated,
    changes: plan.changes
  })
  core.info(`Graph requests: ${graph.stats.reads} reads, ${graph.stats.writes} writes, ${graph.stats.retries} retries.`)
  await writeSummary({
    title: plan.changes.length === 0 ? 'Exchange Online app: everything in place' : 'Exchange Online app: provisioned',
    app: { id: applied.app.appId, name: applied.app.displayName, objectId: applied.app.objectId, servicePrincipalId: applied.servicePrincipalId },
    tenantId,
    organization,
    resources: describePlanRows(plan).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
    certificate: {
      thumbprint: certificate.thumbprint,
      notAfter: certificate.notAfter,
      daysLeft: daysUntil(certificate.notAfter, run.now),
      // The previous certificate's expiry as Entra enforces it (the app-side end date when earlier).
      ...(rotated && plan.certificate.decision === 'add-new' && plan.certificate.reason !== 'none-held'
        ? { previous: { thumbprint: plan.certificate.held.thumbprint, notAfter: new Date(plan.certificate.held.notAfter) } }
        : {})
    },
    secrets: secretsReport,
    connectScript: files.scriptPath,
    notes: nextSteps(verification, secretsReport !== undefined)
  })
}

/** Removes the expired certificates this action made, after everything else (under the lease when there is one). */
async function pruneExpiredCertificates(
  settings: Settings,
  graph: Graph,
  plan: Plan,
  holdLease: ((giveUp?: AbortSignal) => Promise<void>) | undefined
): Promise<void> {
  const prune = plan.prune
  if (prune === undefined) return
  await holdLease?.()
  await core.group('Removing expired certificates this action made', async () => {
    for (const expired of prune.certificates) core.info(`- ${expired.displayName} (expired ${expired.endDateTime})`)
    await withGraphErrors(() => removeKeyCredentials(graph, prune.appObjectId, prune.keyIds), { clientId: settings.signIn.clientId })
  })
}

/**
 * `credential: federated`: apply (the app, consent, roles and federated credentials), verify by
 * signing in as a job will, store the three secrets that are not secret (app id, tenant,
 * organization), remove expired certificates this action made earlier, and — when this job is
 * one the app trusts — emit the connect script with a token. No certificate anywhere.
 */
async function carryOutFederatedPlan(run: ProvisionRun, trusted: ResolvedFederation): Promise<void> {
  const { settings, graph, plan, organization, lease, storedSecretDates } = run
  const tenantId = settings.tenantId ?? ''
  const { applied, holdLease } = await applyInGroup(run)
  const canSignIn = jobIsTrusted(trusted)
  const assertion = reusableGitHubIdToken(settings.signIn.audience)
  const verification = await verifyFederatedIfChanged(settings, plan, applied, trusted, canSignIn, assertion)
  if (verification !== undefined && !verification.signedIn) {
    // Nothing to take back: a federated credential holds no key, and jobs sign in once it has replicated.
    core.warning(
      `This job could not sign in as app ${applied.app.appId} with its GitHub OIDC token within ${settings.verify.timeoutSeconds} s (${verification.signInError ?? 'no answer'}). The federated credentials are on the app; Entra replication can take minutes. Rerun this workflow later to verify.`,
      { title: 'Federated sign-in not verified yet' }
    )
  }

  const secretsReport = await storeSecrets(settings, graph, applied, undefined, organization, storedSecretDates, lease)
  await pruneExpiredCertificates(settings, graph, plan, holdLease)
  await lease?.release()

  // The job that provisions can connect too, when the app trusts its token.
  let files: FederatedConnectFiles | undefined
  let expiresOn: Date | undefined
  if (canSignIn && (verification === undefined || verification.signedIn)) {
    const tokens = await federatedExchangeTokens(
      { tenantId, appId: applied.app.appId, cloud: settings.cloud, audience: settings.signIn.audience, assertion },
      settings.connectIppsSession
    )
    core.setSecret(tokens.exchange.token)
    if (tokens.compliance !== undefined) core.setSecret(tokens.compliance.token)
    files = await emitFederatedConnectFiles(settings, tokens, { appId: applied.app.appId, organization, tenantId })
    expiresOn = tokens.exchange.expiresOn
  }

  setActionOutputs({
    appId: applied.app.appId,
    appObjectId: applied.app.objectId,
    servicePrincipalId: applied.servicePrincipalId,
    tenantId,
    organization,
    ...(files === undefined ? {} : { connectScript: files.scriptPath }),
    credential: 'federated',
    ...(files === undefined || expiresOn === undefined ? {} : { accessToken: { path: files.exchangeTokenPath, expiresOn } }),
    rotated: false,
    changes: plan.changes
  })
  core.info(`Graph requests: ${graph.stats.reads} reads, ${graph.stats.writes} writes, ${graph.stats.retries} retries.`)
  const subjects = [...trusted.federation.subjects]
  const leftOver = await leftOverCertificateSecrets(settings, storedSecretDates)
  await writeSummary({
    title: plan.changes.length === 0 ? 'Exchange Online app: everything in place (federated)' : 'Exchange Online app: provisioned (federated)',
    app: { id: applied.app.appId, name: applied.app.displayName, objectId: applied.app.objectId, servicePrincipalId: applied.servicePrincipalId },
    tenantId,
    organization,
    credential: { kind: 'federated', subjects, ...(expiresOn === undefined ? {} : { expiresOn }) },
    resources: describePlanRows(plan).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
    secrets: secretsReport,
    ...(files === undefined ? {} : { connectScript: files.scriptPath }),
    notes: [...federatedNextSteps(verification, secretsReport, canSignIn, trusted), ...leftOver]
  })
}

/**
 * After a switch from `credential: certificate`, the certificate secrets are still stored.
 * They are left alone (a job not yet switched still reads them) but named, so they are
 * deleted once nothing uses them: zero-secret means nothing stored.
 */
async function leftOverCertificateSecrets(settings: Settings, storedSecretDates: SettledSecretDates | undefined): Promise<string[]> {
  const stored = await storedSecretDates?.value().catch(() => undefined)
  if (stored === undefined) return []
  const names = secretNames(settings.secrets.prefix)
  const left = [names.certThumbprint, names.certPfxBase64, names.certPassword].filter(name => stored.dates[name.toUpperCase()] !== undefined)
  if (left.length === 0) return []
  const message = `The secrets ${left.join(', ')} from credential: certificate are still stored. Delete them once every job uses credential: federated (Settings → Secrets and variables → Actions); the app's certificates expire on their own.`
  core.warning(message, { title: 'Certificate secrets still stored' })
  return [message]
}

/** Verifies as a job will, when something changed and this job is one the app trusts. */
async function verifyFederatedIfChanged(
  settings: Settings,
  plan: Plan,
  applied: AppliedState,
  trusted: ResolvedFederation,
  canSignIn: boolean,
  assertion: () => Promise<GitHubIdToken>
): Promise<VerifyResult | undefined> {
  if (!settings.verify.enabled || plan.phases.length === 0) return undefined
  if (!canSignIn) {
    core.info(
      `Not verifying: this job's GitHub OIDC token (${trusted.job?.subject === undefined ? 'none: the job has no id-token: write permission' : `subject '${trusted.job.subject}'`}) is not one the app trusts, so it cannot sign in as the app. Jobs with the subjects ${trusted.federation.subjects.map(subject => `'${subject}'`).join(', ')} can.`
    )
    return undefined
  }
  return core.group('Verifying sign-in to Exchange Online with this job\'s GitHub OIDC token', async () => {
    const result = await verifyFederatedExchangeAccess(settings, {
      tenantId: settings.tenantId ?? '',
      appId: applied.app.appId,
      roles: settings.roles,
      assertion: async () => (await assertion()).token
    })
    if (result.ok) {
      core.info(`Verified: a token from this job's GitHub OIDC token carries Exchange.ManageAsApp${settings.roles.length > 0 ? ` and ${settings.roles.map(r => r.displayName).join(', ')}` : ''} (after ${Math.round(result.waitedMs / 1000)} s).`)
    } else if (result.signedIn) {
      core.warning(
        `After ${settings.verify.timeoutSeconds} s the Exchange Online token still lacks: ${result.missing.join('; ')}. Entra can take up to 15 minutes to apply consent and role changes; rerun this workflow later to confirm.`,
        { title: 'Exchange Online access not yet in effect' }
      )
    }
    return result
  })
}

function federatedNextSteps(
  verification: VerifyResult | undefined,
  secrets: SummaryReport['secrets'],
  canSignIn: boolean,
  trusted: ResolvedFederation
): string[] {
  const notes = [...trusted.notes]
  if (verification !== undefined && !verification.ok) {
    notes.push(`Exchange Online access not yet confirmed: the token lacks ${verification.missing.join('; ')}. Entra can take up to 15 minutes; rerun to confirm.`)
  }
  if (!canSignIn) {
    notes.push("This job's token is not one the app trusts, so no connect script was written here: the everyday jobs use connect mode with credential: federated.")
  }
  if (secrets === undefined) {
    notes.push('Set `secret-target` to store EXO_APP_ID, EXO_TENANT_ID and EXO_ORGANIZATION for the everyday jobs (they are not secret, but keep the workflows short).')
  }
  notes.push(
    'Everyday jobs: `mode: connect`, `credential: federated`, app-id, tenant-id and organization, and `permissions: id-token: write`. Nothing to rotate.'
  )
  return notes
}

/**
 * Verifies the sign-in, first making sure the new certificate is still on the app (a
 * concurrent run's stale keyCredentials write can drop it; see ensureCertificateOnApp). If
 * the sign-in fails because it was dropped during verification, it is put back and
 * verified again; if it is still there, the failure stands.
 */
async function verifyKeptOnApp(
  graph: Graph,
  settings: Settings,
  plan: Plan,
  applied: AppliedState,
  certificate: HeldCertificate,
  tenantId: string
): Promise<VerifyResult | undefined> {
  let result: VerifyResult | undefined
  for (let round = 1; ; round++) {
    // apply has just confirmed the certificate is on the app; check again only after a
    // failed sign-in, which a concurrent run dropping it would explain.
    if (round > 1 && !(await keepNewCertificateOnApp(graph, settings, applied))) return result
    result = await verifyIfChanged(settings, plan, applied, certificate, tenantId)
    if (applied.newCertificate === undefined || result === undefined || result.signedIn || round >= MAX_VERIFY_ROUNDS) return result
  }
}

/** ensureCertificateOnApp for this run's new certificate (none: nothing to keep); true when it had to put it back. */
async function keepNewCertificateOnApp(graph: Graph, settings: Settings, applied: AppliedState): Promise<boolean> {
  const added = applied.newCertificate
  if (added === undefined) return false
  const putBack = await withGraphErrors(() => ensureCertificateOnApp(graph, applied.app.objectId, added), { clientId: settings.signIn.clientId })
  if (putBack) {
    core.warning(
      `Another run replaced the app's certificates at the same time and dropped the new certificate ${added.thumbprint}; it was added again. Use a 'concurrency:' group so provisioning runs for one tenant do not overlap.`
    )
  }
  return putBack
}

async function verifyIfChanged(
  settings: Settings,
  plan: Plan,
  applied: AppliedState,
  certificate: HeldCertificate,
  tenantId: string
): Promise<VerifyResult | undefined> {
  // Verify after changes only; pruning is not one (it runs after the secrets).
  if (!settings.verify.enabled || plan.phases.length === 0) return undefined
  return core.group('Verifying sign-in to Exchange Online with the certificate', async () => {
    const result = await verifyExchangeAccess(settings, { tenantId, appId: applied.app.appId, certificate, roles: settings.roles })
    if (result.ok) {
      core.info(`Verified: the token for Exchange Online carries Exchange.ManageAsApp${settings.roles.length > 0 ? ` and ${settings.roles.map(r => r.displayName).join(', ')}` : ''} (after ${Math.round(result.waitedMs / 1000)} s).`)
    } else if (result.signedIn) {
      core.warning(
        `After ${settings.verify.timeoutSeconds} s the Exchange Online token still lacks: ${result.missing.join('; ')}. Entra can take up to 15 minutes to apply consent and role changes; everything was written, so jobs will work once it has replicated. Rerun this workflow later to confirm.`,
        { title: 'Exchange Online access not yet in effect' }
      )
    }
    return result
  })
}

async function storeSecrets(
  settings: Settings,
  graph: Graph,
  applied: AppliedState,
  certificate: HeldCertificate | undefined,
  organization: string,
  storedSecretDates: SettledSecretDates | undefined,
  lease: ProvisioningLease | undefined
): Promise<SummaryReport['secrets']> {
  const target = secretTarget(settings)
  if (target === undefined) return undefined
  const values = { appId: applied.app.appId, tenantId: settings.tenantId ?? '', organization, certificate }
  const decide = (stored: StoredSecretState | undefined) => secretChanges(settings.secrets.prefix, values, givenValues(settings), stored?.dates)
  try {
    let stored = await storedSecretDates?.value()
    let changes = decide(stored)
    if (Object.keys(changes.changed).length > 0 && lease !== undefined) {
      const held = await lease.hold()
      // Another run may have written the secrets since their dates were read: it held the
      // lease meanwhile, or the dates caught it halfway (a partly written set) and it gave
      // the lease back just before this run took it. Decide again from what is stored now.
      const partlyWritten =
        stored !== undefined &&
        Object.values(stored.dates).some(date => date !== undefined) &&
        storedSetIncomplete(settings.secrets.prefix, stored.dates, certificate !== undefined)
      if (held.contended || partlyWritten) {
        stored = await readStoredSecretDates(settings)
        changes = decide(stored)
      }
    }
    const names = Object.keys(changes.changed)
    if (names.length === 0) {
      core.info('Secrets: nothing changed, nothing written.')
      return { where: describeTarget(target), written: [], unchanged: changes.unchanged }
    }
    const unchanged = changes.unchanged
    return await core.group(`Writing secrets (${names.length} changed)`, async () => {
      // The secrets must name a certificate that is on the app. apply confirmed it; a stale
      // write from outside the lease landing meanwhile is repaired at the end of the run.
      const result = await writeSecretSet(settings.secrets.prefix, target, changes.changed, {
        token: settings.secrets.githubToken ?? '',
        apiUrl: settings.secrets.apiUrl,
        publicKey: stored?.publicKey
      })
      const written = [...result.created, ...result.updated]
      core.info(`Wrote ${written.join(', ')} to the ${result.target}.`)
      return { where: result.target, written, unchanged: unchanged.filter(name => !written.includes(name)) }
    })
  } catch (error) {
    // Reading, leasing or writing failed (a bad token, an unknown repository, an outage):
    // the new certificate is not safely in the secrets, so it comes off the app again, and
    // secrets already written for it are put back (restoreSecrets acts on a SecretWriteError).
    if (applied.newCertificate !== undefined) {
      await rollBackNewCertificate(graph, settings, applied)
      await restoreSecrets(settings, error)
    }
    throw error
  }
}

/** Takes the certificate made in this run off the app again; the previous one stays. */
async function rollBackNewCertificate(graph: Graph, settings: Settings, applied: AppliedState): Promise<void> {
  if (applied.newCertificate === undefined) return
  core.warning(`Removing the new certificate ${applied.newCertificate.thumbprint} from the app again, so the app and the stored secrets agree.`)
  await withGraphErrors(() => removeCertificate(graph, applied.app.objectId, applied.newCertificate?.thumbprint ?? ''), { clientId: settings.signIn.clientId })
}

/**
 * Some secrets may have been written before the failure. Those the run holds an earlier
 * value for get the certificate it was given put back; those it created (nothing was there
 * before) are deleted again. Either way no secret is left naming the certificate just taken
 * off the app — except a certificate secret replaced without knowing its earlier value
 * (no pfx-base64 was given), which is reported so the user reruns.
 */
async function restoreSecrets(settings: Settings, failure: unknown): Promise<void> {
  const target = secretTarget(settings)
  if (!(failure instanceof SecretWriteError) || target === undefined) return
  const written = [...failure.created, ...failure.updated]
  if (written.length === 0) return
  const held = settings.held
  const previous =
    held === undefined
      ? {}
      : secretValues(settings.secrets.prefix, {
          appId: settings.app.id ?? '',
          tenantId: settings.tenantId ?? '',
          organization: settings.organization ?? '',
          certificate: held
        })
  const known = (name: string): string | undefined => (previous[name] !== undefined && previous[name] !== '' ? previous[name] : undefined)
  const restore = Object.fromEntries(written.flatMap(name => (known(name) === undefined ? [] : [[name, known(name) as string]])))
  const created = failure.created.filter(name => known(name) === undefined)
  const names = secretNames(settings.secrets.prefix)
  const certificateSecrets = [names.certThumbprint, names.certPfxBase64, names.certPassword]
  const replacedUnknown = failure.updated.filter(name => known(name) === undefined && certificateSecrets.includes(name))
  const options = { token: settings.secrets.githubToken ?? '', apiUrl: settings.secrets.apiUrl }

  if (Object.keys(restore).length > 0) {
    try {
      await writeSecretSet(settings.secrets.prefix, target, restore, options)
      core.warning(`Restored ${Object.keys(restore).join(', ')} to the previous certificate.`)
    } catch (error) {
      core.error(
        `Could not restore ${Object.keys(restore).join(', ')} to the previous certificate (${(error as Error).message}). Rerun this workflow: it will create and store a new certificate.`
      )
    }
  }
  if (created.length > 0) {
    try {
      await deleteSecrets(target, created, options)
      core.warning(`Deleted ${created.join(', ')} again: this run had created them for the certificate it removed.`)
    } catch (error) {
      core.error(`Could not delete ${created.join(', ')} (${(error as Error).message}). Rerun this workflow: it will create and store a new certificate.`)
    }
  }
  if (replacedUnknown.length > 0) {
    core.error(
      `${replacedUnknown.join(', ')} now hold the certificate that was removed, and this run was not given the earlier one (pfx-base64) to put back. Rerun this workflow to store a new certificate.`
    )
  }
}

type StoredSecretState = Awaited<ReturnType<typeof readSecretDates>>
type SettledSecretDates = { value: () => Promise<StoredSecretState | undefined> }

/** When each of the six secrets was last written; undefined without a secret target. */
async function readStoredSecretDates(settings: Settings): Promise<StoredSecretState | undefined> {
  const target = secretTarget(settings)
  if (target === undefined) return undefined
  return readSecretDates(target, Object.values(secretNames(settings.secrets.prefix)), {
    token: settings.secrets.githubToken ?? '',
    apiUrl: settings.secrets.apiUrl
  })
}

/**
 * Runs a promise now and hands its outcome over later, without an unhandled rejection
 * in between: a failure is thrown where the value is awaited.
 */
function settled<T>(promise: Promise<T>): { value: () => Promise<T> } {
  const outcome = promise.then(
    value => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error })
  )
  return {
    value: async () => {
      const result = await outcome
      if (!result.ok) throw result.error
      return result.value
    }
  }
}

async function reportDryRun(settings: Settings, plan: Plan, organization: string, preflight: PreflightReport): Promise<void> {
  core.setOutput('changes', JSON.stringify(plan.changes))
  core.setOutput('rotated', 'false')
  if (plan.app.appId !== undefined) core.setOutput('app-id', plan.app.appId)
  if (organization !== '') core.setOutput('organization', organization)
  if (settings.tenantId !== undefined) core.setOutput('tenant-id', settings.tenantId)
  await writeSummary({
    title: `Exchange Online app: plan (dry run, ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'})`,
    app: { id: plan.app.appId, name: plan.app.displayName, objectId: plan.app.objectId },
    tenantId: settings.tenantId,
    organization,
    resources: describePlanRows(plan).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
    notes: [
      'Dry run: nothing was written to the tenant, to GitHub or to disk. Run again with dry-run: false to apply.',
      ...preflightNotes(preflight, true)
    ]
  })
}

/** The preflight in the summary's notes: what is missing (a real run would stop), or what it cannot tell. */
function preflightNotes(preflight: PreflightReport, dryRun: boolean): string[] {
  const notes = preflight.missing.map(
    requirement =>
      `${dryRun ? 'A real run would stop before any write: the' : 'The'} provisioning identity lacks ${requirement.grant ?? CAPABILITY_NAMES[requirement.capability]}, needed to ${requirement.tasks.join('; ')} (${requirement.because}).`
  )
  const unknown = preflight.requirements.filter(requirement => requirement.verdict === 'unknown')
  if (unknown.length > 0) {
    notes.push(`Preflight could not tell from the token whether the identity may ${unknown.map(requirement => CAPABILITY_NAMES[requirement.capability]).join(' and ')}; a refusal would be explained when it happens.`)
  }
  return notes
}

/**
 * The summary of a run that stopped: before any write (the preflight), or partway through
 * apply (what was already changed, and that a rerun converges).
 */
async function writeStoppedSummary(
  settings: Settings,
  plan: Plan | undefined,
  preflight: PreflightReport | undefined,
  dryRun: boolean,
  failure?: ApplyError
): Promise<void> {
  const notes =
    failure !== undefined && plan !== undefined
      ? [`Failed: ${failure.cause instanceof Error ? failure.cause.message : String(failure.cause)}`, ...describeStop(failure.applied, failure.certificate, plan)]
      : [
          ...(preflight === undefined ? [] : preflightNotes(preflight, dryRun)),
          dryRun ? 'Dry run: nothing was written.' : 'Nothing was written to the tenant or to GitHub. Grant what is missing (see the error for the commands), then run again.'
        ]
  await writeSummary({
    title: failure !== undefined ? 'Exchange Online app: stopped partway' : 'Exchange Online app: stopped before any change',
    app: { id: plan?.app.appId, name: plan?.app.displayName ?? settings.app.name, objectId: plan?.app.objectId },
    tenantId: settings.tenantId,
    // Before any change, the table shows what the run was going to do.
    ...(plan === undefined || failure !== undefined
      ? {}
      : { resources: describePlanRows(plan).map(row => ({ resource: row.resource, before: row.before, after: `${row.after} (planned)`, detail: row.detail })) }),
    notes
  })
}

function nextSteps(verification: VerifyResult | undefined, stored: boolean): string[] {
  const notes: string[] = []
  if (verification !== undefined && !verification.ok) {
    notes.push(`Exchange Online access not yet confirmed: the token lacks ${verification.missing.join('; ')}. Entra can take up to 15 minutes; rerun to confirm.`)
  }
  if (!stored) {
    notes.push(
      "The certificate is only in this job's outputs. To use it in other jobs and workflows, set `secret-target: repository` (or environment/organization) with a `github-token` that may write secrets."
    )
  }
  notes.push('Schedule this action weekly in provision mode with the stored secrets as inputs, so the certificate is renewed before it expires.')
  return notes
}

/** Runs Graph work, turning a Graph error answer into what the user should do. */
async function withGraphErrors<T>(operation: () => Promise<T>, context: GraphErrorContext = {}): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof GraphRequestError) throw explainGraphError(error, context)
    throw error
  }
}

/** GitHub OIDC tokens for the Exchange app's sign-in, reused while they have two minutes left. */
function reusableGitHubIdToken(audience: string): () => Promise<GitHubIdToken> {
  let cached: GitHubIdToken | undefined
  return async () => {
    if (cached?.expiresAt !== undefined && cached.expiresAt.getTime() - 120_000 > Date.now()) return cached
    cached = await requestGitHubIdToken(audience, "This job cannot request a GitHub OIDC token: give it `permissions: id-token: write`.")
    return cached
  }
}
