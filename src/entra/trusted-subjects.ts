/**
 * Which GitHub Actions jobs the Exchange app trusts with `credential: federated`: the
 * subjects and issuer of their OIDC tokens. Given in `federated-subjects` and
 * `federated-issuer`, or, by default, those of the job running provision mode (the usual
 * setup: the bootstrap workflow runs where the everyday jobs run). A default subject that a
 * pull request or an unreviewed branch could present is refused (subject-scope.ts).
 */
import { UserError } from '../errors.js'
import type { CredentialSettings, Settings } from '../settings.js'
import { noSubjectsWithoutOidcToken } from '../settings.js'
import { readJobFacts } from '../runner/github-event.js'
import { canRequestGitHubIdToken, gitHubIssuerFor, requestGitHubIdToken, type GitHubIdToken } from '../runner/github-oidc.js'
import type { DesiredFederation } from './federated-credentials.js'
import { ALLOW_UNPROTECTED_INPUT, defaultSubjectRefusal, sameIssuer, trustWarnings, unprotectedDefaultSubject } from './subject-scope.js'

export interface ResolvedFederation {
  federation: DesiredFederation
  /** This job's own OIDC token, when it may request one (for the defaults, and to verify). */
  job?: GitHubIdToken
  /** Worth telling the user, e.g. how a default was found. */
  notes: string[]
  /** Worth a warning annotation: a trust wider than it looks. */
  warnings: string[]
}

/** Throws a UserError, before anything is written, when the default subject is one nobody reviews. */
export async function resolveFederation(settings: Settings, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedFederation> {
  const credential = settings.credential as Extract<CredentialSettings, { kind: 'federated' }>
  const audience = credential.audience
  const job = canRequestGitHubIdToken(env) ? await requestGitHubIdToken(audience, 'unreachable: checked above') : undefined
  const facts = readJobFacts(env)
  const notes: string[] = []
  const warnings: string[] = []
  const gitHubIssuer = gitHubIssuerFor(env.GITHUB_SERVER_URL)
  // Entra matches the issuer to the tokens' `iss` as given: a federated-issuer that names the
  // same issuer as this job's token (or GitHub's) in another spelling is written as the tokens spell it.
  const tokenIssuer = job?.issuer ?? gitHubIssuer
  const issuer = credential.issuer === undefined || sameIssuer(credential.issuer, tokenIssuer) ? tokenIssuer : credential.issuer
  let subjects = credential.subjects
  if (subjects.length === 0) {
    // No GITHUB_REF fallback: a subject built from the ref would be a guess (an environment job's is not a ref subject).
    if (job?.subject === undefined) throw new UserError(noSubjectsWithoutOidcToken(), { input: 'federated-subjects' })
    const unprotected = unprotectedDefaultSubject(job.subject, facts)
    if (unprotected !== undefined && !credential.allowUnprotectedSubjects) {
      throw new UserError(defaultSubjectRefusal(unprotected), { input: 'federated-subjects' })
    }
    if (unprotected !== undefined) warnings.push(`The Exchange app trusts this job's own subject although ${unprotected} (${ALLOW_UNPROTECTED_INPUT}: true).`)
    subjects = [job.subject]
    notes.push(`federated-subjects is empty, so the app trusts this job's own subject '${job.subject}'. Jobs elsewhere (another branch, an environment) need their subjects listed in federated-subjects.`)
  }
  warnings.push(
    ...trustWarnings(
      {
        listed: credential.subjects,
        subjects,
        issuer,
        gitHubIssuer,
        ...(job?.issuer === undefined ? {} : { jobIssuer: job.issuer }),
        ...(job?.environment === undefined ? {} : { jobEnvironment: job.environment }),
        allowUnprotected: credential.allowUnprotectedSubjects
      },
      facts
    )
  )
  return { federation: { subjects, issuer, audience }, ...(job === undefined ? {} : { job }), notes, warnings }
}

/**
 * True when this job's token is one the app trusts, so it can sign in (to verify, or to
 * connect). Entra compares subject and issuer as strings (subject-scope.ts sameIssuer), so
 * this does too: "trusted" only where Entra would accept the token; resolveFederation writes
 * the token's own spelling of its issuer.
 */
export function jobIsTrusted(resolved: ResolvedFederation): boolean {
  const job = resolved.job
  if (job?.subject === undefined || job.issuer === undefined) return false
  return resolved.federation.subjects.includes(job.subject) && job.issuer === resolved.federation.issuer
}
