/**
 * Issue 21: two pipelines that share one app (the default app-name, different repositories or
 * environments) with `credential: federated` must not remove each other's federated
 * credentials. Each credential records the secret sets that want it in its description; a run
 * removes only a credential no other set wants, and reports the others in the plan, the dry
 * run and the summary. Credentials made by earlier versions (no set recorded) are this
 * pipeline's only when their subject names this repository in a context only its jobs run in:
 * repository secrets under the default prefix claim subjects outside environments, environment
 * secrets their environment's (so no pipeline claims a sibling's environment credential).
 *
 * Written against the plan and its words only (planProvisioning, describePlanRows/Lines), with
 * the descriptions spelt out, so the same tests run against the planner before this change.
 */
import { describe, expect, it } from '@jest/globals'
import { describePlanLines, describePlanRows } from '../../src/entra/describe-plan.js'
import { federatedCredentialName, type FederatedCredential } from '../../src/entra/federated-credentials.js'
import { planProvisioning, type DesiredState, type Plan } from '../../src/entra/plan.js'
import { completeTenant, desired, NOW, OTHER_SET, THIS_SET } from './plan-fixtures.js'

const ISSUER = 'https://token.actions.githubusercontent.com'
const AUDIENCE = 'api://AzureADTokenExchange'
/** Pipeline A (this run): repository secrets of contoso/exo-jobs. */
const A_PROD = 'repo:contoso/exo-jobs:environment:prod'
const A_OLD = 'repo:contoso/exo-jobs:environment:old'
/** A branch of A's repository it no longer lists: the subject of its jobs run outside an environment. */
const A_BRANCH = 'repo:contoso/exo-jobs:ref:refs/heads/old'
/** Pipeline B: another repository sharing the app. */
const B_PROD = 'repo:contoso/exo-reports:environment:prod'
const SENTENCE = 'exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated'

/** A credential this action made, recording these secret sets (none: an earlier version's). */
function made(subject: string, sets: string[], audiences = [AUDIENCE]): FederatedCredential {
  const name = federatedCredentialName(subject)
  const description = sets.length === 0 ? `${SENTENCE}).` : `${SENTENCE}; secret ${sets.length === 1 ? 'set' : 'sets'} ${[...sets].sort().join(' ')}).`
  return { id: `id-${name}`, name, issuer: ISSUER, subject, audiences, description }
}

/** This run, pipeline A, with `credential: federated` for these subjects (or certificate when none given). */
/** `repository`: whose earlier-version credentials the run counts as its own (null: none, not the repository's own set). */
function pipelineA(subjects?: string[], repository: Record<string, string> | null = { owner: 'contoso', repo: 'exo-jobs' }): DesiredState {
  // Object.assign: the field is new, and the same file runs against the planner before it.
  return Object.assign(desired(), subjects === undefined ? {} : { federation: { subjects, issuer: ISSUER, audience: AUDIENCE } }, repository === null ? {} : { earlierFederatedCredentialsOf: repository })
}

function planFor(state: DesiredState, credentials: FederatedCredential[]): Plan {
  const tenant = completeTenant([])
  tenant.app!.federatedCredentials = credentials
  return planProvisioning(state, tenant, NOW)
}

const removed = (plan: Plan): string[] => (plan.removeFederatedCredentials ?? []).map(change => change.credential.subject)
const row = (plan: Plan, subject: string) => describePlanRows(plan).find(candidate => candidate.resource === `Federated credential: ${subject}`)
const changesTo = (plan: Plan, subject: string) =>
  plan.changes.filter(change => 'credential' in change && change.credential.subject === subject).map(change => change.kind)

describe("two pipelines sharing one app: neither removes the other's federated credentials", () => {
  it("A's run keeps B's credential (another set), reports it as another pipeline's, and removes only its own dropped subject", () => {
    const plan = planFor(pipelineA([A_PROD]), [made(A_PROD, [THIS_SET.id]), made(A_OLD, [THIS_SET.id]), made(B_PROD, [OTHER_SET.id])])
    expect(removed(plan)).toEqual([A_OLD])
    expect(changesTo(plan, B_PROD)).toEqual([])
    expect(row(plan, B_PROD)).toMatchObject({ before: 'present', after: 'present', detail: expect.stringMatching(/^another pipeline's \(set 9f8e7d6c\): exo-cba-.*kept: only that pipeline's runs remove it/) })
    expect(row(plan, A_PROD)?.detail).toMatch(/^this pipeline's \(set 1a2b3c4d\)/)
    expect(describePlanLines(plan)).toContainEqual(expect.stringMatching(/^Federated credential exo-cba-repo-contoso-exo-reports-environment-prod-[0-9a-f]{8} \(subject 'repo:contoso\/exo-reports:environment:prod'\) is another pipeline's \(set 9f8e7d6c\).*only that pipeline's runs remove it/))
  })

  it("back on credential: certificate, A removes its own federated credentials and none of B's", () => {
    const plan = planFor(pipelineA(), [made(A_PROD, [THIS_SET.id]), made(B_PROD, [OTHER_SET.id])])
    expect(removed(plan)).toEqual([A_PROD])
    expect(row(plan, B_PROD)).toMatchObject({ after: 'present' })
  })

  it('every credential A adds records its secret set in its description; its name stays the subject\'s', () => {
    const plan = planFor(pipelineA([A_PROD]), [])
    const added = plan.changes.find(change => change.kind === 'add-federated-credential')
    expect(added).toMatchObject({ credential: { name: federatedCredentialName(A_PROD), description: `${SENTENCE}; secret set ${THIS_SET.id}).` } })
  })

  it('a subject both pipelines list: A records its set beside B\'s; when A drops it, only A\'s set comes off and B keeps the credential', () => {
    const shared = planFor(pipelineA([A_PROD, B_PROD]), [made(A_PROD, [THIS_SET.id]), made(B_PROD, [OTHER_SET.id])])
    expect(shared.changes.filter(change => change.kind === 'update-federated-credential')).toEqual([
      expect.objectContaining({ id: `id-${federatedCredentialName(B_PROD)}`, credential: expect.objectContaining({ name: federatedCredentialName(B_PROD), description: `${SENTENCE}; secret sets ${[THIS_SET.id, OTHER_SET.id].sort().join(' ')}).` }) })
    ])
    expect(row(shared, B_PROD)).toMatchObject({ after: 'updated' })

    const dropped = planFor(pipelineA([A_PROD]), [made(A_PROD, [THIS_SET.id]), made(B_PROD, [THIS_SET.id, OTHER_SET.id])])
    expect(removed(dropped)).toEqual([])
    expect(dropped.changes.filter(change => change.kind === 'update-federated-credential')).toEqual([
      expect.objectContaining({ credential: expect.objectContaining({ subject: B_PROD, description: `${SENTENCE}; secret set ${OTHER_SET.id}).` }) })
    ])
    // And a rerun with the set already off writes nothing.
    expect(planFor(pipelineA([A_PROD]), [made(A_PROD, [THIS_SET.id]), made(B_PROD, [OTHER_SET.id])]).changes).toEqual([])
  })

  it("never re-points the audience of a credential another pipeline signs in through", () => {
    expect(() => planFor(pipelineA([B_PROD]), [made(B_PROD, [OTHER_SET.id], ['api://other'])])).toThrow(/other pipelines sharing this app use it \(secret sets 9f8e7d6c\)/)
  })
})

describe('credentials made by an earlier version (no secret set recorded)', () => {
  it("listed by this run: kept, and this run's set recorded on it (an update, never a second credential)", () => {
    const plan = planFor(pipelineA([A_PROD]), [made(A_PROD, [])])
    expect(plan.changes).toEqual([
      expect.objectContaining({ kind: 'update-federated-credential', id: `id-${federatedCredentialName(A_PROD)}`, credential: expect.objectContaining({ name: federatedCredentialName(A_PROD), audiences: [AUDIENCE], description: `${SENTENCE}; secret set ${THIS_SET.id}).` }) })
    ])
    expect(describePlanLines(plan)).toContainEqual(expect.stringContaining(`~ record this pipeline's secret set ${THIS_SET.id} on federated credential ${federatedCredentialName(A_PROD)}`))
  })

  it('not listed, its subject names this repository outside an environment, and this run is the repository\'s own set: removed (upgrading a one-pipeline repository cleans up)', () => {
    const plan = planFor(pipelineA([A_PROD]), [made(A_PROD, [THIS_SET.id]), made(A_BRANCH, [])])
    expect(removed(plan)).toEqual([A_BRANCH])
    expect(describePlanLines(plan)).toContainEqual(expect.stringContaining('(made by an earlier version for this repository)'))
    expect(row(plan, A_BRANCH)).toMatchObject({ after: 'removed', detail: expect.stringMatching(/^earlier version's \(no secret set recorded\)/) })
    // Back on credential: certificate: all of them outside an environment.
    expect(removed(planFor(pipelineA(), [made(A_PROD, []), made(A_BRANCH, [])]))).toEqual([A_BRANCH])
  })

  it("never claims a sibling's environment credential: repository secrets (P1) leave environment subjects; environment secrets (P2) claim only their environment's", () => {
    // P1: repository secrets, prefix EXO_, lists ref:refs/heads/main. P2 (environment prod secrets) lists environment:prod and has not run this version yet.
    const main = 'repo:contoso/exo-jobs:ref:refs/heads/main'
    const p1 = planFor(pipelineA([main]), [made(main, []), made(A_PROD, [])])
    expect(removed(p1)).toEqual([])
    expect(p1.federatedCredentials?.unrecorded.map(credential => credential.subject)).toEqual([A_PROD])
    expect(row(p1, A_PROD)).toMatchObject({ after: 'present', detail: expect.stringMatching(/^earlier version's \(no secret set recorded\): .*kept/) })
    expect(describePlanLines(p1)).toContainEqual(expect.stringMatching(new RegExp(`az ad app federated-credential delete --id [0-9a-f-]+ --federated-credential-id id-${federatedCredentialName(A_PROD)}$`)))
    // P2 (environment prod secrets of the same repository) on credential: certificate: its environment's credential, nothing else.
    const prodSecrets = { owner: 'contoso', repo: 'exo-jobs', environment: 'Prod' }
    expect(removed(planFor(pipelineA(undefined, prodSecrets), [made(main, []), made(A_PROD, []), made(A_OLD, [])]))).toEqual([A_PROD])
  })

  it("another repository's, or this run is not the repository's own set: kept, and warned about with the command to remove it", () => {
    const other = planFor(pipelineA([A_PROD]), [made(A_PROD, [THIS_SET.id]), made(B_PROD, [])])
    expect(removed(other)).toEqual([])
    expect(row(other, B_PROD)).toMatchObject({ after: 'present', detail: expect.stringMatching(/^earlier version's \(no secret set recorded\): .*kept: it may be another pipeline's/) })
    expect(describePlanLines(other)).toContainEqual(
      expect.stringMatching(new RegExp(`^! The app has a federated credential "${federatedCredentialName(B_PROD)}" .* made by an earlier version of this action.*az ad app federated-credential delete --id [0-9a-f-]+ --federated-credential-id id-${federatedCredentialName(B_PROD)}$`))
    )
    // Environment secrets, an organization's, another prefix: a sibling pipeline of the repository may have made it.
    const notOwnSet = planFor(pipelineA([A_PROD], null), [made(A_PROD, [THIS_SET.id]), made(A_BRANCH, [])])
    expect(removed(notOwnSet)).toEqual([])
    expect(row(notOwnSet, A_BRANCH)).toMatchObject({ after: 'present' })
  })
})
