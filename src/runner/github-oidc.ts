/**
 * The job's GitHub Actions OIDC token: for the provisioning identity's sign-in, and with
 * `credential: federated` for the Exchange app's own. The runner hands a job the means to
 * ask for one (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN) only with `permissions: id-token: write`.
 * GitHub does not document the token's lifetime; it has been 5 minutes (actions/toolkit#2048),
 * so a long job asks again rather than keeping one.
 */
import * as core from '@actions/core'
import { UserError } from '../errors.js'

export interface GitHubIdToken {
  token: string
  /** `sub`, e.g. `repo:contoso/exo-jobs:ref:refs/heads/main`. */
  subject?: string
  /** `iss`, e.g. `https://token.actions.githubusercontent.com`. */
  issuer?: string
  /** `environment`: the environment the job references, when it does. */
  environment?: string
  expiresAt?: Date
}

/** True when this job may request OIDC tokens (it has `permissions: id-token: write`). */
export function canRequestGitHubIdToken(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
}

/**
 * A fresh OIDC token for `audience`, with the claims this action reads. `missingPermission`
 * is the error's sentence for a job that cannot ask for one (it says what the token was for).
 */
export async function requestGitHubIdToken(audience: string, missingPermission: string): Promise<GitHubIdToken> {
  if (!canRequestGitHubIdToken()) throw new UserError(missingPermission)
  let token: string
  try {
    token = await core.getIDToken(audience)
  } catch (error) {
    throw new UserError(
      `GitHub did not issue an OIDC token for audience '${audience}': ${(error as Error).message.replace(/\s+/g, ' ').trim()}. Check that the job has \`permissions: id-token: write\`.`,
      { cause: error }
    )
  }
  return withClaims(token)
}

/** The token with the claims this action reads (unverified: it is our own token, read for messages and names). */
export function withClaims(token: string): GitHubIdToken {
  const claims = jwtPayload(token)
  const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined
  return {
    token,
    ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
    ...(typeof claims.iss === 'string' ? { issuer: claims.iss } : {}),
    ...(typeof claims.environment === 'string' && claims.environment !== '' ? { environment: claims.environment } : {}),
    ...(exp === undefined ? {} : { expiresAt: exp })
  }
}

/** GitHub Actions' OIDC issuer on github.com (github/docs content/actions/reference/security/oidc.md, `iss`). */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com'

/** GitHub's OIDC issuer for this server (`GITHUB_SERVER_URL`): github.com, GHE.com or GHES (GitHub docs, "About security hardening with OpenID Connect"). */
export function gitHubIssuerFor(serverUrl: string | undefined): string {
  const url = new URL(serverUrl?.trim() || 'https://github.com')
  const host = url.hostname.toLowerCase()
  if (host === 'github.com') return GITHUB_ACTIONS_ISSUER
  const dataResidency = /^([a-z0-9-]+)\.ghe\.com$/.exec(host)
  if (dataResidency !== null) return `https://token.actions.${dataResidency[1]}.ghe.com`
  return `${url.origin}/_services/token`
}

function jwtPayload(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}
