/**
 * Entra ID's token endpoint and the discovery documents msal-node reads for a custom
 * authority (`authorityHost` + `disableInstanceDiscovery`): client credentials with a
 * client secret, a certificate assertion, or a federated (GitHub OIDC) assertion.
 */
import { randomUUID } from 'node:crypto'
import type { EmulatedService, EmulatorRequest, EmulatorResponse } from './http.js'
import { decodeJwt, nowSeconds, verifyJwtSignature, type DecodedJwt, type SigningKey } from './jwt.js'
import type { ApplicationRecord, Tenant } from './tenant.js'
import { parseCertificate } from './x509.js'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** Clock skew Entra tolerates on assertion nbf/exp. */
const SKEW_SECONDS = 300
const ACCESS_TOKEN_LIFETIME_SECONDS = 3599
/** Microsoft's public login hosts as instance discovery groups them (MSAL's own static copy). */
const MICROSOFT_LOGIN_HOSTS: ReadonlyArray<{ preferred_network: string; preferred_cache: string; aliases: string[] }> = [
  { preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'] },
  { preferred_network: 'login.partner.microsoftonline.cn', preferred_cache: 'login.partner.microsoftonline.cn', aliases: ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'] },
  { preferred_network: 'login.microsoftonline.us', preferred_cache: 'login.microsoftonline.us', aliases: ['login.microsoftonline.us', 'login.usgovcloudapi.net'] },
  { preferred_network: 'login-us.microsoftonline.com', preferred_cache: 'login-us.microsoftonline.com', aliases: ['login-us.microsoftonline.com'] }
]

/** An AADSTS error, answered in the token endpoint's JSON shape. */
class AadError extends Error {
  constructor(readonly code: number, readonly error: string, message: string, readonly status = error === 'invalid_client' ? 401 : 400) {
    super(message)
  }
}

export interface LoginServiceContext {
  tenant: () => Tenant
  /** Signs the access tokens this emulated Entra ID issues. */
  tokenKey: SigningKey
  /** The emulated GitHub OIDC issuer whose tokens federated credentials may trust. */
  oidcIssuer: { url: string; key: SigningKey }
  /** This service's origin, e.g. https://127.0.0.1:PORT. */
  origin: () => string
  /** Lifetime of the access tokens it issues (default 3599 s; a test makes them short to see them expire). */
  accessTokenLifetimeSeconds?: () => number
}

export class LoginService implements EmulatedService {
  readonly name = 'login'

  constructor(private readonly ctx: LoginServiceContext) {}

  private lifetime(): number {
    return this.ctx.accessTokenLifetimeSeconds?.() ?? ACCESS_TOKEN_LIFETIME_SECONDS
  }

  handle(req: EmulatorRequest): EmulatorResponse | undefined {
    const segments = req.url.pathname.split('/').filter(Boolean).map(s => { try { return decodeURIComponent(s) } catch { return s } })
    const [tenantSegment, ...rest] = segments
    const route = rest.join('/')
    if (!tenantSegment) return undefined
    try {
      if (req.method === 'GET' && (route === 'v2.0/.well-known/openid-configuration' || route === '.well-known/openid-configuration')) {
        return { status: 200, json: this.openIdConfiguration(tenantSegment, route.startsWith('v2.0')) }
      }
      if (req.method === 'GET' && route === 'discovery/instance') return this.instanceDiscovery(req)
      if (req.method === 'GET' && (route === 'discovery/v2.0/keys' || route === 'discovery/keys')) {
        this.requireTenant(tenantSegment)
        return { status: 200, json: { keys: [this.ctx.tokenKey.jwk()] } }
      }
      if (route === 'oauth2/v2.0/token') {
        if (req.method !== 'POST') {
          throw new AadError(900561, 'invalid_request', 'The endpoint only accepts POST requests.')
        }
        return { status: 200, json: this.token(req, tenantSegment), headers: { 'cache-control': 'no-store, no-cache' } }
      }
    } catch (err) {
      if (err instanceof AadError) return aadErrorResponse(err, req)
      throw err
    }
    return undefined
  }

  notFound(req: EmulatorRequest): EmulatorResponse {
    return aadErrorResponse(new AadError(900561, 'invalid_request', `The endpoint ${req.url.pathname} does not exist.`, 404), req)
  }

  private requireTenant(segment: string): Tenant {
    const tenant = this.ctx.tenant()
    if (!tenant.isThisTenant(segment)) {
      throw new AadError(90002, 'invalid_request', `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`)
    }
    return tenant
  }

  private openIdConfiguration(segment: string, v2: boolean): Record<string, unknown> {
    const tenant = this.requireTenant(segment)
    const origin = this.ctx.origin()
    const tid = tenant.tenantId
    // As in Entra, every endpoint names the tenant by id, whatever the client asked with.
    const base = `${origin}/${tid}`
    return {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? `${base}/discovery/v2.0/keys` : `${base}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${base}/v2.0` : `https://sts.windows.net/${tid}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${base}/oauth2/v2.0/logout` : `${base}/oauth2/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net'
    }
  }

  /**
   * Instance discovery, `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…`:
   * how MSAL (Python, .NET) checks an authority it does not know and learns each cloud's host
   * aliases. MSAL Python always asks login.microsoftonline.com, which a client reaches here
   * through the emulator's proxy (`urls.proxy`). This emulated cloud knows its own login host
   * (MSAL sends it without the port; the answer points at the real origin) and Microsoft's
   * public hosts; any other host is AADSTS50049 `invalid_instance`, as Entra answers.
   */
  private instanceDiscovery(req: EmulatorRequest): EmulatorResponse {
    const apiVersion = req.url.searchParams.get('api-version')
    if (apiVersion !== '1.0' && apiVersion !== '1.1') {
      throw new AadError(900561, 'invalid_request', `Unsupported api-version '${apiVersion ?? ''}' for instance discovery; use 1.0 or 1.1.`)
    }
    const raw = req.url.searchParams.get('authorization_endpoint')
    let endpoint: URL
    try {
      endpoint = new URL(raw ?? '')
    } catch {
      throw new AadError(900144, 'invalid_request', "The request body must contain the following parameter: 'authorization_endpoint'.")
    }
    const own = new URL(this.ctx.origin())
    const host = endpoint.hostname.toLowerCase()
    const isOwn = host === own.hostname || host === 'localhost'
    if (endpoint.protocol !== 'https:' || (!isOwn && !MICROSOFT_LOGIN_HOSTS.some(group => group.aliases.includes(host)))) {
      throw new AadError(50049, 'invalid_instance', 'Unknown or invalid instance.')
    }
    // `/{tenant}/oauth2/v2.0/authorize` → `/{tenant}/v2.0/.well-known/openid-configuration` (v1 without `/v2.0`).
    const [tenant = 'common', , version] = endpoint.pathname.split('/').filter(Boolean)
    const base = isOwn ? this.ctx.origin() : `https://${host}`
    const ownGroup = { preferred_network: own.hostname, preferred_cache: own.hostname, aliases: [own.hostname] }
    return {
      status: 200,
      json: {
        tenant_discovery_endpoint: `${base}/${tenant}${version === 'v2.0' ? '/v2.0' : ''}/.well-known/openid-configuration`,
        'api-version': apiVersion,
        metadata: [
          ownGroup,
          ...structuredClone(MICROSOFT_LOGIN_HOSTS)
        ]
      }
    }
  }

  private token(req: EmulatorRequest, segment: string): Record<string, unknown> {
    const tenant = this.requireTenant(segment)
    const form = formFields(req)
    const grantType = form.grant_type
    if (!grantType) throw new AadError(900144, 'invalid_request', "The request body must contain the following parameter: 'grant_type'.")
    if (grantType !== 'client_credentials') {
      throw new AadError(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grantType}'.`)
    }
    const clientId = form.client_id ?? basicAuthClientId(req)
    const scope = form.scope
    if (!scope) throw new AadError(900144, 'invalid_request', "The request body must contain the following parameter: 'scope'.")
    const resourceUri = parseDefaultScope(scope)

    // Who is signing in: a client_assertion names its client in iss/sub even without client_id.
    let assertion: DecodedJwt | undefined
    if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== ASSERTION_TYPE) {
        throw new AadError(50027, 'invalid_request', `Invalid client_assertion_type '${form.client_assertion_type ?? ''}'. Expected '${ASSERTION_TYPE}'.`)
      }
      assertion = decodeJwt(form.client_assertion)
      if (!assertion) throw new AadError(50027, 'invalid_request', 'JWT token is invalid or malformed.')
    }
    if (!clientId) throw new AadError(900144, 'invalid_request', "The request body must contain the following parameter: 'client_id'.")

    const app = tenant.applicationByAppId(clientId)
    if (!app) {
      throw new AadError(700016, 'unauthorized_client', `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`)
    }

    let appidacr: '1' | '2'
    if (form.client_secret !== undefined || basicAuthSecret(req) !== undefined) {
      this.checkSecret(app, form.client_secret ?? basicAuthSecret(req)!)
      appidacr = '1'
    } else if (assertion) {
      // A certificate assertion is self-issued (iss = sub = client id); anything else is
      // a token from an external issuer, to be matched against federated credentials.
      if (assertion.claims.iss === clientId || assertion.claims.iss === app.appId) {
        this.checkCertificateAssertion(app, assertion)
      } else {
        this.checkFederatedAssertion(app, assertion)
      }
      appidacr = '2'
    } else {
      throw new AadError(7000218, 'invalid_client', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    }

    const sp = tenant.servicePrincipalByAppId(app.appId)
    if (!sp) {
      throw new AadError(7000229, 'invalid_client', `The client application ${app.appId} is missing service principal in the tenant ${tenant.tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`)
    }
    if (!sp.accountEnabled) {
      throw new AadError(7000112, 'unauthorized_client', `Application '${app.appId}'(${app.displayName}) is disabled.`)
    }
    const resource = tenant.resourceServicePrincipal(resourceUri)
    if (!resource) {
      throw new AadError(500011, 'invalid_resource', `The resource principal named ${resourceUri} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`)
    }

    const now = nowSeconds()
    const claims: Record<string, unknown> = {
      aud: resourceUri,
      iss: `https://sts.windows.net/${tenant.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + this.lifetime(),
      aio: randomUUID(),
      app_displayname: app.displayName,
      appid: app.appId,
      azp: app.appId,
      appidacr,
      idp: `https://sts.windows.net/${tenant.tenantId}/`,
      idtyp: 'app',
      oid: sp.id,
      rh: '0.emulator.',
      sub: sp.id,
      tid: tenant.tenantId,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: '1.0',
      wids: tenant.directoryRoleTemplateIds(sp.id)
    }
    const roles = tenant.grantedRoleValues(sp.id, resource)
    // Entra leaves `roles` out entirely when nothing is granted.
    if (roles.length > 0) claims.roles = roles
    const accessToken = this.ctx.tokenKey.sign(claims)
    return { token_type: 'Bearer', expires_in: this.lifetime(), ext_expires_in: this.lifetime(), access_token: accessToken }
  }

  private checkSecret(app: ApplicationRecord, secret: string): void {
    const now = Date.now()
    const match = app.passwordCredentials.find(p => p.secretText === secret)
    if (!match) {
      throw new AadError(7000215, 'invalid_client', `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`)
    }
    if (Date.parse(match.endDateTime) < now) {
      throw new AadError(7000222, 'invalid_client', `The provided client secret keys for app '${app.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`)
    }
  }

  private checkCertificateAssertion(app: ApplicationRecord, jwt: DecodedJwt): void {
    const x5t = jwt.header['x5t#S256'] ?? jwt.header.x5t
    const bySha256 = jwt.header['x5t#S256'] !== undefined
    const thumbprintHex = typeof x5t === 'string' ? Buffer.from(x5t, 'base64url').toString('hex').toUpperCase() : ''
    const candidates = app.keyCredentials.filter(k => {
      const cert = parseCertificate(k.key)
      return cert && (bySha256 ? cert.x5tS256 === x5t : cert.x5t === x5t)
    })
    const registered = candidates.filter(k => this.ctx.tenant().isVisible(k))
    const notFound = () => new AadError(700027, 'invalid_client', `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprintHex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/api/application-addkey to learn how to upload certificates.]`)
    if (registered.length === 0) throw notFound()
    const now = Date.now()
    const current = registered.filter(k => Date.parse(k.startDateTime) <= now + SKEW_SECONDS * 1000 && Date.parse(k.endDateTime) > now)
    if (current.length === 0) {
      throw new AadError(700027, 'invalid_client', `The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprintHex}', Found key 'Start=${registered[0].startDateTime}, End=${registered[0].endDateTime}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/api/application-addkey to learn how to upload certificates.]`)
    }
    const valid = current.some(k => verifyJwtSignature(jwt, parseCertificate(k.key)!.publicKey))
    if (!valid) throw new AadError(700027, 'invalid_client', 'Client assertion failed signature validation.')

    const { claims } = jwt
    if (claims.iss !== app.appId || claims.sub !== app.appId) {
      throw new AadError(700021, 'invalid_client', `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .`)
    }
    if (Array.isArray(claims.aud) && claims.aud.length > 1) {
      throw new AadError(5002741, 'invalid_client', `Number of audience values in the provided client credential exceed maximum allowed. ${claims.aud.length} audience values provided, maximum allowed is 1.`)
    }
    const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud
    if (typeof aud !== 'string' || !this.isTokenEndpointAudience(aud)) {
      throw new AadError(50012, 'invalid_client', `Client assertion audience claim does not match Realm issuer. Presented audience: '${String(aud)}'; expected this tenant's token endpoint, e.g. '${this.ctx.origin()}/${this.ctx.tenant().tenantId}/oauth2/v2.0/token'.`)
    }
    checkLifetime(claims)
  }

  /** The audiences Entra accepts in a certificate assertion: this tenant's token endpoints and issuer. */
  private isTokenEndpointAudience(aud: string): boolean {
    const tenant = this.ctx.tenant()
    let url: URL
    try {
      url = new URL(aud)
    } catch {
      return false
    }
    if (url.origin !== this.ctx.origin()) return false
    const parts = url.pathname.split('/').filter(Boolean)
    if (parts.length < 2 || !tenant.isThisTenant(decodeURIComponent(parts[0]))) return false
    const rest = parts.slice(1).join('/')
    return rest === 'oauth2/v2.0/token' || rest === 'oauth2/token' || rest === 'v2.0'
  }

  private checkFederatedAssertion(app: ApplicationRecord, jwt: DecodedJwt): void {
    const { claims } = jwt
    const issuer = String(claims.iss ?? '')
    const subject = String(claims.sub ?? '')
    const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).map(String)
    const tenant = this.ctx.tenant()
    // Only the emulated GitHub issuer's keys are known here (Entra fetches the issuer's JWKS).
    if (issuer !== this.ctx.oidcIssuer.url) {
      throw new AadError(700211, 'invalid_client', `No matching federated identity record found for presented assertion issuer '${issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`)
    }
    if (jwt.header.alg !== 'RS256' || !verifyJwtSignature(jwt, this.ctx.oidcIssuer.key.publicKey)) {
      throw new AadError(50013, 'invalid_client', 'Assertion failed signature validation. [Reason - The key was not found.]')
    }
    checkLifetime(claims)
    const all = app.federatedIdentityCredentials
    const byIssuer = all.filter(f => f.issuer === issuer)
    if (byIssuer.length === 0) {
      throw new AadError(700211, 'invalid_client', `No matching federated identity record found for presented assertion issuer '${issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`)
    }
    const bySubject = byIssuer.filter(f => f.subject === subject)
    if (bySubject.length === 0) {
      throw new AadError(700213, 'invalid_client', `No matching federated identity record found for presented assertion subject '${subject}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`)
    }
    const byAudience = bySubject.filter(f => f.audiences.some(a => audiences.includes(a)))
    if (byAudience.length === 0) {
      throw new AadError(700212, 'invalid_client', `No matching federated identity record found for presented assertion audience '${audiences.join(', ')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`)
    }
    if (!byAudience.some(f => tenant.isVisible(f))) {
      throw new AadError(70021, 'invalid_client', `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audiences.join(', ')}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`)
    }
  }
}

function checkLifetime(claims: Record<string, unknown>): void {
  const now = nowSeconds()
  const exp = numericDate(claims.exp)
  const nbf = numericDate(claims.nbf)
  if (exp === undefined) throw new AadError(50027, 'invalid_request', "JWT token is invalid or malformed. The 'exp' claim is missing.")
  if (exp + SKEW_SECONDS < now || (nbf !== undefined && nbf - SKEW_SECONDS > now)) {
    throw new AadError(700024, 'invalid_client', `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${nbf === undefined ? 'unspecified' : new Date(nbf * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`)
  }
}

/** A JWT NumericDate; MSAL.NET sends them as JSON strings, which Entra accepts too. */
function numericDate(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return undefined
}

/** `https://graph.microsoft.com/.default` → `https://graph.microsoft.com` (client credentials need /.default). */
function parseDefaultScope(scope: string): string {
  const scopes = scope.split(/\s+/).filter(s => s && !['openid', 'profile', 'offline_access'].includes(s))
  const resource = scopes.length === 1 && scopes[0].endsWith('/.default') ? scopes[0].slice(0, -'/.default'.length) : undefined
  if (!resource) {
    throw new AadError(1002012, 'invalid_scope', `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`)
  }
  return resource
}

function formFields(req: EmulatorRequest): Record<string, string | undefined> {
  if (req.body && typeof req.body === 'object' && !Array.isArray(req.body)) return req.body as Record<string, string>
  throw new AadError(900144, 'invalid_request', "The request body must contain the following parameter: 'grant_type'.")
}

function basicAuth(req: EmulatorRequest): [string, string] | undefined {
  const header = req.headers.authorization
  if (!header?.startsWith('Basic ')) return undefined
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))]
}

function basicAuthClientId(req: EmulatorRequest): string | undefined {
  return basicAuth(req)?.[0]
}

function basicAuthSecret(req: EmulatorRequest): string | undefined {
  return basicAuth(req)?.[1]
}

function aadErrorResponse(err: AadError, req: EmulatorRequest): EmulatorResponse {
  const traceId = randomUUID()
  const correlationId = headerValue(req, 'client-request-id') ?? randomUUID()
  const now = new Date()
  const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')
  const code = `AADSTS${err.code}`
  return {
    status: err.status,
    headers: { 'x-ms-request-id': traceId, 'client-request-id': correlationId },
    json: {
      error: err.error,
      error_description: `${code}: ${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [err.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${err.code}`
    }
  }
}

/** The token endpoint's answer to an injected fault (429/5xx). */
export function loginFaultResponse(status: number, req: EmulatorRequest): EmulatorResponse {
  const err = status === 429
    ? new AadError(50196, 'temporarily_unavailable', 'The server is temporarily unable to handle the request because of too many requests. Please try again later.', 429)
    : new AadError(90033, 'temporarily_unavailable', 'A transient error has occurred. Please try again.', status)
  return aadErrorResponse(err, req)
}

function headerValue(req: EmulatorRequest, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}
