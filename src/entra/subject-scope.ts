/**
 * Who a GitHub OIDC subject lets sign in as the Exchange app (`credential: federated`), and
 * which subjects a pull request or an unreviewed branch could present. Pure: the subject,
 * the issuer and the runner's facts in, refusals and warnings out.
 *
 * GitHub's subject formats (github/docs content/actions/reference/security/oidc.md, "Example
 * subject claims" and "Immutable subject claims"): `repo:OWNER/REPO:environment:NAME` when the
 * job references an environment, else `repo:OWNER/REPO:pull_request` for pull-request events,
 * else `repo:OWNER/REPO:ref:refs/heads/BRANCH` (or `refs/tags/TAG`). Repositories created,
 * renamed or transferred after 2026-07-15 (and those that opted in) write the owner and
 * repository as `OWNER@OWNER-ID/REPO@REPO-ID`. A `:` inside a value is written `%3A`.
 */
import type { JobFacts } from '../runner/github-event.js'

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

/** Reads a subject in either of GitHub's forms (name-only, or with immutable ids). */
export function scopeOfSubject(subject: string): SubjectScope {
  const match = /^repo:([^/:]+)\/([^:]+):(.+)$/.exec(subject)
  if (match === null) return { context: { kind: 'other' } }
  const [owner, ownerId] = splitId(match[1])
  const [name, repositoryId] = splitId(match[2])
  const parts = match[3].split(':')
  let context: SubjectContext = { kind: 'other' }
  if (parts[0] === 'environment' && parts[1] !== undefined) context = { kind: 'environment', name: parts[1] }
  else if (parts.includes('pull_request')) context = { kind: 'pull-request' }
  else if (parts[0] === 'ref' && parts[1] !== undefined) context = { kind: 'ref', ref: parts[1] }
  return {
    repository: { owner, name, ...(ownerId === undefined ? {} : { ownerId }), ...(repositoryId === undefined ? {} : { repositoryId }) },
    context
  }
}

function splitId(part: string): [string, string | undefined] {
  const at = part.lastIndexOf('@')
  return at < 0 ? [part, undefined] : [part.slice(0, at), part.slice(at + 1)]
}

const WHY_PULL_REQUEST = 'anyone who can open a pull request could then sign in to Exchange Online as an administrator, without review'
const WHY_BRANCH = 'anyone who can push a branch could then sign in to Exchange Online as an administrator, without review'

/** The sentence that refuses a listed `pull_request` subject. */
export function listedPullRequestRefusal(subject: string): string {
  return (
    `Input 'federated-subjects' lists '${subject}', the subject of pull-request jobs: ${WHY_PULL_REQUEST}. ` +
    `Let Exchange jobs run in an environment with required reviewers and list repo:OWNER/REPO:environment:NAME instead; set ${ALLOW_UNPROTECTED_INPUT}: true only if you mean to trust pull requests.`
  )
}

/**
 * Why the default subject (this job's own) is one an unreviewed change could present, or
 * undefined when it is not: a pull-request subject, a job run for a pull-request event, or a
 * ref other than the default branch. An environment subject is guarded by the environment's
 * protection rules (required reviewers, deployment branches), whatever the ref.
 */
export function unprotectedDefaultSubject(subject: string, job: JobFacts): string | undefined {
  const { context } = scopeOfSubject(subject)
  if (context.kind === 'environment') return undefined
  if (context.kind === 'pull-request' || /^pull_request/.test(job.eventName ?? '')) {
    return `this job runs for a pull request (event ${job.eventName ?? 'pull_request'}), so trusting its subject '${subject}' means ${WHY_PULL_REQUEST}`
  }
  const ref = context.kind === 'ref' ? context.ref : job.ref
  // Scheduled runs use the default branch and their payload names no repository
  // (github/docs, events-that-trigger-workflows.md, "schedule").
  if (job.eventName === 'schedule' && (ref === undefined || ref === job.ref)) return undefined
  if (ref === undefined || job.defaultBranch === undefined) {
    return `this job's subject '${subject}' could not be confirmed to be the default branch's (the event payload at GITHUB_EVENT_PATH names no repository.default_branch); trusting a branch other than the default one means ${WHY_BRANCH}`
  }
  if (ref !== `refs/heads/${job.defaultBranch}`) {
    return `this job runs on ${ref}, not on the default branch refs/heads/${job.defaultBranch}, so trusting its subject '${subject}' means ${WHY_BRANCH}`
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

/** GitHub's OIDC issuers this job may see: github.com's (also per enterprise), GHE.com's, or this GHES server's. */
export function isGitHubIssuer(issuer: string, gitHubIssuerForServer: string): boolean {
  const normal = (url: string): string => url.replace(/\/+$/, '').toLowerCase()
  const value = normal(issuer)
  // An enterprise may customize its issuer to https://token.actions.githubusercontent.com/SLUG
  // (github/docs oidc.md, "Customizing the issuer value for an enterprise").
  return [normal('https://token.actions.githubusercontent.com'), normal(gitHubIssuerForServer)].some(
    known => value === known || value.startsWith(`${known}/`)
  )
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
    if (trust.listed.includes(subject) && scope.repository !== undefined && isOtherRepository(scope.repository, job)) {
      warnings.push(
        `federated-subjects lists '${subject}', a subject of another repository than ${job.repository}: jobs there sign in as this Exchange app, under that repository's reviewers and branch rules. Remove it unless that is intended.`
      )
    }
  }
  const ownIssuer = trust.jobIssuer !== undefined && sameUrl(trust.issuer, trust.jobIssuer)
  if (!ownIssuer && !isGitHubIssuer(trust.issuer, trust.gitHubIssuer)) {
    warnings.push(
      `federated-issuer is '${trust.issuer}', not GitHub's OIDC issuer (${trust.gitHubIssuer}): whoever controls that issuer can mint tokens with these subjects and sign in as the Exchange app. Leave federated-issuer empty unless that is intended.`
    )
  }
  return warnings
}

function isOtherRepository(repository: NonNullable<SubjectScope['repository']>, job: JobFacts): boolean {
  if (job.repository === undefined || job.repository === '') return false
  const [owner, name] = job.repository.split('/')
  if (repository.owner.toLowerCase() !== owner?.toLowerCase() || repository.name.toLowerCase() !== name?.toLowerCase()) return true
  // The immutable form's ids are what make it this repository (a recycled name has other ids).
  if (repository.ownerId !== undefined && job.repositoryOwnerId !== undefined && repository.ownerId !== job.repositoryOwnerId) return true
  if (repository.repositoryId !== undefined && job.repositoryId !== undefined && repository.repositoryId !== job.repositoryId) return true
  return false
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase()
}
