/**
 * Turns GitHub's answers to the secrets API into errors a user can act on: which token,
 * which permission, which repository, environment or organization. Messages carry
 * GitHub's text and secret NAMES, never a secret value (GitHub never echoes values back).
 */
import { UserError } from '../errors.js'
import { DEFAULT_RETRY_POLICY, gitHubMessage, isHttpFailure, rateLimitWaitSeconds, type HttpFailure } from './retry.js'
import type { SecretTarget } from './secrets.js'

export function describeTarget(target: SecretTarget): string {
  switch (target.kind) {
    case 'repository':
      return `repository ${target.owner}/${target.repo}`
    case 'environment':
      return `environment '${target.environment}' of repository ${target.owner}/${target.repo}`
    case 'organization':
      return `organization ${target.org}`
  }
}

const APP_TOKEN_HINT =
  'or a GitHub App installation token (actions/create-github-app-token) for an app granted that permission'

/** The fine-grained permissions writing secrets to this target needs, in GitHub's words. */
export function requiredPermissions(target: SecretTarget): string {
  switch (target.kind) {
    case 'repository':
      return 'Repository permissions → Secrets: Read and write'
    case 'environment':
      return 'Repository permissions → Secrets: Read and write, and Environments: Read'
    case 'organization':
      return 'Organization permissions → Secrets: Read and write'
  }
}

export interface FailureContext {
  target: SecretTarget
  /** What the action was doing, e.g. "read the public key of" or "write secret EXO_APP_ID to". */
  action: string
  /**
   * For a 404, when the caller has worked out what is missing (e.g. the repository is
   * there but the environment is not): the sentence to say and the input to fix.
   * Defaults to "the target does not exist or the token cannot see it".
   */
  notFound?: { explanation: string; input: string }
  /** GITHUB_API_URL, named when GitHub could not be reached at all. */
  apiUrl?: string
}

/** Maps a failed GitHub call to a UserError; anything that is not an HTTP failure is returned as-is. */
export function secretFailure(error: unknown, context: FailureContext): unknown {
  if (!isHttpFailure(error)) return error
  const { target, action } = context
  const where = describeTarget(target)
  const said = gitHubMessage(error)
  const tokenFix = `Use a fine-grained personal access token with "${requiredPermissions(target)}" on the ${
    target.kind === 'organization' ? 'organization' : 'repository'
  }, ${APP_TOKEN_HINT}.`

  if (error.response === undefined) {
    // Octokit reports "no answer" (refused, reset, timeout, TLS) as status 500 without a response.
    return new UserError(
      `Could not reach GitHub${context.apiUrl ? ` at ${context.apiUrl}` : ''} to ${action} ${where}: ${said}. Check GITHUB_API_URL, the runner's network and proxy settings, and (for GHES with a private CA) NODE_EXTRA_CA_CERTS.`,
      { cause: error }
    )
  }

  switch (error.status) {
    case 401:
      return new UserError(
        `GitHub rejected github-token (401 ${said}) when trying to ${action} ${where}: the token is wrong, expired or revoked. ${tokenFix}`,
        { input: 'github-token', cause: error }
      )
    case 403: {
      if (rateLimitWaitSeconds(error) !== undefined) return rateLimited(error, `${action} ${where}`, `403 ${said}`)
      if (/by integration/i.test(said)) {
        return new UserError(
          `github-token may not ${action} ${where} (403 ${said}). The workflow's GITHUB_TOKEN can never write Actions secrets, whatever its 'permissions:' say; if this is a GitHub App token, the app lacks the permission. ${tokenFix}`,
          { input: 'github-token', cause: error }
        )
      }
      if (/SAML|SSO/.test(said)) {
        return new UserError(
          `github-token may not ${action} ${where} (403 ${said}): the organization enforces SAML single sign-on. Authorize the token for the organization (Settings → Developer settings → the token → Configure SSO), or use ${APP_TOKEN_HINT.replace(/^or /, '')}.`,
          { input: 'github-token', cause: error }
        )
      }
      return new UserError(
        `github-token may not ${action} ${where} (403 ${said}). Give the token "${requiredPermissions(target)}" (a classic token needs the ${
          target.kind === 'organization' ? 'admin:org' : 'repo'
        } scope), or use ${APP_TOKEN_HINT.replace(/^or /, '')}.`,
        { input: 'github-token', cause: error }
      )
    }
    case 404: {
      const notFound = context.notFound ?? defaultNotFound(target)
      return new UserError(`GitHub answered 404 when trying to ${action} ${where}: ${notFound.explanation}`, {
        input: notFound.input,
        cause: error
      })
    }
    case 422:
      return new UserError(`GitHub refused to ${action} ${where} (422): ${said}`, { cause: error })
    case 429:
      return rateLimited(error, `${action} ${where}`, `429 ${said}`)
    default:
      return new UserError(
        `GitHub failed to ${action} ${where} (${error.status} ${said}) after retries. Check https://www.githubstatus.com and run the job again.`,
        { cause: error }
      )
  }
}

/**
 * A rate limit that survived the retries: either GitHub asked for a wait longer than a job
 * is blocked for (then nothing was retried, and the message says how long it asked), or the
 * waits it asked for were taken and it still refused.
 */
function rateLimited(error: HttpFailure, what: string, answer: string): UserError {
  const wait = rateLimitWaitSeconds(error) ?? 0
  const advice = 'Run the job again later, and avoid starting many runs at once (use a concurrency group).'
  return new UserError(
    wait > DEFAULT_RETRY_POLICY.maxWaitSeconds
      ? `GitHub rate-limited the requests to ${what} (${answer}) and asked to wait ${wait} s, longer than the ${DEFAULT_RETRY_POLICY.maxWaitSeconds} s this action waits within a job, so it did not retry. ${advice}`
      : `GitHub rate-limited the requests to ${what} (${answer}) and retrying within the job, after the waits GitHub asked for, did not get through. ${advice}`,
    { cause: error }
  )
}

function defaultNotFound(target: SecretTarget): { explanation: string; input: string } {
  switch (target.kind) {
    case 'repository':
    case 'environment':
      return {
        explanation: `the repository ${target.owner}/${target.repo} does not exist, or github-token cannot see it. Check the repository input, and that the token can reach it (a fine-grained token lists it under Repository access; a GitHub App must be installed on it).`,
        input: 'repository'
      }
    case 'organization':
      return {
        // The organization is the owner of the `repository` input.
        explanation: `the organization ${target.org} does not exist, or github-token cannot see it. Check the owner in the repository input, and that the token belongs to it (a fine-grained token's Resource owner must be ${target.org}; a GitHub App must be installed there).`,
        input: 'repository'
      }
  }
}
