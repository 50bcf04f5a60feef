/**
 * Provision mode: sign in as the provisioning identity, read the tenant, plan, then carry
 * the plan out as steps (run-steps.ts): apply, verify, store the secrets, write the connect
 * files and outputs, check the new certificate is still on the app, remove old
 * certificates. The order protects the everyday jobs: a new
 * certificate is added beside the old one, proven, stored, and only then are this action's
 * old certificates removed. If a step fails before the secrets are stored, the secrets are
 * put back and the new certificate comes off the app again, so the app and the secrets
 * never disagree; once they are stored, the rotation stands. With a secret target, runs
 * that change the certificate or the secrets take turns under the provisioning lease.
 */
import * as core from '@actions/core'
import { CertificateInAdvance, daysUntil } from './certificate/index.js'
import type { HeldCertificate } from './certificate/types.js'
import { emitConnectFiles, emitFederatedConnectFiles, type ConnectFiles, type FederatedConnectFiles } from './connect-files.js'
import { federatedExchangeTokens } from './entra/exchange-token.js'
import { jobIsTrusted, resolveFederation, type ResolvedFederation } from './entra/trusted-subjects.js'
import { ApplyError, applyPlan, removeFederatedCredentials, type AppliedState } from './entra/apply.js'
import { certificatesLeftAlone, describeCertificatesOnApp, describePlanLines, describePlanRows, federatedCredentialsLeftAlone, previousCertificateFate, type FederatedRemovalOutcome } from './entra/describe-plan.js'
import { Graph } from './entra/graph.js'
import { desiredStateFromSettings, planProvisioning, type Plan, type RemoveFederatedCredential } from './entra/plan.js'
import { readTenant } from './entra/read-tenant.js'
import type { TenantState } from './entra/tenant-state.js'
import {
  checkPreflight,
  describePreflight,
  identityReadsFor,
  needsOfFirstRun,
  needsOfPlan,
  preflightFailure,
  skippedWarning,
  withoutSkippedTasks
} from './entra/preflight.js'
import { provisioningCredential, provisioningIdentityClaims } from './entra/sign-in.js'
import { verifyFederatedExchangeAccess, verifyWaitSeconds, type VerifyResult } from './entra/verify.js'
import { UserError } from './errors.js'
import {
  heldCertificateStillWorks,
  keepNewCertificateOnApp,
  removeNewCertificate,
  removeOldCertificates,
  verifyKeptOnApp,
  withGraphErrors,
  type HoldLease
} from './provision/certificate-on-app.js'
import { federatedNextSteps, nextSteps, reportDryRun, writeStoppedSummary } from './provision/report.js'
import {
  leftOverCertificateSecrets,
  putBackSecrets,
  readStoredSecretDates,
  requireUsableCertificate,
  storeSecrets,
  type SettledSecretDates,
  type StoreSecretsFindings
} from './provision/store-secrets.js'
import { LeaseOverdue } from './github/lease.js'
import { ProvisioningLease } from './provisioning-lease.js'
import { setActionOutputs } from './report/outputs.js'
import { printable } from './report/printable.js'
import { readJobFacts } from './runner/github-event.js'
import { writeSummary, type SummaryReport } from './report/summary.js'
import { runSteps, type RunStep } from './run-steps.js'
import { requestGitHubIdToken, type GitHubIdToken } from './runner/github-oidc.js'
import { recordPhase, timed } from './runner/step-timings.js'
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
    for (const line of describePreflight(report)) core.info(printable(line))
    core.endGroup()
    await writeStoppedSummary(settings, undefined, report, settings.dryRun)
    throw preflightFailure(report, grantTarget, { dryRun: settings.dryRun })
  }

  const organization = settings.organization ?? actual.initialDomain ?? ''
  const trusted = await federation?.value()
  for (const note of trusted?.notes ?? []) core.info(printable(note))
  for (const warning of trusted?.warnings ?? []) core.warning(warning, { title: 'Federated trust wider than it looks' })
  const planned = planProvisioning(desiredStateFromSettings(settings, trusted?.federation, readJobFacts(process.env)), actual, now)
  const preflight = checkPreflight(needsOfPlan(planned), evidence, {
    ...(actual.app === undefined ? {} : { app: { objectId: actual.app.objectId, appId: actual.app.appId, displayName: actual.app.displayName } }),
    refusedReads: actual.refusedReads
  })
  // Removing old certificates is best-effort: without the permission for it, the rest still runs.
  const plan = withoutSkippedTasks(planned, preflight)
  core.startGroup(settings.dryRun ? 'Plan (dry run: nothing will be written)' : 'Plan')
  // Each line names what Graph returned (display names): printable, so none can start a workflow command.
  for (const line of [...describePlanLines(plan), ...describePreflight(preflight)]) core.info(printable(line))
  core.endGroup()
  const skipped = skippedWarning(preflight, grantTarget)
  if (skipped !== undefined) core.warning(skipped, { title: 'Old certificates left on the app' })
  if (plan.securityAndCompliance?.available === false) {
    core.warning(plan.securityAndCompliance.note, { title: 'Security & Compliance permission not granted' })
  }
  const federatedLeftAlone = federatedCredentialsLeftAlone(plan)
  for (const note of federatedLeftAlone.notes) core.info(printable(note))
  for (const warning of federatedLeftAlone.warnings) core.warning(warning, { title: 'Federated credential left on the app' })
  const leftAlone = certificatesLeftAlone(plan)
  for (const note of leftAlone.notes) core.info(printable(note))
  for (const warning of leftAlone.warnings) core.warning(warning, { title: 'Certificate of an unknown pipeline left on the app' })

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
  requireUsableCertificate(settings, await storedSecretDates?.value(), now)

  // Asked for now, so the request travels while the app is set up; certificate writes wait for it.
  if (plan.certificate.decision === 'add-new' || plan.prune !== undefined || plan.revokePrevious !== undefined) lease?.request()
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
  /** Set by the last step: which of the plan's federated credential removals happened. */
  federatedRemoval?: FederatedRemovalOutcome
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
    timed('apply', () => applyPlan(plan, actual, { graph, settings, now, log: line => core.info(printable(line)), newCertificate, holdLease }))
  )
  if (newCertificate.timing !== undefined) {
    recordPhase('certificate (made beside sign-in and reads)', newCertificate.timing.madeInMs)
    recordPhase('certificate (apply waited for it)', newCertificate.timing.waitedMs)
  }
  return { applied, holdLease }
}

/**
 * Everything after the plan, as steps (run-steps.ts): apply, verify, store the secrets —
 * the point after which the rotation stands — then the connect files and outputs, the check
 * that the new certificate is still on the app (its failure fails the job, undoing nothing),
 * and last the best-effort removal of old certificates. If a step before the secrets settle
 * fails, the secrets are put back first and then the new certificate comes off the app
 * (unless a secret still names it, or the lease is no longer this run's).
 */
async function carryOutPlan(run: ProvisionRun): Promise<void> {
  const { settings, graph, plan, organization, lease, storedSecretDates } = run
  const tenantId = settings.tenantId ?? ''
  let applied: AppliedState | undefined
  let holdLease: HoldLease | undefined
  let verification: VerifyResult | undefined
  let secretsReport: SummaryReport['secrets']
  let files: ConnectFiles | undefined
  let revokedPrevious = false
  /** Certificate secrets that still hold the new certificate after a failed put-back: it stays on the app for them. */
  let secretsNamingNew: string[] = []
  /** The secrets were written whole with the new certificate instead of put back (another run stored its set meanwhile). */
  let keptNewSet = false
  const secretFindings: StoreSecretsFindings = { setChangedSinceRead: false }
  const appliedState = (): AppliedState => {
    if (applied === undefined) throw new Error('apply has not run')
    return applied
  }
  const certificate = (): HeldCertificate => {
    const held = appliedState().newCertificate ?? settings.held
    if (held === undefined) throw new Error('No certificate after apply: the plan neither kept nor added one')
    return held
  }

  await runSteps(
    [
      {
        name: 'apply the plan',
        run: async () => void ({ applied, holdLease } = await applyInGroup(run)),
        // Only the new certificate is taken back: the app, consent and roles are what every
        // rerun converges to anyway, and removing them would break jobs already using them.
        undo: async failure => {
          const added = applied?.newCertificate
          if (applied === undefined || added === undefined) return
          const leftOnApp = new Error(`the new certificate ${added.thumbprint} was left on the app, because this run no longer holds the lease; no secret names it`)
          if (failure instanceof LeaseOverdue) {
            // Another run may hold the lease by now: a keyCredentials write here could drop its
            // certificate. An unused certificate on the app is harmless; the next run stores one.
            throw leftOnApp
          }
          if (keptNewSet) {
            core.info(`The new certificate ${added.thumbprint} stays on the app: the stored secrets hold it.`)
            return
          }
          if (secretsNamingNew.length > 0) {
            throw new Error(
              `the new certificate ${added.thumbprint} was left on the app, because ${secretsNamingNew.join(', ')} still hold it; rerun this workflow to store one consistent set`
            )
          }
          try {
            await removeNewCertificate(graph, settings, applied, holdLease)
          } catch (error) {
            // The lease went overdue while the run was being taken back: the same as above.
            if (error instanceof LeaseOverdue) throw leftOnApp
            throw error
          }
        }
      },
      {
        name: 'verify the new certificate',
        run: async () => {
          const done = appliedState()
          verification = await timed('verify', () => verifyKeptOnApp(graph, settings, plan, done, certificate(), tenantId, holdLease))
          const added = done.newCertificate
          if (added === undefined || verification === undefined || verification.signedIn) return
          const why = `${verification.signInError ?? 'no answer'}`
          if (!heldCertificateStillWorks(plan, settings.held, new Date())) {
            // Nothing to fall back to: taking the new certificate off would leave the app with
            // none that works. It is on the app (apply confirmed it), so it is stored.
            core.warning(
              `The new certificate ${added.thumbprint} did not sign in within ${verifyWaitSeconds(settings)} s (${why}). It is on the app and is stored anyway, since ${
                settings.held === undefined ? 'there is no earlier certificate' : `the certificate this run was given (${settings.held.thumbprint}) is expired or not on the app, so there is nothing`
              } to keep; Entra replication can take minutes. Rerun this workflow later to verify.`,
              { title: 'New certificate not verified yet' }
            )
            return
          }
          throw new UserError(
            `The new certificate ${added.thumbprint} could not sign in as app ${done.app.appId} within ${verifyWaitSeconds(settings)} s (${why}). It was removed again and the previous certificate and secrets were left as they were. Run again later, or raise 'verify-timeout-seconds' if Entra replication is slow in this tenant.`
          )
        }
      },
      {
        name: 'store the secrets',
        settles: true,
        run: async () => {
          secretsReport = await timed('secrets', () =>
            storeSecrets(settings, { appId: appliedState().app.appId, organization, certificate: certificate() }, storedSecretDates, lease, secretFindings)
          )
        },
        // Secrets first, then (apply's undo) the certificate: no secret is left naming a
        // certificate that is no longer on the app.
        undo: async failure => {
          if (applied?.newCertificate === undefined) return
          const putBack = await putBackSecrets(settings, failure, {
            setChangedSinceRead: secretFindings.setChangedSinceRead,
            current: { appId: applied.app.appId, tenantId, organization, certificate: applied.newCertificate }
          }, holdLease)
          keptNewSet = putBack.keptNew === true && putBack.problem === undefined
          secretsNamingNew = keptNewSet ? [] : putBack.stillNamingNew
          if (putBack.problem !== undefined) throw new Error(putBack.problem)
        }
      },
      {
        name: 'write the connect files and outputs',
        run: async () => {
          const done = appliedState()
          const held = certificate()
          files = await timed('connect files', () => emitConnectFiles(settings, held, { appId: done.app.appId, organization }))
          setActionOutputs({
            appId: done.app.appId,
            appObjectId: done.app.objectId,
            servicePrincipalId: done.servicePrincipalId,
            tenantId,
            organization,
            certificate: held,
            pfx: { base64: held.pfxBase64, password: held.pfxPassword, path: files.pfxPath },
            connectScript: files.scriptPath,
            credential: 'certificate',
            rotated: done.newCertificate !== undefined,
            changes: plan.changes
          })
        }
      },
      {
        // The new certificate is in the secrets and in this job's connect script, so it must
        // still be on the app before older ones go. Runs sharing the lease cannot have dropped
        // it; a writer outside it (a person, a pipeline with other secrets) can. A failure here
        // fails the job (nothing is undone: the secrets are stored).
        name: 'check that the new certificate is still on the app',
        run: async () => {
          const done = appliedState()
          if (done.newCertificate === undefined) return
          // Putting it back is a certificate write: the lease must still be this run's.
          await keepNewCertificateOnApp(graph, settings, done, holdLease)
        }
      },
      {
        name: 'remove the old certificates this action made',
        bestEffort: true,
        run: async () => void (revokedPrevious = await removeOldCertificates(settings, graph, plan, verification?.signedIn === true, holdLease))
      },
      // Federated sign-in goes only once the certificate path is proven: this run's certificate signed in.
      federatedRemovalStep(run, () => verification?.signedIn === true)
    ],
    message => core.warning(message)
  )
  await lease?.release()

  const done = appliedState()
  const held = certificate()
  const rotated = done.newCertificate !== undefined
  core.info(`Graph requests: ${graph.stats.reads} reads, ${graph.stats.writes} writes, ${graph.stats.retries} retries.`)
  await writeSummary({
    title: plan.changes.length === 0 ? 'Exchange Online app: everything in place' : 'Exchange Online app: provisioned',
    app: { id: done.app.appId, name: done.app.displayName, objectId: done.app.objectId, servicePrincipalId: done.servicePrincipalId },
    tenantId,
    organization,
    resources: describePlanRows(plan, run.federatedRemoval).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
    certificate: {
      thumbprint: held.thumbprint,
      notAfter: held.notAfter,
      daysLeft: daysUntil(held.notAfter, run.now),
      // The previous certificate's expiry as Entra enforces it (the app-side end date when earlier).
      ...(rotated && plan.certificate.decision === 'add-new' && plan.certificate.reason !== 'none-held'
        ? {
            previous: {
              thumbprint: plan.certificate.held.thumbprint,
              notAfter: new Date(plan.certificate.held.notAfter),
              fate: previousCertificateFate(plan, plan.revokePrevious?.supersededBy === 'this-run' ? revokedPrevious : undefined)
            }
          }
        : {})
    },
    certificatesOnApp: {
      secretSet: `${plan.secretSet.id} (${plan.secretSet.description})`,
      rows: describeCertificatesOnApp(plan, rotated ? held : undefined)
    },
    secrets: secretsReport,
    ...(files === undefined ? {} : { connectScript: files.scriptPath }),
    notes: nextSteps(verification, secretsReport !== undefined)
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
  const canSignIn = jobIsTrusted(trusted)
  // The jobs' audience (federated-audience), not the provisioning identity's.
  const assertion = reusableGitHubIdToken(trusted.federation.audience)
  let applied: AppliedState | undefined
  let holdLease: ((giveUp?: AbortSignal) => Promise<void>) | undefined
  let verification: VerifyResult | undefined
  let secretsReport: SummaryReport['secrets']
  let files: FederatedConnectFiles | undefined
  let expiresOn: Date | undefined
  const appliedState = (): AppliedState => {
    if (applied === undefined) throw new Error('apply has not run')
    return applied
  }

  // Nothing to take back: a federated credential holds no key, and jobs sign in once it has replicated.
  await runSteps(
    [
      { name: 'apply the plan', run: async () => void ({ applied, holdLease } = await applyInGroup(run)) },
      {
        name: 'verify sign-in with this job\'s token',
        run: async () => {
          verification = await verifyFederatedIfChanged(settings, plan, appliedState(), trusted, canSignIn, assertion)
          if (verification === undefined || verification.signedIn) return
          core.warning(
            `This job could not sign in as app ${appliedState().app.appId} with its GitHub OIDC token within ${verifyWaitSeconds(settings)} s (${verification.signInError ?? 'no answer'}). The federated credentials are on the app; Entra replication can take minutes. Rerun this workflow later to verify.`,
            { title: 'Federated sign-in not verified yet' }
          )
        }
      },
      {
        name: 'store the secrets',
        settles: true,
        run: async () => void (secretsReport = await storeSecrets(settings, { appId: appliedState().app.appId, organization, certificate: undefined }, storedSecretDates, lease))
      },
      {
        // The job that provisions can connect too, when the app trusts its token.
        name: 'write the connect files and outputs',
        run: async () => {
          const done = appliedState()
          if (canSignIn && (verification === undefined || verification.signedIn)) {
            const tokens = await federatedExchangeTokens(
              { tenantId, appId: done.app.appId, cloud: settings.cloud, audience: trusted.federation.audience, assertion },
              settings.connectIppsSession
            )
            core.setSecret(tokens.exchange.token)
            if (tokens.compliance !== undefined) core.setSecret(tokens.compliance.token)
            files = await emitFederatedConnectFiles(settings, tokens, { appId: done.app.appId, organization, tenantId })
            expiresOn = tokens.exchange.expiresOn
          }
          setActionOutputs({
            appId: done.app.appId,
            appObjectId: done.app.objectId,
            servicePrincipalId: done.servicePrincipalId,
            tenantId,
            organization,
            ...(files === undefined ? {} : { connectScript: files.scriptPath }),
            credential: 'federated',
            ...(files === undefined || expiresOn === undefined ? {} : { accessToken: { path: files.exchangeTokenPath, expiresOn } }),
            rotated: false,
            changes: plan.changes
          })
        }
      },
      {
        name: 'remove the old certificates this action made',
        bestEffort: true,
        run: async () => void (await removeOldCertificates(settings, graph, plan, false, holdLease))
      },
      federatedRemovalStep(run)
    ],
    message => core.warning(message)
  )
  await lease?.release()

  const done = appliedState()
  core.info(`Graph requests: ${graph.stats.reads} reads, ${graph.stats.writes} writes, ${graph.stats.retries} retries.`)
  const subjects = [...trusted.federation.subjects]
  const leftOver = await leftOverCertificateSecrets(settings, storedSecretDates)
  await writeSummary({
    title: plan.changes.length === 0 ? 'Exchange Online app: everything in place (federated)' : 'Exchange Online app: provisioned (federated)',
    app: { id: done.app.appId, name: done.app.displayName, objectId: done.app.objectId, servicePrincipalId: done.servicePrincipalId },
    tenantId,
    organization,
    credential: { kind: 'federated', subjects, ...(expiresOn === undefined ? {} : { expiresOn }) },
    certificatesOnApp: { secretSet: `${plan.secretSet.id} (${plan.secretSet.description})`, rows: describeCertificatesOnApp(plan) },
    resources: describePlanRows(plan, run.federatedRemoval).map(row => ({ resource: row.resource, before: row.before, after: row.after, detail: row.detail })),
    secrets: secretsReport,
    ...(files === undefined ? {} : { connectScript: files.scriptPath }),
    notes: [...federatedNextSteps(verification, secretsReport, canSignIn, trusted), ...leftOver]
  })
}

/**
 * The last step of both modes: this action's federated credentials the plan no longer wants
 * come off the app, once everything else is verified, stored and written (a removal cannot be
 * taken back). Not best-effort: a trust the workflow dropped that stays on the app fails the
 * job (see removeFederatedCredentials), but takes nothing back, since the run has settled.
 */
function federatedRemovalStep(run: ProvisionRun, certificateSignedIn?: () => boolean): RunStep {
  return {
    name: 'remove the federated credentials this action no longer wants',
    run: async () => {
      const removals = run.plan.removeFederatedCredentials ?? []
      if (removals.length === 0) return
      if (certificateSignedIn !== undefined && !certificateSignedIn()) {
        core.warning(federatedRemovalPostponed(run, removals), { title: 'Federated credentials kept until the certificate signs in' })
        run.federatedRemoval = { removed: new Set(), postponed: true }
        return
      }
      const removed = await core.group('Removing federated credentials this action made and no longer wants', () =>
        // Each line names credentials and subjects read from Graph: printable, so none can start a workflow command.
        removeFederatedCredentials(run.plan, { graph: run.graph, settings: run.settings, log: line => core.info(printable(line)) })
      )
      run.federatedRemoval = { removed: new Set(removed.map(change => change.credential.id ?? change.credential.name)), postponed: false }
    }
  }
}

/**
 * Back on `credential: certificate`, the federated credentials stay until a run's certificate
 * has signed in (verified): until then jobs not yet switched may need them, and the certificate
 * path is not proven (`verify: false`, or stored without signing in within the timeout).
 */
function federatedRemovalPostponed(run: ProvisionRun, removals: readonly RemoveFederatedCredential[]): string {
  const why = run.settings.verify.enabled
    ? 'the certificate this run holds did not sign in (or nothing was verified)'
    : "'verify' is false, so the certificate this run holds was not verified"
  return printable(
    `Not removing ${removals.length === 1 ? 'the federated credential' : `${removals.length} federated credentials`} this pipeline no longer wants (credential: certificate) yet: ${why}, and jobs must not lose their federated sign-in before the certificate is proven. The next run whose certificate signs in (verify: true) removes ${removals.length === 1 ? 'it' : 'them'}: ${removals.map(change => `${change.credential.name} (subject '${change.credential.subject}')`).join(', ')}. Until then jobs with ${removals.length === 1 ? 'its subject' : 'those subjects'} can still sign in as app ${run.plan.app.appId ?? ''}.`
  )
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
      printable(
        `Not verifying: this job's GitHub OIDC token (${trusted.job?.subject === undefined ? 'none: the job has no id-token: write permission' : `subject '${trusted.job.subject}'`}) is not one the app trusts, so it cannot sign in as the app. Jobs with the subjects ${trusted.federation.subjects.map(subject => `'${subject}'`).join(', ')} can.`
      )
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
        `After ${verifyWaitSeconds(settings)} s the Exchange Online token still lacks: ${result.missing.join('; ')}. Entra can take up to 15 minutes to apply consent and role changes; rerun this workflow later to confirm.`,
        { title: 'Exchange Online access not yet in effect' }
      )
    }
    return result
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

/** GitHub OIDC tokens for the Exchange app's sign-in, reused while they have two minutes left. */
function reusableGitHubIdToken(audience: string): () => Promise<GitHubIdToken> {
  let cached: GitHubIdToken | undefined
  return async () => {
    if (cached?.expiresAt !== undefined && cached.expiresAt.getTime() - 120_000 > Date.now()) return cached
    cached = await requestGitHubIdToken(audience, "This job cannot request a GitHub OIDC token: give it `permissions: id-token: write`.")
    return cached
  }
}
