/**
 * Who a GitHub OIDC subject lets sign in as the Exchange app (`credential: federated`), and
 * which subjects a pull request or an unreviewed branch could present. Pure: the subject,
 * the issuer and the runner's facts in, refusals and warnings out.
 *
 * GitHub's subject formats (github/docs content/actions/reference/security/oidc.md, "Example
 * subject claims" and "Immutable subject claims"): `repo:OWNER/REPO:environment:NAME` when the
 * job references an environment, else `repo:OWNER/REPO:pull_request` for pull-request events,
 * else `repo:OWNER/REPO:ref:refs/heads/BRANCH` (or `refs/tags/TAG`). Repositories created after
 * July 15, 2026, renamed or transferred after that date, or opted in, write the owner and
 * repository as `OWNER@OWNER-ID/REPO@REPO-ID` (GitHub's docs' words: "created after July 15,
 * 2026", "renames and transfers after July 15, 2026"; not on GHES). A `:` inside a value is
 * written `%3A`. Organizations and repositories may also customize the template
 * ("Customizing the subject claims"), e.g. `repository_owner:O:context:pull_request` or
 * `…:job_workflow_ref:O/R/.github/workflows/x.yml@refs/pull/3/merge`: whether a pull request
 * can present a subject is therefore read from the whole subject, whatever its shape.
 */
import type { JobFacts } from '../runner/github-event.js'
import { GITHUB_ACTIONS_ISSUER } from '../runner/github-oidc.js'

/** The `federated-*` input that allows, on purpose, what this module refuses. */
export const ALLOW_UNPROTECTED_INPUT = 'federated-allow-unprotected-subjects'

export type SubjectContext =
  | { kind: 'environment'; name: string }
  | { kind: 'pull-request' }
  | { kind: 'ref'; ref: string }
  /** A customized subject template this module does not read. */
  | { kind: 'other' }

export interface SubjectScope {
  /** The repository part; undefined when the subject does not start with `repo:OWNER/REPO:`. */
  repository?: { owner: string; name: string; ownerId?: string; repositoryId?: string }
  context: SubjectContext
}

/**
 * Reads a subject in either of GitHub's forms (name-only, or with immutable ids). A subject a
 * pull request's job can present is `pull-request` whatever else it names (an environment, a
 * ref, another template): see presentedByPullRequest.
 */
export function scopeOfSubject(subject: string): SubjectScope {
  const pullRequest = presentedByPullRequest(subject)
  const match = /^repo:([^/:]+)\/([^:]+):(.+)$/.exec(subject)
  if (match === null) return { context: pullRequest ? { kind: 'pull-request' } : { kind: 'other' } }
  const [owner, ownerId] = splitId(match[1])
  const [name, repositoryId] = splitId(match[2])
  const parts = match[3].split(':')
  let context: SubjectContext = { kind: 'other' }
  if (pullRequest) context = { kind: 'pull-request' }
  else if (parts[0] === 'environment' && parts[1] !== undefined) context = { kind: 'environment', name: parts[1] }
  else if (parts[0] === 'ref' && parts[1] !== undefined) context = { kind: 'ref', ref: parts[1] }
  return {
    repository: { owner, name, ...(ownerId === undefined ? {} : { ownerId }), ...(repositoryId === undefined ? {} : { repositoryId }) },
    context
  }
}

/**
 * True when a pull request's job can present this subject, in any template: a `:`-separated
 * part that is, or starts with, `pull_request` (the default `pull_request` context, or an
 * `event_name`/`context` value such as `pull_request_target`), or a pull request's ref
 * `refs/pull/N/merge` anywhere (a `ref`, `job_workflow_ref` or `workflow_ref` value). The
 * value after `environment` is skipped: it is the environment's name, chosen by the
 * repository, not the event. Errs towards "pull request": a refusal names the opt-in.
 */
export function presentedByPullRequest(subject: string): boolean {
  const parts = subject.split(':')
  return parts.some((part, index) => parts[index - 1] !== 'environment' && (part.startsWith('pull_request') || part.includes('refs/pull/')))
}

/** The repository a subject names, as written in it: `OWNER/REPO`, or `OWNER@ID/REPO@ID`. */
export function repositoryOfSubject(repository: SubjectScope['repository']): string {
  if (repository === undefined) return 'OWNER/REPO'
  const withId = (name: string, id: string | undefined): string => (id === undefined ? name : `${name}@${id}`)
  return `${withId(repository.owner, repository.ownerId)}/${withId(repository.name, repository.repositoryId)}`
}

function splitId(part: string): [string, string | undefined] {
  const at = part.lastIndexOf('@')
  return at < 0 ? [part, undefined] : [part.slice(0, at), part.slice(at + 1)]
}

/** Who signs in with a trusted subject: the Exchange app's jobs by default. */
export const AS_EXCHANGE_ADMIN = 'sign in to Exchange Online as an administrator'
const WHY_PULL_REQUEST = `anyone who can open a pull request could then ${AS_EXCHANGE_ADMIN}, without review`
const whyPullRequest = (signIn: string): string => `anyone who can open a pull request could then ${signIn}, without review`
const whyBranch = (signIn: string): string => `anyone who can push a branch could then ${signIn}, without review`

/** The sentence that refuses a listed `pull_request` subject. */
export function listedPullRequestRefusal(subject: string): string {
  return (
    `Input 'federated-subjects' lists '${subject}', the subject of pull-request jobs: ${WHY_PULL_REQUEST}. ` +
    `Let Exchange jobs run in an environment with required reviewers and list repo:OWNER/REPO:environment:NAME instead; set ${ALLOW_UNPROTECTED_INPUT}: true only if you mean to trust pull requests.`
  )
}

/**
 * Why this job's own subject (the default of federated-subjects, or the one a failed sign-in
 * presented) is one an unreviewed change could present, or undefined when it is not:
 * - a subject a pull request's job can present (presentedByPullRequest);
 * - any subject while the job runs for a `pull_request*` event, an environment's included:
 *   this action cannot see whether that environment has required reviewers, and such a job
 *   may run workflow code the pull request changed (`pull_request` runs the merge commit's
 *   workflow; github/docs events-that-trigger-workflows.md);
 * - a ref other than the default branch, unless the subject is an environment's: on push,
 *   workflow_dispatch or schedule, the environment's protection rules (required reviewers,
 *   deployment branches) guard its jobs whatever the ref.
 */
export function unprotectedDefaultSubject(subject: string, job: JobFacts, signIn: string = AS_EXCHANGE_ADMIN): string | undefined {
  const { context } = scopeOfSubject(subject)
  if (/^pull_request/.test(job.eventName ?? '')) {
    const environment = context.kind === 'environment' ? ` — even in environment '${context.name}': this action cannot see whether it has required reviewers, and a pull request's job may run workflow code the pull request changed` : ''
    return `this job runs for a pull request (event ${job.eventName})${environment}, so trusting its subject '${subject}' means ${whyPullRequest(signIn)}`
  }
  if (context.kind === 'pull-request') {
    return `the subject '${subject}' is one a pull request's job presents, so trusting it means ${whyPullRequest(signIn)}`
  }
  if (context.kind === 'environment') return undefined
  const ref = context.kind === 'ref' ? context.ref : job.ref
  // Scheduled runs use the default branch and their payload names no repository
  // (github/docs, events-that-trigger-workflows.md, "schedule").
  if (job.eventName === 'schedule' && (ref === undefined || ref === job.ref)) return undefined
  if (ref === undefined || job.defaultBranch === undefined) {
    return `this job's subject '${subject}' could not be confirmed to be the default branch's (the event payload at GITHUB_EVENT_PATH names no repository.default_branch); trusting a branch other than the default one means ${whyBranch(signIn)}`
  }
  if (ref !== `refs/heads/${job.defaultBranch}`) {
    return `this job runs on ${ref}, not on the default branch refs/heads/${job.defaultBranch}, so trusting its subject '${subject}' means ${whyBranch(signIn)}`
  }
  return undefined
}

/** The refusal of an unprotected default subject: why, and the two ways forward. */
export function defaultSubjectRefusal(reason: string): string {
  return (
    `Input 'federated-subjects' is empty, so the Exchange app would trust this job's own subject, but ${reason}. ` +
    `Run provisioning from the default branch or an environment with required reviewers, or list the subjects of the jobs that connect in federated-subjects (e.g. repo:OWNER/REPO:environment:prod); set ${ALLOW_UNPROTECTED_INPUT}: true only if you mean it.`
  )
}

/**
 * The one comparison of OIDC issuers in this action: scheme and host without case (they are
 * case-insensitive in a URL, RFC 3986 §3.1 and §3.2.2), the path with case, trailing slashes
 * ignored. Entra itself matches a credential's issuer to the token's `iss` claim as given
 * ("must match the issuer claim of the external token being exchanged",
 * https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust;
 * its subject match is case-sensitive, AADSTS7002138), so this says "the same issuer", not
 * "Entra will accept it": whoever must know that a token will be accepted compares the strings
 * (trusted-subjects.ts jobIsTrusted), and the credentials this action writes carry the
 * job token's exact `iss` when it is the same issuer.
 */
export function sameIssuer(a: string, b: string): boolean {
  return normalIssuer(a) === normalIssuer(b)
}

function normalIssuer(url: string): string {
  return url.replace(/\/+$/, '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, origin => origin.toLowerCase())
}

/** GitHub's OIDC issuers this job may see: github.com's (also per enterprise), GHE.com's, or this GHES server's. */
export function isGitHubIssuer(issuer: string, gitHubIssuerForServer: string): boolean {
  const value = normalIssuer(issuer)
  // An enterprise may customize its issuer to https://token.actions.githubusercontent.com/SLUG
  // (github/docs oidc.md, "Customizing the issuer value for an enterprise").
  return [GITHUB_ACTIONS_ISSUER, gitHubIssuerForServer].some(known => sameIssuer(issuer, known) || value.startsWith(`${normalIssuer(known)}/`))
}

/** What the app is about to trust, for warnings that do not stop the run. */
export interface TrustToReview {
  /** The subjects listed in federated-subjects (empty: the default). */
  listed: readonly string[]
  /** The subjects the app will trust. */
  subjects: readonly string[]
  issuer: string
  /** GitHub's issuer for this server (`gitHubIssuerFor(GITHUB_SERVER_URL)`). */
  gitHubIssuer: string
  /** This job's own token: its issuer, and its environment claim. */
  jobIssuer?: string
  jobEnvironment?: string
  allowUnprotected: boolean
}

/**
 * Warnings about a trust that works but is wider than it looks: a branch subject beside
 * environments (it bypasses the environments' required reviewers), another repository's
 * subject, an issuer that is not GitHub's, and pull-request subjects allowed on purpose.
 */
export function trustWarnings(trust: TrustToReview, job: JobFacts): string[] {
  const warnings: string[] = []
  const scopes = trust.subjects.map(subject => ({ subject, scope: scopeOfSubject(subject) }))
  const environments = scopes.some(s => s.scope.context.kind === 'environment') || (trust.jobEnvironment ?? '') !== ''
  for (const { subject, scope } of scopes) {
    if (scope.context.kind === 'ref' && environments) {
      warnings.push(
        `The Exchange app trusts '${subject}', a branch or tag subject, while environments are in use: a job on ${scope.context.ref} that names no environment signs in without the environment's required reviewers. Trust only environment subjects (repo:OWNER/REPO:environment:NAME).`
      )
    }
    if (scope.context.kind === 'pull-request' && trust.allowUnprotected && trust.listed.includes(subject)) {
      warnings.push(`The Exchange app trusts '${subject}' (${ALLOW_UNPROTECTED_INPUT}: true): ${WHY_PULL_REQUEST}.`)
    }
    const thisRepository = repositoryOfJob(job)
    if (trust.listed.includes(subject) && scope.repository !== undefined && thisRepository !== undefined && !subjectNamesRepository(subject, thisRepository)) {
      warnings.push(
        `federated-subjects lists '${subject}', a subject of another repository than ${job.repository}: jobs there sign in as this Exchange app, under that repository's reviewers and branch rules. Remove it unless that is intended.`
      )
    }
  }
  const ownIssuer = trust.jobIssuer !== undefined && sameIssuer(trust.issuer, trust.jobIssuer)
  if (!ownIssuer && !isGitHubIssuer(trust.issuer, trust.gitHubIssuer)) {
    warnings.push(
      `federated-issuer is '${trust.issuer}', not GitHub's OIDC issuer (${trust.gitHubIssuer}): whoever controls that issuer can mint tokens with these subjects and sign in as the Exchange app. Leave federated-issuer empty unless that is intended.`
    )
  }
  return warnings
}

/** A repository as GitHub names it, with its immutable ids when known (GITHUB_REPOSITORY_OWNER_ID, GITHUB_REPOSITORY_ID). */
export interface RepositoryNames {
  owner: string
  repo: string
  ownerId?: string
  repoId?: string
}

/**
 * True when a GitHub OIDC subject names this repository. The one repository matcher of this
 * action (warnings about other repositories, and which credentials of earlier versions a run
 * counts as its own). A subject in the immutable form `repo:OWNER@ID/REPO@ID:…` matches by the
 * ids only: they never change and are never reused, while the names in it may be out of date
 * after a rename (https://learn.microsoft.com/entra/workload-id/workload-identities-github-immutable-subjects);
 * without the repository's ids (outside GitHub Actions) it names no repository known here.
 * A name-only subject `repo:OWNER/REPO:…` matches by the names, without case, as GitHub's do.
 */
export function subjectNamesRepository(subject: string, repository: RepositoryNames): boolean {
  const named = scopeOfSubject(subject).repository
  if (named === undefined) return false
  if (named.ownerId !== undefined || named.repositoryId !== undefined) {
    return repository.ownerId !== undefined && repository.repoId !== undefined && named.ownerId === repository.ownerId && named.repositoryId === repository.repoId
  }
  return named.owner.toLowerCase() === repository.owner.toLowerCase() && named.name.toLowerCase() === repository.repo.toLowerCase()
}

function repositoryOfJob(job: JobFacts): RepositoryNames | undefined {
  const [owner, repo] = (job.repository ?? '').split('/')
  if (owner === undefined || owner === '' || repo === undefined || repo === '') return undefined
  return { owner, repo, ...(job.repositoryOwnerId === undefined ? {} : { ownerId: job.repositoryOwnerId }), ...(job.repositoryId === undefined ? {} : { repoId: job.repositoryId }) }
}
