/**
 * Carries out a plan against Graph, phase after phase (the grant and the roles of one
 * phase in parallel). Each write is idempotent: an upsert, or a create whose "already
 * exists" answer counts as success, so a rerun after a crash or a concurrent run ends
 * in the same place. Calls on objects that may not have replicated yet are marked
 * `newObject`, so the retry policy waits out their replication lag: objects this run's
 * upserts created or found (a 204 means a concurrent run created it moments ago), and an
 * app whose createdDateTime is minutes old (see `createdRecently`).
 */
import { certificateProofToken, type CertificateInAdvance } from '../certificate/index.js'
import type { HeldCertificate } from '../certificate/types.js'
import { UserError } from '../errors.js'
import { secretSetOf } from '../github/secret-set.js'
import type { Settings } from '../settings.js'
import { GraphRequestError, type Graph } from './graph.js'
import { explainGraphError } from './graph-errors.js'
import {
  keyCredentialsConfirmed,
  keyCredentialsWithNew,
  keyCredentialsWithout,
  keyCredentialHasThumbprint,
  mergeKeyCredentials,
  newKeyCredential,
  type CertificateForApp,
  type KeyCredentialWrite
} from './key-credentials.js'
import { describeChange } from './describe-plan.js'
import { departureFromFresh, type FederatedCredential } from './federated-credentials.js'
import type { Change, Plan, RemoveFederatedCredential, UpdateFederatedCredential } from './plan.js'
import { APP_SELECT, readKeyCredentials } from './read-tenant.js'
import { createdRecently, REPLICATION_BUDGET, RetryClock } from './retry.js'
import type { KeyCredential, TenantState } from './tenant-state.js'

export interface ApplyContext {
  graph: Graph
  settings: Settings
  now: Date
  log: (line: string) => void
  /** The certificate this run adds (made at most once, masked as soon as it exists). */
  newCertificate: CertificateInAdvance
  /**
   * Resolves once this run holds the provisioning lease (see provisioning-lease.ts), so no
   * other run writes the certificates meanwhile; rejects at once when `giveUp` is aborted,
   * and once the lease is too old to start another write under it (LeaseOverdue).
   * Undefined when there is no lease (no secret target).
   */
  holdLease?: (giveUp?: AbortSignal) => Promise<void>
}

/** Where the tenant stands after apply. */
export interface AppliedState {
  app: { objectId: string; appId: string; displayName: string }
  servicePrincipalId: string
  /** The certificate made in this run, when the plan added one. */
  newCertificate?: HeldCertificate
  createdApp: boolean
  createdServicePrincipal: boolean
  /** The changes carried out, in the order they completed (same shape as the plan's). */
  applied: Change[]
}

export async function applyPlan(plan: Plan, actual: TenantState, ctx: ApplyContext): Promise<AppliedState> {
  // A service principal is created after its app (it needs one to back it), so the
  // service principal of a minutes-old app is minutes old at most; v1.0 servicePrincipal has
  // no createdDateTime to read.
  const appRecent = actual.app !== undefined && createdRecently(actual.app.createdDateTime, ctx.now)
  const state: ApplyState & { applied: Change[] } = {
    applied: [],
    createdApp: false,
    createdServicePrincipal: false,
    appCreatedConcurrently: false,
    appMayLag: appRecent,
    servicePrincipalMayLag: appRecent,
    failed: new AbortController()
  }
  if (actual.app !== undefined) {
    state.app = { objectId: actual.app.objectId, appId: actual.app.appId, displayName: actual.app.displayName }
  }
  if (actual.app !== undefined && actual.servicePrincipal !== undefined) state.servicePrincipalId = actual.servicePrincipal.id

  // Each change is recorded as it completes, so a failure can say exactly what was done.
  const carryOut = async (change: Change): Promise<void> => {
    await applyChange(change, state, ctx)
    // A certificate change that gave up waiting for the lease added nothing.
    if (change.kind !== 'add-certificate' || state.newCertificate !== undefined) state.applied.push(change)
  }
  // The certificate needs only the app, and nothing later in the plan needs it: it is not
  // a barrier for the phases after its own (the grant and roles do not wait for its read,
  // write and confirming read). Whatever happens, the certificate change has settled before
  // apply returns or throws, so it is not still writing when the run gives back the lease.
  const floating: Array<Promise<void>> = []
  try {
    for (const phase of plan.phases) {
      const barrier: Array<Promise<void>> = []
      for (const change of phase) {
        const applying = carryOut(change)
        if (change.kind !== 'add-certificate') {
          barrier.push(applying)
          continue
        }
        // Observed now, so a failure while the phases go on is not an unhandled rejection;
        // it is thrown below.
        applying.catch(() => undefined)
        floating.push(applying)
      }
      // Every change of the phase settles before the failure is reported, so the report of
      // what was done is complete.
      const outcomes = await Promise.allSettled(barrier)
      const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
      if (failure !== undefined) throw failure.reason
    }
    await Promise.all(floating)
  } catch (error) {
    // The run fails: the certificate change stops waiting for the lease, and a certificate
    // it already added comes off again, since no one will ever hold its key.
    state.failed.abort()
    await Promise.allSettled(floating)
    const certificate = await removeCertificateNobodyHolds(state, ctx)
    throw new ApplyError(error, state.applied.filter(change => change.kind !== 'add-certificate'), certificate, plan)
  }
  if (state.app === undefined || state.servicePrincipalId === undefined) {
    throw new Error('apply ended without an app and a service principal; the plan missed a step')
  }
  return state as AppliedState
}

/** What became of a certificate this run added before apply failed. */
export type AddedCertificateFate = { thumbprint: string; removed: boolean } | undefined

/**
 * Apply stopped partway. The message is the cause's (what failed and what to do), then
 * what had already been changed, and that a rerun picks up from there: every change is
 * idempotent, so the next run reads what is in place and does only the rest.
 */
export class ApplyError extends UserError {
  constructor(
    cause: unknown,
    /** The changes carried out before the failure, in the order they completed. */
    readonly applied: Change[],
    readonly certificate: AddedCertificateFate,
    plan: Plan
  ) {
    super(`${cause instanceof Error ? cause.message : String(cause)}\n${describeStop(applied, certificate, plan).join('\n')}`, { cause })
  }
}

/** The lines that say where the tenant stands after a failed apply (message and summary). */
export function describeStop(applied: Change[], certificate: AddedCertificateFate, plan: Plan): string[] {
  const done = applied.flatMap(change => describeChange(change, plan))
  const lines = done.length === 0 ? ['Nothing had been changed in the tenant before this failure.'] : ['Already changed before the failure:', ...done]
  if (certificate !== undefined) {
    lines.push(
      certificate.removed
        ? `The new certificate ${certificate.thumbprint} was added and taken off again (no one holds its key).`
        : `The new certificate ${certificate.thumbprint} could not be taken off again; it stays on the app, unused, until it expires.`
    )
  }
  if (done.length > 0) lines.push('A rerun converges: it reads what is in place and does only what is missing.')
  return lines
}

/** What apply learns while it goes. */
type ApplyState = Partial<AppliedState> & {
  createdApp: boolean
  createdServicePrincipal: boolean
  /** The app did not exist when read, but another run created it before our upsert did. */
  appCreatedConcurrently: boolean
  /** The app may not have replicated everywhere yet: calls on it wait out replication lag. */
  appMayLag: boolean
  /** The same for the service principal (grants and roles name it as their principal). */
  servicePrincipalMayLag: boolean
  /** Aborted when a change failed: the run is over, nothing more is written. */
  failed: AbortController
}

/** After a failed apply: takes off the certificate this run added (best effort), and says what became of it. */
async function removeCertificateNobodyHolds(state: ApplyState, ctx: ApplyContext): Promise<AddedCertificateFate> {
  const added = state.newCertificate
  const appObjectId = state.app?.objectId
  if (added === undefined || appObjectId === undefined) return undefined
  ctx.log(`Removing certificate ${added.thumbprint} again: the run failed before it could be verified and stored.`)
  try {
    // A certificate write like any other: only while the lease is still this run's.
    await removeCertificate(ctx.graph, appObjectId, added.thumbprint, async () => ctx.holdLease?.())
    return { thumbprint: added.thumbprint, removed: true }
  } catch (error) {
    ctx.log(`Could not remove certificate ${added.thumbprint} (${(error as Error).message}); it stays on the app, unused, until it expires.`)
    return { thumbprint: added.thumbprint, removed: false }
  }
}

async function applyChange(change: Change, state: ApplyState, ctx: ApplyContext): Promise<void> {
  const { graph } = ctx
  try {
    switch (change.kind) {
      case 'create-app': {
        ctx.log(`Creating app "${change.displayName}" (uniqueName ${change.uniqueName})`)
        const created = await graph.call<GraphApp | undefined>({
          method: 'PATCH',
          path: `/applications(uniqueName='${change.uniqueName}')`,
          headers: { Prefer: 'create-if-missing' },
          body: {
            displayName: change.displayName,
            signInAudience: change.signInAudience,
            requiredResourceAccess: change.requiredResourceAccess
          }
        })
        // 204: a concurrent run created it between our read and this write; read it back.
        const app =
          created.status === 201 && created.body !== undefined
            ? created.body
            : (await graph.call<GraphApp>({ method: 'GET', path: `/applications(uniqueName='${change.uniqueName}')?${APP_SELECT}`, newObject: true })).body
        state.app = { objectId: app.id, appId: app.appId, displayName: app.displayName }
        state.createdApp = created.status === 201
        state.appCreatedConcurrently = created.status !== 201
        // Created by us (201) or by a concurrent run moments ago (204): new either way.
        state.appMayLag = true
        return
      }
      case 'set-required-resource-access': {
        ctx.log('Requesting Exchange.ManageAsApp on the app (other API permissions kept)')
        await graph.call({
          method: 'PATCH',
          path: `/applications/${change.appObjectId}`,
          body: { requiredResourceAccess: change.requiredResourceAccess },
          newObject: state.appMayLag
        })
        return
      }
      case 'create-service-principal': {
        const appId = change.appId ?? state.app?.appId
        if (appId === undefined) throw new Error('create-service-principal before the app exists')
        ctx.log(`Creating the service principal of app ${appId}`)
        const created = await graph.call<{ id: string } | undefined>({
          method: 'PATCH',
          path: `/servicePrincipals(appId='${appId}')`,
          headers: { Prefer: 'create-if-missing' },
          body: {},
          // Right after the app is created, Graph may not see it yet (NoBackingApplicationObject).
          newObject: true
        })
        const id =
          created.status === 201 && created.body !== undefined
            ? created.body.id
            : (await graph.call<{ id: string }>({ method: 'GET', path: `/servicePrincipals(appId='${appId}')?$select=id`, newObject: true })).body.id
        state.servicePrincipalId = id
        state.createdServicePrincipal = created.status === 201
        // 204: it was not there when read, so a concurrent run created it moments ago.
        state.servicePrincipalMayLag = true
        return
      }
      case 'grant-exchange-manage-as-app':
      case 'grant-security-and-compliance': {
        const principalId = change.principalId ?? state.servicePrincipalId
        ctx.log(
          change.kind === 'grant-exchange-manage-as-app'
            ? 'Granting Exchange.ManageAsApp (admin consent)'
            : 'Granting Exchange.ManageAsApp of Microsoft Exchange Online Protection (admin consent, for Security & Compliance PowerShell)'
        )
        await createIgnoringDuplicate(() =>
          graph.call({
            method: 'POST',
            path: `/servicePrincipals/${change.resourceId}/appRoleAssignedTo`,
            body: { principalId, resourceId: change.resourceId, appRoleId: change.appRoleId },
            newObject: state.servicePrincipalMayLag
          })
        )
        return
      }
      case 'assign-directory-role': {
        const principalId = change.principalId ?? state.servicePrincipalId
        ctx.log(`Assigning directory role ${change.role.displayName}`)
        await createIgnoringDuplicate(() =>
          graph.call({
            method: 'POST',
            path: '/roleManagement/directory/roleAssignments',
            body: { principalId, roleDefinitionId: change.role.templateId, directoryScopeId: change.directoryScopeId },
            newObject: state.servicePrincipalMayLag
          })
        )
        return
      }
      case 'add-certificate': {
        const appObjectId = change.appObjectId ?? state.app?.objectId
        if (appObjectId === undefined) throw new Error('add-certificate before the app exists')
        if (ctx.holdLease !== undefined) {
          // Runs take turns from here; the collection is read again under the lease below.
          await ctx.holdLease(state.failed.signal)
          if (state.failed.signal.aborted) return
        } else if (state.appCreatedConcurrently) {
          // Without a lease, Graph's lack of compare-and-swap for keyCredentials lets two runs
          // adding certificates to a new app overwrite each other's. The upsert told us which
          // run created the app; only that one adds the first certificate.
          throw new UserError(
            `Another run created the app "${state.app?.displayName ?? ''}" (${state.app?.appId ?? ''}) at the same moment as this one and is adding its certificate. This run stops before touching the app's certificates, so neither overwrites the other's; nothing is half-done. Rerun this workflow once the other run has finished, and use a 'concurrency:' group so provisioning runs for one tenant queue instead of overlapping.`
          )
        }
        const certificate = await ctx.newCertificate.take()
        ctx.log(`Adding certificate ${certificate.thumbprint} (expires ${certificate.notAfter.toISOString()}) beside the existing ones`)
        const provenBy = change.reason === 'held-expiring' ? ctx.settings.held : undefined
        await addCertificateToApp(graph, appObjectId, newKeyCredential(certificate, secretSetOf(ctx.settings.secrets).id), { newObject: state.appMayLag, provenBy })
        state.newCertificate = certificate
        return
      }
      case 'add-federated-credential': {
        const appObjectId = change.appObjectId ?? state.app?.objectId
        if (appObjectId === undefined) throw new Error('add-federated-credential before the app exists')
        ctx.log(`Trusting GitHub OIDC subject '${change.credential.subject}' (federated credential ${change.credential.name})`)
        // A concurrent run may have added the same one: Graph refuses a second credential with
        // the same name or issuer and subject, which means it is there.
        await createIgnoringDuplicate(() =>
          graph.call({
            method: 'POST',
            path: `/applications/${appObjectId}/federatedIdentityCredentials`,
            body: federatedCredentialBody(change.credential),
            newObject: state.appMayLag
          })
        )
        return
      }
      case 'update-federated-credential': {
        if (change.why === 'leave') {
          await leaveFederatedCredential(graph, change, secretSetOf(ctx.settings.secrets).id, state.appMayLag, ctx.log)
          return
        }
        ctx.log(federatedUpdateLine(change))
        // name is immutable and issuer + subject are unchanged: the audience and the
        // description (the secret sets that want it) are set (federatedidentitycredential-update.md).
        await graph.call({
          method: 'PATCH',
          path: `/applications/${change.appObjectId}/federatedIdentityCredentials/${change.id}`,
          body: { audiences: change.credential.audiences, ...(change.credential.description ? { description: change.credential.description } : {}) },
          newObject: state.appMayLag
        })
        return
      }
      case 'remove-expired-certificates':
      case 'revoke-previous-certificates':
        // Pruning and revoking run after verification and the secrets (provision.ts), never inside apply.
        return
      case 'remove-federated-credential':
        // Runs after verification and the secrets (removeFederatedCredentials below), never inside the phases.
        return
      default: {
        const unknown: never = change
        throw new Error(`apply has no step for ${JSON.stringify(unknown)}`)
      }
    }
  } catch (error) {
    if (error instanceof GraphRequestError) throw explainGraphError(error, { clientId: ctx.settings.signIn.clientId })
    throw error
  }
}

/**
 * Removes this action's federated credentials the plan no longer wants, once the run's new
 * state is verified and stored: a removal cannot be taken back, and until then jobs on the
 * old subject (or, when switching back to a certificate, jobs not yet switched) keep working.
 * The plan's read is minutes old by then (verification alone may wait 900 s), so each
 * credential is read again right before its DELETE (one GET per removal, only in runs that
 * remove something): one another pipeline sharing the app recorded its set on meanwhile stays,
 * with only this run's set taken off (departureFromFresh). Graph has no conditional DELETE for
 * federated credentials, so a set recorded between that GET and the DELETE (one round trip) is
 * still lost; that pipeline's next run adds the credential again.
 * Every removal is tried; a credential already gone (404: a concurrent run or a person removed
 * it) counts as removed. Those Graph refused are named together in one UserError: a trust the
 * user dropped that is still on the app must fail the job, not pass as a warning, because
 * federated credentials never expire and the summary would otherwise claim it was removed.
 * Returns the removals carried out (or found done).
 */
export async function removeFederatedCredentials(
  plan: Plan,
  ctx: Pick<ApplyContext, 'graph' | 'settings' | 'log'>
): Promise<RemoveFederatedCredential[]> {
  const removals = plan.removeFederatedCredentials ?? []
  const done: RemoveFederatedCredential[] = []
  const failed: Array<{ change: RemoveFederatedCredential; why: string }> = []
  for (const change of removals) {
    const { credential } = change
    const named = `federated credential ${credential.name} (subject '${credential.subject}')`
    try {
      const fresh = await readFederatedCredential(ctx.graph, change.appObjectId, credential.id ?? credential.name)
      const departure = departureFromFresh(fresh, plan.secretSet.id, 'remove')
      switch (departure.action) {
        case 'gone':
          ctx.log(`The ${named} is already gone from the app (a concurrent run or a person removed it)`)
          done.push(change)
          break
        case 'take-off':
          ctx.log(
            `Keeping ${named}: another pipeline sharing the app recorded its secret set (${departure.others.join(', ')}) on it since this run read the app, so its jobs sign in through it${departure.description === undefined ? '' : "; only this pipeline's set comes off"}`
          )
          if (departure.description !== undefined && fresh !== undefined) await writeFederatedDescription(ctx.graph, change.appObjectId, credential.id ?? credential.name, fresh, departure.description, false)
          break
        case 'delete':
        case 'keep':
          ctx.log(`Removing ${named}: ${removalReason(change)}`)
          await deleteFederatedCredential(ctx.graph, change)
          done.push(change)
          break
      }
    } catch (error) {
      const explained = error instanceof GraphRequestError ? explainGraphError(error, { clientId: ctx.settings.signIn.clientId }) : error
      failed.push({ change, why: explained instanceof Error ? explained.message : String(explained) })
    }
  }
  if (failed.length > 0) {
    const appId = plan.app.appId ?? '<app-id>'
    throw new UserError(
      [
        `Could not remove ${failed.length === 1 ? 'a federated credential' : `${failed.length} federated credentials`} this action made and no longer wants; until removed, jobs with ${failed.length === 1 ? 'its subject' : 'their subjects'} can still sign in to Exchange Online as app ${appId} (federated credentials never expire). Everything else in this run is done and stored.`,
        ...failed.map(({ change, why }) => `- ${change.credential.name} (subject '${change.credential.subject}'): ${why}`),
        'Rerun this workflow once the cause is fixed, or remove them by hand:',
        ...failed.map(({ change }) => `  az ad app federated-credential delete --id ${appId} --federated-credential-id ${change.credential.id ?? change.credential.name}`)
      ].join('\n')
    )
  }
  return done
}

/**
 * Takes this run's set off a credential other pipelines want (`leave`), from its description
 * as Graph holds it now (one GET first): the plan's copy may lack a set another pipeline
 * recorded since, which a PATCH of the plan's value would drop.
 */
async function leaveFederatedCredential(graph: Graph, change: UpdateFederatedCredential, secretSet: string, newObject: boolean, log: (line: string) => void): Promise<void> {
  const named = `federated credential ${change.credential.name} (subject '${change.credential.subject}')`
  const fresh = await readFederatedCredential(graph, change.appObjectId, change.id)
  const departure = departureFromFresh(fresh, secretSet, 'leave')
  switch (departure.action) {
    case 'gone':
      log(`The ${named} is already gone from the app (a concurrent run or a person removed it)`)
      return
    case 'keep':
    case 'delete':
      log(`Leaving ${named} as it is: no other pipeline's secret set is on it any more, so a later run of this pipeline removes it once its new state is verified`)
      return
    case 'take-off':
      if (departure.description === undefined || fresh === undefined) {
        log(`This pipeline's secret set is no longer on ${named}: nothing to write`)
        return
      }
      log(federatedUpdateLine(change))
      await writeFederatedDescription(graph, change.appObjectId, change.id, fresh, departure.description, newObject)
  }
}

/** The credential as Graph holds it now (federatedidentitycredential-get.md), or undefined when it is gone (404). */
async function readFederatedCredential(graph: Graph, appObjectId: string, idOrName: string): Promise<FederatedCredential | undefined> {
  try {
    return (await graph.call<FederatedCredential>({ method: 'GET', path: `/applications/${appObjectId}/federatedIdentityCredentials/${encodeURIComponent(idOrName)}` })).body
  } catch (error) {
    if (error instanceof GraphRequestError && error.status === 404) return undefined
    throw error
  }
}

/** PATCH of a credential's description, its audiences as just read (federatedidentitycredential-update.md). */
async function writeFederatedDescription(graph: Graph, appObjectId: string, idOrName: string, fresh: FederatedCredential, description: string, newObject: boolean): Promise<void> {
  await graph.call({
    method: 'PATCH',
    path: `/applications/${appObjectId}/federatedIdentityCredentials/${encodeURIComponent(idOrName)}`,
    body: { audiences: fresh.audiences, description },
    newObject
  })
}

/** An update of a federated credential, in words, for the log. */
function federatedUpdateLine(change: UpdateFederatedCredential): string {
  const credential = `federated credential ${change.credential.name} (subject '${change.credential.subject}')`
  switch (change.why) {
    case 'audience':
      return `Setting ${credential} to audience ${change.credential.audiences.join(', ')}`
    case 'record-set':
      return `Recording this pipeline's secret set on ${credential}, so no other pipeline sharing the app removes it while this one lists it`
    case 'leave':
      return `Taking this pipeline's secret set off ${credential}: its subject is no longer wanted here, and other pipelines sharing the app still want it`
  }
}

/** Why a federated credential goes, in words. */
export function removalReason(change: RemoveFederatedCredential): string {
  const why =
    change.reason === 'certificate' ? 'the workflow uses credential: certificate, which needs no federated credential' : "its subject is no longer in 'federated-subjects'"
  return change.earlierVersion === true ? `${why} (made by an earlier version of this action for this repository)` : why
}

/**
 * DELETE of one federated identity credential (Graph federatedidentitycredential-delete.md:
 * 204 No Content; it may be addressed by id or by name). 404: already gone.
 */
async function deleteFederatedCredential(graph: Graph, change: RemoveFederatedCredential): Promise<void> {
  try {
    await graph.call({
      method: 'DELETE',
      path: `/applications/${change.appObjectId}/federatedIdentityCredentials/${encodeURIComponent(change.credential.id ?? change.credential.name)}`
    })
  } catch (error) {
    if (error instanceof GraphRequestError && error.status === 404) return
    throw error
  }
}

/** The POST body of a federated identity credential (Graph's required properties, and its description). */
function federatedCredentialBody(credential: FederatedCredential): Record<string, unknown> {
  return {
    name: credential.name,
    issuer: credential.issuer,
    subject: credential.subject,
    audiences: credential.audiences,
    ...(credential.description ? { description: credential.description } : {})
  }
}

/**
 * Adds the new certificate beside the existing ones. In a rotation the certificate the run
 * holds is still valid on the app, so Graph's `addKey` can add the new one atomically,
 * proven by a JWT signed with the held key: no read-modify-write of the whole collection,
 * so a concurrent run cannot lose it. Otherwise (a first run, or addKey refused, e.g. the
 * app already ended the held certificate) the collection is replaced with a confirmed PATCH.
 */
async function addCertificateToApp(
  graph: Graph,
  appObjectId: string,
  added: KeyCredentialWrite,
  options: { newObject: boolean; provenBy?: HeldCertificate }
): Promise<void> {
  if (options.provenBy !== undefined && options.provenBy.notAfter.getTime() > Date.now()) {
    try {
      await graph.call({
        method: 'POST',
        path: `/applications/${appObjectId}/addKey`,
        body: { keyCredential: added, passwordCredential: null, proof: certificateProofToken(options.provenBy, appObjectId, new Date()) }
      })
      return
    } catch (error) {
      if (!(error instanceof GraphRequestError) || error.status !== 400) throw error
    }
  }
  await ensureKeyCredential(graph, appObjectId, added, options.newObject)
}

/**
 * Puts the certificate this run made back on the app if it is gone; true when it had to.
 *
 * Graph has no compare-and-swap for keyCredentials: a writer outside the provisioning
 * lease (a person, a pipeline storing other secrets) that read the collection before our
 * write and PATCHes after our confirming read silently drops our certificate. So the run
 * checks again where it matters — after a sign-in that failed, and at its very end, once
 * the certificate is in the secrets — and re-adds it when it went missing. A check that
 * finds it there costs one read and no write.
 */
export async function ensureCertificateOnApp(
  graph: Graph,
  appObjectId: string,
  certificate: CertificateForApp,
  secretSet: string,
  /** Called before the write, when one is needed (holds the provisioning lease). */
  beforeWrite?: () => Promise<void>
): Promise<boolean> {
  return ensureKeyCredential(graph, appObjectId, newKeyCredential(certificate, secretSet), false, beforeWrite)
}

async function ensureKeyCredential(
  graph: Graph,
  appObjectId: string,
  added: KeyCredentialWrite,
  newObject: boolean,
  beforeWrite?: () => Promise<void>
): Promise<boolean> {
  const current = await readKeyCredentials(graph, appObjectId, newObject)
  const wanted = keyCredentialsWithNew(current, added)
  // keyCredentialsWithNew returns the collection as it is when the certificate is already there.
  if (wanted.length === current.length) return false
  await beforeWrite?.()
  await writeKeyCredentialsConfirmed(graph, appObjectId, wanted, [], newObject)
  return true
}

/** Removes key credentials by keyId (prune), keeping everything else. */
export async function removeKeyCredentials(graph: Graph, appObjectId: string, keyIds: string[]): Promise<void> {
  const wanted = new Set(keyIds.map(id => id.toLowerCase()))
  await removeKeyCredentialsWhere(graph, appObjectId, credential => wanted.has(credential.keyId.toLowerCase()))
}

/** Removes the credential holding this certificate (rollback after a failed secret write); `beforeWrite` as in ensureCertificateOnApp. */
export async function removeCertificate(graph: Graph, appObjectId: string, thumbprint: string, beforeWrite?: () => Promise<void>): Promise<void> {
  await removeKeyCredentialsWhere(graph, appObjectId, credential => keyCredentialHasThumbprint(credential, thumbprint), beforeWrite)
}

/** One read of the collection, then (if anything matches) the confirmed write without those. */
async function removeKeyCredentialsWhere(
  graph: Graph,
  appObjectId: string,
  matches: (credential: KeyCredential) => boolean,
  beforeWrite?: () => Promise<void>
): Promise<void> {
  const current = await readKeyCredentials(graph, appObjectId)
  const keyIds = current.filter(matches).map(credential => credential.keyId)
  if (keyIds.length === 0) return
  await beforeWrite?.()
  await writeKeyCredentialsConfirmed(graph, appObjectId, keyCredentialsWithout(current, keyIds), keyIds, false)
}

const MAX_KEY_WRITE_ATTEMPTS = 5

async function writeKeyCredentialsConfirmed(
  graph: Graph,
  appObjectId: string,
  intended: KeyCredentialWrite[],
  removeKeyIds: string[],
  newObject: boolean
): Promise<void> {
  let toWrite = intended
  // The confirming read may also be a replica that has not caught up (FACTS.md): the next
  // attempt waits as the one retry policy says for replication, instead of rewriting at once.
  const clock = new RetryClock(REPLICATION_BUDGET)
  for (let attempt = 1; attempt <= MAX_KEY_WRITE_ATTEMPTS; attempt++) {
    await graph.call({ method: 'PATCH', path: `/applications/${appObjectId}`, body: { keyCredentials: toWrite }, newObject })
    const after = await readKeyCredentials(graph, appObjectId, newObject)
    if (keyCredentialsConfirmed(toWrite, after, removeKeyIds)) return
    // Someone else wrote in between: keep their credentials and ours, drop only ours to remove.
    toWrite = mergeKeyCredentials(toWrite, after, removeKeyIds)
    if (attempt < MAX_KEY_WRITE_ATTEMPTS && !(await clock.waitBeforeRetry())) break
  }
  throw new UserError(
    `The certificates of app ${appObjectId} kept changing under this run (another run or person is writing them at the same time). Nothing was lost; run the workflow again, and use a 'concurrency:' group so runs for one tenant do not overlap.`
  )
}

/** A create whose duplicate answer means "already there" (e.g. a concurrent run made it). */
async function createIgnoringDuplicate(create: () => Promise<unknown>): Promise<void> {
  try {
    await create()
  } catch (error) {
    if (error instanceof GraphRequestError && isDuplicate(error)) return
    throw error
  }
}

/** Graph's answers to creating an assignment that exists (not all documented; seen in the field). */
export function isDuplicate(error: GraphRequestError): boolean {
  if (error.status === 409) return true
  return (
    error.status === 400 &&
    /already exists|conflicting object/i.test(error.graphMessage)
  )
}

interface GraphApp {
  id: string
  appId: string
  displayName: string
}
