/**
 * The certificate steps of provision mode that run after apply: verifying that the new
 * certificate signs in, keeping it on the app against concurrent writers, taking it off
 * again when the run is taken back, and removing this action's old certificates last.
 */
import * as core from '@actions/core'
import { CLOCK_SKEW_MS } from '../certificate/index.js'
import type { HeldCertificate } from '../certificate/types.js'
import { ensureCertificateOnApp, removeCertificate, removeKeyCredentials, type AppliedState } from '../entra/apply.js'
import { Graph, GraphRequestError } from '../entra/graph.js'
import { secretSetOf } from '../github/secret-set.js'
import { explainGraphError, type GraphErrorContext } from '../entra/graph-errors.js'
import type { Plan } from '../entra/plan.js'
import { printable } from '../report/printable.js'
import { MAX_VERIFY_ROUNDS, verifyExchangeAccess, verifyWaitMs, verifyWaitSeconds, type VerifyResult } from '../entra/verify.js'
import type { Settings } from '../settings.js'

/** Runs Graph work, turning a Graph error answer into what the user should do. */
export async function withGraphErrors<T>(operation: () => Promise<T>, context: GraphErrorContext = {}): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof GraphRequestError) throw explainGraphError(error, context)
    throw error
  }
}

/**
 * Whether the certificate this run was given still signs in, so a new one that does not can
 * be taken off again: it must be on the app and valid now (the app-side end date counts).
 * An expired held certificate, or one not on the app, is nothing to fall back to.
 */
export function heldCertificateStillWorks(plan: Plan, held: HeldCertificate | undefined, now: Date): boolean {
  const certificate = plan.certificate
  if (held === undefined || certificate.decision === 'none' || certificate.reason === 'none-held') return false
  return certificate.held.onApp && Date.parse(certificate.held.notAfter) > now.getTime() && held.notBefore.getTime() <= now.getTime() + CLOCK_SKEW_MS
}

/** Resolves once this run may write the app's certificates (it holds the provisioning lease, with time left); undefined without a lease. */
export type HoldLease = (giveUp?: AbortSignal) => Promise<void>

/**
 * Verifies the sign-in, first making sure the new certificate is still on the app (a
 * concurrent run's stale keyCredentials write can drop it; see ensureCertificateOnApp). If
 * the sign-in fails because it was dropped during verification, it is put back (under the
 * lease) and verified again; if it is still there, the failure stands. All rounds together
 * wait no longer than verifyWaitMs: the lease's stale limit counts on it.
 */
export async function verifyKeptOnApp(
  graph: Graph,
  settings: Settings,
  plan: Plan,
  applied: AppliedState,
  certificate: HeldCertificate,
  tenantId: string,
  holdLease?: HoldLease,
  sleep?: (ms: number) => Promise<void>
): Promise<VerifyResult | undefined> {
  let result: VerifyResult | undefined
  let leftMs = verifyWaitMs(settings)
  for (let round = 1; ; round++) {
    // apply has just confirmed the certificate is on the app; check again only after a
    // failed sign-in, which a concurrent run dropping it would explain.
    if (round > 1 && !(await keepNewCertificateOnApp(graph, settings, applied, holdLease))) return result
    result = await verifyIfChanged(settings, plan, applied, certificate, tenantId, leftMs, sleep)
    if (applied.newCertificate === undefined || result === undefined || result.signedIn || round >= MAX_VERIFY_ROUNDS) return result
    leftMs = Math.max(0, leftMs - result.waitedMs)
  }
}

/**
 * ensureCertificateOnApp for this run's new certificate (none: nothing to keep); true when it
 * had to put it back. Putting it back is a certificate write: it waits for `holdLease` first.
 */
export async function keepNewCertificateOnApp(graph: Graph, settings: Settings, applied: AppliedState, holdLease?: HoldLease): Promise<boolean> {
  const added = applied.newCertificate
  if (added === undefined) return false
  const putBack = await withGraphErrors(() => ensureCertificateOnApp(graph, applied.app.objectId, added, secretSetOf(settings.secrets).id, async () => holdLease?.()), {
    clientId: settings.signIn.clientId
  })
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
  tenantId: string,
  maxWaitMs: number,
  sleep: ((ms: number) => Promise<void>) | undefined
): Promise<VerifyResult | undefined> {
  // Verify after changes only; pruning is not one (it runs after the secrets). Removing
  // federated credentials is: it goes only once the certificate signed in (provision.ts).
  if (!settings.verify.enabled || (plan.phases.length === 0 && (plan.removeFederatedCredentials ?? []).length === 0)) return undefined
  return core.group('Verifying sign-in to Exchange Online with the certificate', async () => {
    const result = await verifyExchangeAccess(settings, { tenantId, appId: applied.app.appId, certificate, roles: settings.roles }, sleep, maxWaitMs)
    if (result.ok) {
      core.info(`Verified: the token for Exchange Online carries Exchange.ManageAsApp${settings.roles.length > 0 ? ` and ${settings.roles.map(r => r.displayName).join(', ')}` : ''} (after ${Math.round(result.waitedMs / 1000)} s).`)
    } else if (result.signedIn) {
      core.warning(
        `After ${verifyWaitSeconds(settings)} s the Exchange Online token still lacks: ${result.missing.join('; ')}. Entra can take up to 15 minutes to apply consent and role changes; everything was written, so jobs will work once it has replicated. Rerun this workflow later to confirm.`,
        { title: 'Exchange Online access not yet in effect' }
      )
    }
    return result
  })
}

/**
 * Takes the certificate made in this run off the app again; the previous one stays. A
 * certificate write like any other: it waits for `holdLease` first, which throws
 * LeaseOverdue once another run may have taken the lease over.
 */
export async function removeNewCertificate(graph: Graph, settings: Settings, applied: AppliedState, holdLease?: HoldLease): Promise<void> {
  if (applied.newCertificate === undefined) return
  const thumbprint = applied.newCertificate.thumbprint
  await withGraphErrors(
    () =>
      removeCertificate(graph, applied.app.objectId, thumbprint, async () => {
        await holdLease?.()
        core.warning(`Removing the new certificate ${thumbprint} from the app again, so the app and the stored secrets agree.`)
      }),
    { clientId: settings.signIn.clientId }
  )
}

/**
 * Removes this action's old certificates, after everything else: the expired ones, and with
 * `revoke-previous` the ones the current certificate superseded. Those superseded by this
 * run's new certificate go only once it has signed in (a failed or skipped verification
 * leaves them for a later run). Under the lease when there is one. True when it revoked the
 * previous certificates.
 */
export async function removeOldCertificates(
  settings: Settings,
  graph: Graph,
  plan: Plan,
  newCertificateSignedIn: boolean,
  holdLease: HoldLease | undefined
): Promise<boolean> {
  const expired = plan.prune
  const previous = plan.revokePrevious
  const revokeNow = previous !== undefined && (previous.supersededBy === 'held-for-grace' || newCertificateSignedIn)
  if (previous !== undefined && !revokeNow) {
    core.info(
      printable(
        `Keeping the previous certificates (${previous.certificates.map(certificate => certificate.keyId).join(', ')}) for now: the new certificate has not signed in yet in this run. A later run revokes them (revoke-previous).`
      )
    )
  }
  const keyIds = [...(expired?.keyIds ?? []), ...(revokeNow ? previous.keyIds : [])]
  if (keyIds.length === 0) return false
  await holdLease?.()
  await core.group('Removing old certificates this action made', async () => {
    // Display names and dates as Graph returned them: printable, so none can start a workflow command.
    for (const certificate of expired?.certificates ?? []) core.info(printable(`- ${certificate.displayName} (expired ${certificate.endDateTime})`))
    if (revokeNow) for (const certificate of previous.certificates) core.info(printable(`- ${certificate.displayName} (revoked: superseded, valid until ${certificate.endDateTime})`))
    const appObjectId = expired?.appObjectId ?? previous?.appObjectId ?? ''
    await withGraphErrors(() => removeKeyCredentials(graph, appObjectId, keyIds), { clientId: settings.signIn.clientId })
  })
  return revokeNow
}
