/**
 * The corner of Azure Resource Manager that `az login` reads after it has a token: the
 * subscriptions (`GET /subscriptions`) and tenants (`GET /tenants`) the signed-in identity
 * can see (Subscriptions - List, Tenants - List of the Resource Manager REST reference).
 * The emulated tenant has no Azure subscription, so the subscription list is empty, as ARM
 * answers an identity without one (`az login --allow-no-subscriptions` then signs in at tenant
 * level); the tenant list holds the caller's own tenant.
 *
 * Tokens are checked as ARM does: signed by the emulated Entra ID, for the "Windows Azure
 * Service Management API" (any of its names, e.g. https://management.core.windows.net/),
 * unexpired, from this tenant. Errors use ARM's shape `{"error":{"code","message"}}`.
 */
import type { KeyObject } from 'node:crypto'
import type { EmulatedService, EmulatorRequest, EmulatorResponse } from './http.js'
import { decodeJwt, nowSeconds, verifyJwtSignature } from './jwt.js'
import type { Tenant } from './tenant.js'

export interface ArmServiceContext {
  tenant: () => Tenant
  /** Verifies the access tokens the emulated Entra ID issued. */
  tokenPublicKey: KeyObject
}

class ArmError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message)
  }
}

/** `2022-12-01`, `2016-06-01`, `2021-01-01-preview`: the form of every ARM api-version. */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/

export class ArmService implements EmulatedService {
  readonly name = 'arm'

  constructor(private readonly ctx: ArmServiceContext) {}

  handle(req: EmulatorRequest): EmulatorResponse | undefined {
    const path = req.url.pathname.replace(/\/+$/, '').toLowerCase()
    if (path !== '/subscriptions' && path !== '/tenants') return undefined
    try {
      if (req.method !== 'GET') {
        throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`)
      }
      this.authenticate(req)
      const apiVersion = req.url.searchParams.get('api-version')
      if (apiVersion === null) {
        throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.')
      }
      if (!API_VERSION.test(apiVersion)) {
        throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '2022-12-01,2021-01-01,2020-01-01,2019-11-01,2016-06-01'.`)
      }
      if (path === '/subscriptions') return { status: 200, json: { value: [] } }
      return { status: 200, json: { value: [this.tenantDescription()] } }
    } catch (err) {
      if (err instanceof ArmError) return armErrorResponse(err)
      throw err
    }
  }

  notFound(req: EmulatorRequest): EmulatorResponse {
    return armErrorResponse(new ArmError(404, 'NotFound', `The emulated Azure Resource Manager has no resource at '${req.url.pathname}': it answers GET /subscriptions and GET /tenants only.`))
  }

  private authenticate(req: EmulatorRequest): void {
    const tenant = this.ctx.tenant()
    const challenge = (description: string) => ({
      'www-authenticate': `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="${description}"`
    })
    const header = String(req.headers.authorization ?? '')
    if (header === '') {
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", challenge("The authentication failed because of missing 'Authorization' header."))
    }
    const jwt = /^Bearer\s+(\S+)$/i.exec(header) ? decodeJwt(header.replace(/^Bearer\s+/i, '')) : undefined
    if (!jwt || !verifyJwtSignature(jwt, this.ctx.tokenPublicKey)) {
      throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge('The access token is invalid.'))
    }
    const { aud, exp, tid } = jwt.claims
    const audiences = tenant.azureServiceManagementServicePrincipal.servicePrincipalNames
    if (typeof aud !== 'string' || !audiences.some(a => a.replace(/\/+$/, '') === aud.replace(/\/+$/, ''))) {
      const allowed = audiences.filter(a => a.startsWith('https://')).flatMap(a => [a, a.replace(/\/+$/, '')]).map(a => `'${a}'`).join(',')
      throw new ArmError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${String(aud)}'. It should exactly match with one of the allowed audiences ${allowed}.`, challenge('The access token has been obtained for wrong audience or resource.'))
    }
    if (typeof exp !== 'number' || exp < nowSeconds()) {
      throw new ArmError(401, 'ExpiredAuthenticationToken', `The access token expiry UTC time '${typeof exp === 'number' ? new Date(exp * 1000).toUTCString() : 'unknown'}' is earlier than current UTC time '${new Date().toUTCString()}'.`, challenge('The access token expired.'))
    }
    if (tid !== tenant.tenantId) {
      throw new ArmError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer 'https://sts.windows.net/${String(tid)}/'. It must match the tenant 'https://sts.windows.net/${tenant.tenantId}/' associated with this subscription.`, challenge('The access token is from the wrong issuer.'))
    }
  }

  /** Tenants - List's TenantIdDescription of the emulated tenant. */
  private tenantDescription(): Record<string, unknown> {
    const tenant = this.ctx.tenant()
    return {
      id: `/tenants/${tenant.tenantId}`,
      tenantId: tenant.tenantId,
      countryCode: 'US',
      displayName: tenant.displayName,
      domains: tenant.verifiedDomains.map(d => d.name),
      tenantCategory: 'Home',
      defaultDomain: tenant.verifiedDomains.find(d => d.isDefault)?.name ?? tenant.initialDomain,
      tenantType: 'AAD'
    }
  }
}

function armErrorResponse(err: ArmError): EmulatorResponse {
  return { status: err.status, headers: err.headers, json: { error: { code: err.code, message: err.message } } }
}

/** ARM's answer to an injected fault (429/5xx). */
export function armFaultResponse(status: number): EmulatorResponse {
  const [code, message] = status === 429
    ? ['TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Read.']
    : status === 504
      ? ['GatewayTimeout', 'The gateway did not receive a response from the service within the specified time period.']
      : ['InternalServerError', 'Encountered internal server error. Please try again.']
  return armErrorResponse(new ArmError(status, code, message))
}
