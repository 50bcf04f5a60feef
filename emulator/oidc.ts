/**
 * The GitHub Actions OIDC token issuer: what `ACTIONS_ID_TOKEN_REQUEST_URL` points at in
 * a workflow with `permissions: id-token: write`. `core.getIDToken(audience)` calls
 * `GET {url}&audience=...` with `Authorization: Bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}`
 * and reads `value` from the JSON answer.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { EmulatedService, EmulatorRequest, EmulatorResponse } from './http.js'
import { nowSeconds, SigningKey } from './jwt.js'

/** GitHub's ID tokens are short-lived. */
const ID_TOKEN_LIFETIME_SECONDS = 600

export interface OidcOptions {
  /** `sub` of issued tokens (default: the provisioning identity's federated subject). */
  subject?: string
  /** Extra claims (repository, ref, …) merged into every token. */
  claims?: Record<string, unknown>
}

export class OidcIssuer implements EmulatedService {
  readonly name = 'oidc'
  readonly key = new SigningKey()
  /** The bearer token a job gets as ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly requestToken = `emu-oidc-${randomBytes(16).toString('hex')}`
  subject: string
  claims: Record<string, unknown>

  constructor(private readonly url: () => string, options: { subject: string; claims?: Record<string, unknown> }) {
    this.subject = options.subject
    this.claims = options.claims ?? {}
  }

  /** `iss` of the issued tokens: the service's root URL, like https://token.actions.githubusercontent.com. */
  get issuer(): string {
    return this.url()
  }

  /** Environment variables of a job that may request ID tokens. */
  actionsEnv(): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string } {
    return { ACTIONS_ID_TOKEN_REQUEST_URL: `${this.issuer}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: this.requestToken }
  }

  /** Issues an ID token directly (tests): `exp`/`nbf` can be moved to forge stale tokens. */
  issueToken(options: { audience?: string; subject?: string; lifetimeSeconds?: number; notBefore?: number; issuer?: string } = {}): string {
    const now = nowSeconds()
    const subject = options.subject ?? this.subject
    const repository = /^repo:([^:]+):/.exec(subject)?.[1] ?? 'octo/demo'
    return this.key.sign({
      jti: randomUUID(),
      sub: subject,
      aud: options.audience ?? 'api://AzureADTokenExchange',
      ref: 'refs/heads/main',
      repository,
      repository_owner: repository.split('/')[0],
      run_id: '1',
      event_name: 'workflow_dispatch',
      runner_environment: 'github-hosted',
      ...this.claims,
      iss: options.issuer ?? this.issuer,
      nbf: options.notBefore ?? now - 5,
      iat: now,
      exp: now + (options.lifetimeSeconds ?? ID_TOKEN_LIFETIME_SECONDS)
    })
  }

  handle(req: EmulatorRequest): EmulatorResponse | undefined {
    const path = req.url.pathname.replace(/\/+$/, '')
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return {
        status: 200,
        json: {
          issuer: this.issuer,
          jwks_uri: `${this.issuer}/.well-known/jwks`,
          subject_types_supported: ['public', 'pairwise'],
          response_types_supported: ['id_token'],
          claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'repository_owner', 'run_id', 'event_name', 'runner_environment'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid']
        }
      }
    }
    if (req.method === 'GET' && path === '/.well-known/jwks') {
      return { status: 200, json: { keys: [this.key.jwk()] } }
    }
    if (req.method === 'GET' && path === '/token') {
      // The scheme is case-insensitive (RFC 7235 §2.1); GitHub's own curl example writes `bearer`.
      const presented = /^bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1]
      if (presented !== this.requestToken) {
        return { status: 401, json: { message: 'Bad credentials' } }
      }
      // Without an audience GitHub uses the repository owner's URL.
      const owner = /^repo:([^/:]+)\//.exec(this.subject)?.[1] ?? 'octo'
      const audience = req.url.searchParams.get('audience') ?? `https://github.com/${owner}`
      return { status: 200, json: { count: 1, value: this.issueToken({ audience }) } }
    }
    return undefined
  }

  notFound(): EmulatorResponse {
    return { status: 404, json: { message: 'Not Found' } }
  }
}
