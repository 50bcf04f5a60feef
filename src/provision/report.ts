/**
 * What provision mode reports besides its log: the dry run's plan, a stopped run's summary
 * (before any write, or partway through apply), and the next steps after a run.
 */
import * as core from '@actions/core'
import { ApplyError, describeStop } from '../entra/apply.js'
import { describeCertificatesOnApp, describePlanRows } from '../entra/describe-plan.js'
import type { Plan } from '../entra/plan.js'
import { CAPABILITY_NAMES, type PreflightReport } from '../entra/preflight.js'
import type { ResolvedFederation } from '../entra/trusted-subjects.js'
import type { VerifyResult } from '../entra/verify.js'
import { writeSummary, type SummaryReport } from '../report/summary.js'
import type { Settings } from '../settings.js'

export async function reportDryRun(settings: Settings, plan: Plan, organization: string, preflight: PreflightReport): Promise<void> {
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
    certificatesOnApp: { secretSet: `${plan.secretSet.id} (${plan.secretSet.description})`, rows: describeCertificatesOnApp(plan) },
    notes: [
      'Dry run: nothing was written to the tenant, to GitHub or to disk. Run again with dry-run: false to apply.',
      ...preflightNotes(preflight, true)
    ]
  })
}

/** The preflight in the summary's notes: what is missing (a real run would stop), or what it cannot tell. */
export function preflightNotes(preflight: PreflightReport, dryRun: boolean): string[] {
  const notes = preflight.missing.map(
    requirement =>
      `${dryRun ? 'A real run would stop before any write: the' : 'The'} provisioning identity lacks ${requirement.grant ?? CAPABILITY_NAMES[requirement.capability]}, needed to ${requirement.tasks.join('; ')} (${requirement.because}).`
  )
  for (const requirement of preflight.skipped) {
    notes.push(`Skipped (best-effort): ${requirement.tasks.join('; ')}. The provisioning identity lacks ${requirement.grant ?? CAPABILITY_NAMES[requirement.capability]} (${requirement.because}); the certificates stay on the app until they expire.`)
  }
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
export async function writeStoppedSummary(
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

export function nextSteps(verification: VerifyResult | undefined, stored: boolean): string[] {
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

export function federatedNextSteps(
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
