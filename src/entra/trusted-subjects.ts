/**
 * Which GitHub Actions jobs the Exchange app trusts with `credential: federated`: the
 * subjects and issuer of their OIDC tokens. Given in `federated-subjects` and
 * `federated-issuer`, or, by default, those of the job running provision mode (the usual
 * setup: the bootstrap workflow runs where the everyday jobs run).
 */
import { UserError } from '../errors.js'
import type { CredentialSettings, Settings } from '../settings.js'
import { canRequestGitHubIdToken, gitHubIssuerFor, requestGitHubIdToken, type GitHubIdToken } from '../runner/github-oidc.js'
import type { DesiredFederation } from './federated-credentials.js'

export interface ResolvedFederation {
  federation: DesiredFederation
  /** This job's own OIDC token, when it may request one (for the defaults, and to verify). */
  job?: GitHubIdToken
  /** Worth telling the user, e.g. how a default was found. */
  notes: string[]
}

export async function resolveFederation(settings: Settings, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedFederation> {
  const credential = settings.credential as Extract<CredentialSettings, { kind: 'federated' }>
  const audience = settings.signIn.audience
  const job = canRequestGitHubIdToken(env) ? await requestGitHubIdToken(audience, 'unreachable: checked above') : undefined
  const notes: string[] = []
  const issuer = credential.issuer ?? job?.issuer ?? gitHubIssuerFor(env.GITHUB_SERVER_URL)
  let subjects = credential.subjects
  if (subjects.length === 0 && job?.subject !== undefined) {
    subjects = [job.subject]
    notes.push(`federated-subjects is empty, so the app trusts this job's own subject '${job.subject}'. Jobs elsewhere (another branch, an environment) need their subjects listed in federated-subjects.`)
  } else if (subjects.length === 0 && env.GITHUB_REPOSITORY && env.GITHUB_REF) {
    subjects = [`repo:${env.GITHUB_REPOSITORY}:ref:${env.GITHUB_REF}`]
    notes.push(
      `federated-subjects is empty and this job cannot request an OIDC token, so the app trusts '${subjects[0]}' (from GITHUB_REPOSITORY and GITHUB_REF). A job that uses an environment has the subject repo:${env.GITHUB_REPOSITORY}:environment:NAME instead: list it in federated-subjects.`
    )
  } else if (subjects.length === 0) {
    throw new UserError(
      "Input 'federated-subjects' is empty and the subject of this job's OIDC token cannot be found: list the GitHub OIDC subjects of the jobs that connect to Exchange Online, e.g. repo:contoso/exo-jobs:ref:refs/heads/main.",
      { input: 'federated-subjects' }
    )
  }
  return { federation: { subjects, issuer, audience }, ...(job === undefined ? {} : { job }), notes }
}

/** True when this job's token is one the app trusts, so it can sign in (to verify, or to connect). */
export function jobIsTrusted(resolved: ResolvedFederation): boolean {
  const job = resolved.job
  if (job?.subject === undefined || job.issuer === undefined) return false
  return resolved.federation.subjects.includes(job.subject) && sameIssuer(job.issuer, resolved.federation.issuer)
}

function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase()
}
