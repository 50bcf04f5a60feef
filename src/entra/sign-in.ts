/**
 * Sign-in of the provisioning identity with @azure/identity: a client secret, a client
 * certificate, or (the default, no stored secret at all) GitHub's OIDC token exchanged
 * through a federated identity credential. Failures become sentences that say what to fix.
 */
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  type AccessToken,
  type ClientCertificateCredentialOptions,
  type GetTokenOptions,
  type TokenCredential
} from '@azure/identity'
import { defaultScope, type Cloud } from '../cloud.js'
import { UserError } from '../errors.js'
import type { Settings } from '../settings.js'
import { readJobFacts, type JobFacts } from '../runner/github-event.js'
import { GITHUB_ACTIONS_ISSUER as GITHUB_ISSUER, requestGitHubIdToken } from '../runner/github-oidc.js'
import { identityClaimsOf, type IdentityClaims } from './preflight.js'
import { scopeOfSubject, unprotectedDefaultSubject } from './subject-scope.js'

/** The provisioning identity's credential, with errors translated for the user. */
export function provisioningCredential(settings: Settings): TokenCredential {
  const { signIn, cloud } = settings
  const tenantId = settings.tenantId
  const clientId = signIn.clientId
  if (tenantId === undefined || clientId === undefined) {
    throw new UserError("Provision mode needs 'tenant-id' and 'client-id'.")
  }
  const options = credentialOptions(cloud)
  let lastOidcSubject: string | undefined
  const oidcToken = reusableToken(() => githubIdToken(signIn.audience))
  let credential: TokenCredential
  switch (signIn.method) {
    case 'client-secret':
      credential = new ClientSecretCredential(tenantId, clientId, signIn.clientSecret ?? '', options)
      break
    case 'client-certificate':
      credential = new ClientCertificateCredential(
        tenantId,
        clientId,
        // An encrypted key is decrypted by @azure/identity with its password.
        {
          certificate: signIn.clientCertificatePem ?? '',
          ...(signIn.clientCertificatePassword === undefined ? {} : { certificatePassword: signIn.clientCertificatePassword })
        },
        options
      )
      break
    case 'github-oidc':
      credential = new ClientAssertionCredential(
        tenantId,
        clientId,
        // Called for every token request. GitHub's token lives about 10 minutes: reuse it
        // while it has minutes left (one GitHub round trip, not one per Graph call), and
        // fetch a fresh one after that, so long replication waits never use a stale one.
        async () => {
          const token = await oidcToken()
          lastOidcSubject = jwtClaim(token, 'sub')
          return token
        },
        options
      )
      break
  }
  return new ExplainedCredential(credential, error =>
    explainSignInError(error, { settings, oidcSubject: lastOidcSubject, job: readJobFacts(process.env) })
  )
}

/**
 * Signs in and reads what the provisioning identity's Graph token says it may do (`oid`,
 * `roles`, `wids`), for the preflight. This is the run's sign-in: the Graph client's first
 * request gets the same token from the credential's cache, so it costs no extra round trip.
 */
export async function provisioningIdentityClaims(credential: TokenCredential, cloud: Cloud): Promise<IdentityClaims> {
  const token = await credential.getToken(defaultScope(cloud.graphResource))
  const raw = token?.token ?? ''
  return identityClaimsOf({ oid: jwtClaimValue(raw, 'oid'), roles: jwtClaimValue(raw, 'roles'), wids: jwtClaimValue(raw, 'wids') })
}

type CredentialOptions = Pick<ClientCertificateCredentialOptions, 'authorityHost' | 'disableInstanceDiscovery' | 'additionalPolicies'>
type PipelinePolicy = NonNullable<ClientCertificateCredentialOptions['additionalPolicies']>[number]['policy']
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>

/** Options shared by every credential this action builds (provisioning and verify). */
export function credentialOptions(cloud: Cloud): CredentialOptions & { authorityHost: string; disableInstanceDiscovery: boolean } {
  // With an authority host that is not one of Microsoft's, msal-node only accepts it as
  // a known authority when instance discovery is off (FACTS.md "Tokens"). Microsoft's own
  // hosts work the same way with it off, so production and the emulator share one path.
  return {
    authorityHost: cloud.authorityHost,
    disableInstanceDiscovery: true,
    additionalPolicies: [{ policy: openIdConfigurationCache, position: 'perCall' }]
  }
}

/**
 * msal-node fetches the tenant's OpenID configuration once per credential before its first
 * token request, and every credential is a new msal client with an empty cache: the
 * provisioning sign-in and each verify attempt would all pay that round trip again. The
 * document does not change while the action runs, so one successful answer per URL is
 * shared for the life of the process (concurrent requests share the one in flight).
 */
const openIdConfigurations = new Map<string, Promise<PipelineResponse>>()

const openIdConfigurationCache: PipelinePolicy = {
  name: 'exoCbaOpenIdConfigurationCache',
  async sendRequest(request, next) {
    if (request.method !== 'GET' || !/\/\.well-known\/openid-configuration$/.test(new URL(request.url).pathname)) return next(request)
    let answer = openIdConfigurations.get(request.url)
    if (answer === undefined) {
      answer = next(request)
      openIdConfigurations.set(request.url, answer)
      // Only a good answer is kept: a failure is retried by the next credential.
      answer.then(
        response => {
          if (response.status !== 200) openIdConfigurations.delete(request.url)
        },
        () => openIdConfigurations.delete(request.url)
      )
      return answer
    }
    return { ...(await answer), request }
  }
}

async function githubIdToken(audience: string): Promise<string> {
  const { token } = await requestGitHubIdToken(
    audience,
    "No sign-in for the provisioning identity: 'client-secret' and 'client-certificate' are empty, so the action uses GitHub OIDC, but this job cannot request an OIDC token. Add `permissions: id-token: write` (and `contents: read`) to the job or workflow, or pass a client-secret or client-certificate."
  )
  return token
}

/**
 * Turns msal/identity errors into what the user should do. The command to trust this job's
 * OIDC subject is printed only when a reviewer guards it (subject-scope.ts
 * unprotectedDefaultSubject, with `job`: this job's event, ref and default branch; unknown
 * facts count as unguarded); otherwise it points to an environment with required reviewers.
 */
export function explainSignInError(error: unknown, context: { settings: Settings; oidcSubject?: string; job?: JobFacts }): Error {
  if (error instanceof UserError) return error
  const message = (error as Error)?.message ?? String(error)
  const { settings } = context
  const who = `the provisioning identity (client-id ${settings.signIn.clientId}) in tenant ${settings.tenantId}`
  const code = /AADSTS(\d+)/.exec(message)?.[1]
  switch (code) {
    case '70021':
    case '700213':
    case '700211':
    case '700212': {
      const subject = context.oidcSubject ?? '(unknown)'
      if (scopeOfSubject(subject).context.kind === 'pull-request') {
        // Never suggest trusting it: the provisioning identity can grant itself and the Exchange
        // app more privileges, and anyone who can open a pull request would hold it.
        return new UserError(
          `Entra ID found no federated credential of ${who} matching this workflow's GitHub token (AADSTS${code}): the token is a pull-request job's (subject '${subject}'). Do not trust pull-request subjects for the provisioning identity: anyone who can open a pull request could then manage the tenant's apps and roles. Run provision mode from the default branch or, better, in an environment with required reviewers (jobs.<job_id>.environment), and trust that subject (repo:OWNER/REPO:environment:NAME) instead.`,
          { cause: error }
        )
      }
      const unreviewed = context.oidcSubject === undefined ? undefined : unprotectedDefaultSubject(subject, context.job ?? {}, "sign in as the provisioning identity and manage the tenant's apps and roles")
      if (unreviewed !== undefined) {
        // Nor a feature branch's: the provisioning identity can grant itself and the Exchange app more privileges.
        return new UserError(
          `Entra ID found no federated credential of ${who} matching this workflow's GitHub token (AADSTS${code}), subject '${subject}'. Do not trust this subject for the provisioning identity: ${unreviewed}. Run provision mode from the default branch or, better, in an environment with required reviewers (jobs.<job_id>.environment), and trust that subject (repo:OWNER/REPO:environment:NAME) instead.`,
          { cause: error }
        )
      }
      return new UserError(
        `Entra ID found no federated credential of ${who} matching this workflow's GitHub token (AADSTS${code}). The token says: issuer ${GITHUB_ISSUER}, subject '${subject}', audience '${settings.signIn.audience}'. Add a federated credential with exactly these values: Entra admin center → App registrations → the provisioning app → Certificates & secrets → Federated credentials → Add → "GitHub Actions deploying Azure resources" (or \`az ad app federated-credential create --id ${settings.signIn.clientId} --parameters '{"name":"github","issuer":"${GITHUB_ISSUER}","subject":"${subject}","audiences":["${settings.signIn.audience}"]}'\`). A credential used right after it is created can take a minute to work.`,
        { cause: error }
      )
    }
    case '7000215':
      return new UserError(`The client-secret of ${who} is wrong or expired (AADSTS7000215). Create a new secret for the app and update the workflow secret.`, { cause: error })
    case '700027':
    case '700024':
      return new UserError(`Entra ID rejected the client-certificate of ${who} (AADSTS${code}): the certificate is not on the app, or has expired. Upload its public certificate to the app (Certificates & secrets).`, { cause: error })
    case '700016':
      return new UserError(`No app with client-id ${settings.signIn.clientId} exists in tenant ${settings.tenantId} (AADSTS700016). Check 'client-id' and 'tenant-id'.`, { cause: error })
    case '90002':
    case '900023':
      return new UserError(`Tenant '${settings.tenantId}' was not found (AADSTS${code}). Check 'tenant-id' and 'cloud'.`, { cause: error })
  }
  // msal reads the tenant's OpenID configuration before any token request; an unknown
  // tenant answers it with AADSTS90002, but msal reports only this code.
  if (/endpoints_resolution_error/.test(message)) {
    return new UserError(
      `Could not read the sign-in configuration of tenant '${settings.tenantId}' from ${settings.cloud.authorityHost}: the tenant does not exist in the ${settings.cloud.name} cloud, or that host cannot be reached. Check 'tenant-id' (the tenant GUID or any of its verified domains), 'cloud' and 'authority-host'.`,
      { cause: error }
    )
  }
  return new UserError(`Sign-in of ${who} failed: ${message}`, { cause: error })
}

/** Wraps a credential so its failures are explained once, where they happen. */
class ExplainedCredential implements TokenCredential {
  constructor(
    private readonly inner: TokenCredential,
    private readonly explain: (error: unknown) => Error
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.inner.getToken(scopes, options)
    } catch (error) {
      throw this.explain(error)
    }
  }
}

/** Seconds of life a reused GitHub token must still have. */
const OIDC_REUSE_MARGIN_SECONDS = 120

/** Wraps a JWT source so a token is reused until it is within the margin of its `exp`. */
export function reusableToken(fetchToken: () => Promise<string>, now: () => number = Date.now): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined
  return async () => {
    if (cached !== undefined && cached.expiresAt - OIDC_REUSE_MARGIN_SECONDS * 1000 > now()) return cached.token
    const token = await fetchToken()
    const exp = Number(jwtClaimValue(token, 'exp'))
    cached = Number.isFinite(exp) && exp > 0 ? { token, expiresAt: exp * 1000 } : undefined
    return token
  }
}

/** One claim of a JWT's payload (not verified: only for reading our own tokens); undefined when unreadable. */
export function jwtClaimValue(token: string, claim: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>)[claim]
  } catch {
    return undefined
  }
}

/** Reads one claim of a JWT without verifying it (for messages only). */
export function jwtClaim(token: string, claim: string): string | undefined {
  const value = jwtClaimValue(token, claim)
  return typeof value === 'string' ? value : undefined
}
