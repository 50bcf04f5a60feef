/**
 * Starts the emulator: one HTTPS server per service on 127.0.0.1 (ephemeral ports), so
 * each service's URL root is exactly like production's (`{login}/{tenant}/oauth2/v2.0/token`,
 * `{graph}/v1.0/...`, `{github}/repos/...`). Works in-process (tests) and as a child
 * process (`tsx emulator/cli.ts`).
 */
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiChecks } from './api-check/api-checks.js'
import { ArmService, armFaultResponse } from './arm.js'
import { ensureCa, ensureServerCertificate } from './ca.js'
import { Faults, type FaultRule, type LagSettings, type ServiceName } from './faults.js'
import { GitHubEmulator, type GitHubEmulatorOptions } from './github.js'
import { GraphService } from './graph/service.js'
import { graphErrorResponse, graphFaultError } from './graph/errors.js'
import type { EmulatedService, EmulatorRequest, EmulatorResponse } from './http.js'
import { SigningKey } from './jwt.js'
import { RequestLog } from './log.js'
import { LoginService, loginFaultResponse } from './login.js'
import { OidcIssuer } from './oidc.js'
import { startProxy, type EmulatorProxy } from './proxy.js'
import {
  DEFAULT_FEDERATED_SUBJECT,
  Tenant,
  type KeyCredentialRecord,
  type ProvisioningIdentity,
  type ProvisioningOptions,
  type SeedApplication,
  type TenantDump,
  type TenantOptions
} from './tenant.js'

export interface EmulatorOptions {
  tenant?: TenantOptions
  /** The provisioning identity: its Graph permissions, secret, federated subject, certificates. */
  provisioning?: ProvisioningOptions
  /** More apps that exist before the run (e.g. one made by hand in the portal). */
  apps?: SeedApplication[]
  /** Subject and extra claims of the GitHub OIDC tokens (subject defaults to the provisioning identity's federated subject). */
  oidc?: { subject?: string; claims?: Record<string, unknown> }
  github?: GitHubEmulatorOptions
  /** Where the CA is cached (default node_modules/.cache/exo-cba-emulator). */
  caDir?: string
  /** Replication lag from the start (same as calling faults.replicationLag); seeded objects never lag. */
  replicationLag?: number | LagSettings
  /** Lifetime of issued access tokens in seconds (default 3599); settable later through `emulator.accessTokenLifetimeSeconds`. */
  accessTokenLifetimeSeconds?: number
}

export interface EmulatorUrls {
  /** Entra ID: use as `authorityHost` (with disableInstanceDiscovery). */
  login: string
  /** Microsoft Graph root, without /v1.0: use as the Graph endpoint. */
  graph: string
  /** GitHub REST root: use as GITHUB_API_URL. */
  github: string
  /** GitHub Actions OIDC issuer (`iss` of its tokens). */
  oidc: string
  /** Azure Resource Manager (subscriptions and tenants lists): a cloud's `resourceManager` endpoint. */
  arm: string
  /**
   * `http://…`: an HTTPS_PROXY (CONNECT only) that reaches the emulated Entra ID under the name
   * login.microsoftonline.com, for clients that call that host whatever their authority (MSAL
   * Python's instance discovery). Use with NO_PROXY=127.0.0.1.
   */
  proxy: string
}

export interface EmulatorDump {
  tenant: TenantDump
  faults: Array<{ id: number; rule: FaultRule; seen: number; hits: number }>
}

export interface Emulator {
  urls: EmulatorUrls
  /** The CA certificate clients must trust (NODE_EXTRA_CA_CERTS). */
  caPath: string
  /** The directory: read and change state directly. */
  tenant: Tenant
  /** Shortcut to tenant.provisioning: how to sign in as the provisioning identity. */
  provisioning: ProvisioningIdentity
  github: GitHubEmulator
  oidc: OidcIssuer
  faults: Faults
  log: RequestLog
  /**
   * Every Graph and GitHub request (each $batch step too) held to the publishers' API
   * descriptions: counts, violations, and `expect(n)` for a test that sends invalid ones on purpose.
   */
  apiChecks: ApiChecks
  /** Lifetime of the access tokens Entra ID issues from now on, in seconds (default 3599). */
  accessTokenLifetimeSeconds: number
  /** Moves a key credential's end date (app: appId or object id; key: keyId or SHA-1 thumbprint). */
  setKeyCredentialEndDate(app: string, key: string, endDateTime: Date): KeyCredentialRecord
  /** Directory and fault state as JSON (no secrets). */
  dump(): EmulatorDump
  /** Stops the servers; rejects, listing them, when requests broke the API descriptions (beyond those declared with apiChecks.expect). */
  close(): Promise<void>
}

const SERVICES: readonly ServiceName[] = ['login', 'graph', 'github', 'oidc', 'arm']

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const ca = ensureCa(options.caDir)
  const tls = ensureServerCertificate(ca)
  const faults = new Faults()
  if (options.replicationLag !== undefined) faults.replicationLag(options.replicationLag)
  const log = new RequestLog()
  const apiChecks = new ApiChecks()
  const services = new Map<ServiceName, EmulatedService>()
  const control = { handle: (_req: EmulatorRequest): EmulatorResponse | undefined => undefined }

  const listening = await Promise.all(SERVICES.map(name => listen(tls, (incoming, outgoing) => {
    void serve(name, incoming, outgoing, { services, faults, log, apiChecks, control })
  })))
  const servers = new Map(SERVICES.map((name, i) => [name, listening[i]] as const))
  const proxy: EmulatorProxy = await startProxy(() => Number(new URL(servers.get('login')!.url).port))
  const urls = { ...Object.fromEntries(SERVICES.map(name => [name, servers.get(name)!.url])), proxy: proxy.url } as unknown as EmulatorUrls

  const tokenKey = new SigningKey()
  const oidc = new OidcIssuer(() => urls.oidc, {
    subject: options.oidc?.subject ?? options.provisioning?.federatedSubject ?? DEFAULT_FEDERATED_SUBJECT,
    claims: options.oidc?.claims
  })
  const tenant = new Tenant(
    { tenant: options.tenant, provisioning: options.provisioning, apps: options.apps, oidcIssuer: urls.oidc, graphOrigin: urls.graph },
    kind => faults.lagFor(kind)
  )
  const github = new GitHubEmulator(options.github)
  services.set('login', new LoginService({
    tenant: () => tenant,
    tokenKey,
    oidcIssuer: { url: urls.oidc, key: oidc.key },
    origin: () => urls.login,
    accessTokenLifetimeSeconds: () => emulator.accessTokenLifetimeSeconds
  }))
  services.set('graph', new GraphService({ tenant: () => tenant, tokenPublicKey: tokenKey.publicKey, origin: () => urls.graph, faults, log, apiChecks }))
  services.set('github', github)
  services.set('oidc', oidc)
  services.set('arm', new ArmService({ tenant: () => tenant, tokenPublicKey: tokenKey.publicKey }))

  const emulator: Emulator = {
    urls,
    caPath: ca.certPath,
    tenant,
    provisioning: tenant.provisioning,
    github,
    oidc,
    faults,
    log,
    apiChecks,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3599,
    setKeyCredentialEndDate: (app, key, end) => tenant.setKeyCredentialEndDate(app, key, end),
    dump: () => ({ tenant: tenant.dump(), faults: faults.list().map(({ id, rule, seen, hits }) => ({ id, rule, seen, hits })) }),
    close: async () => {
      await Promise.all([...servers.values(), proxy].map(({ server }) => new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })))
      const failure = apiChecks.failure()
      if (failure) throw failure
    }
  }
  control.handle = req => controlRoute(emulator, req)
  return emulator
}

function listen(tls: { certPem: string; keyPem: string }, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, handler)
  // Keep idle connections like a cloud front end does. With Node's default of 5 s, a client
  // reusing a connection just as the server drops it gets ECONNRESET: a flaky emulator
  // artefact, not one of the faults tests ask for.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 125_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({ server, url: `https://127.0.0.1:${port}` })
    })
  })
}

interface ServeContext {
  services: Map<ServiceName, EmulatedService>
  faults: Faults
  log: RequestLog
  apiChecks: ApiChecks
  control: { handle(req: EmulatorRequest): EmulatorResponse | undefined }
}

async function serve(name: ServiceName, incoming: IncomingMessage, outgoing: ServerResponse, ctx: ServeContext): Promise<void> {
  const started = Date.now()
  const rawBody = await readBody(incoming)
  const url = new URL(incoming.url ?? '/', `https://${incoming.headers.host ?? '127.0.0.1'}`)
  const method = (incoming.method ?? 'GET').toUpperCase()
  const req: EmulatorRequest = { method, url, headers: incoming.headers, rawBody, body: parseBody(incoming, rawBody) }
  const pathAndQuery = url.pathname + url.search

  // The control routes are not part of any emulated service: no faults, no log.
  if (name === 'graph' && url.pathname.startsWith('/_emulator/')) {
    const res = ctx.control.handle(req) ?? { status: 404, json: { error: `No control route ${method} ${url.pathname}` } }
    write(outgoing, res)
    return
  }

  const service = ctx.services.get(name)!
  // Graph and GitHub requests are first held to their publishers' descriptions (the
  // sign-in and OIDC token endpoints have none): a violation is answered and recorded.
  const rejected = name === 'graph' ? ctx.apiChecks.graph(req) : name === 'github' ? ctx.apiChecks.github(req) : undefined
  if (rejected) {
    write(outgoing, rejected)
    ctx.log.record({ timestamp: new Date(started).toISOString(), service: name, method, path: pathAndQuery, status: rejected.status, kind: method === 'GET' ? 'read' : 'write', ms: Date.now() - started })
    return
  }
  const decision = ctx.faults.decide(name, method, pathAndQuery)
  if (decision.latencyMs > 0) await sleep(decision.latencyMs)
  const kind: 'read' | 'write' = method === 'GET' || method === 'HEAD' || (name === 'login' && url.pathname.endsWith('/token')) ? 'read' : 'write'
  const record = (status: number, fault?: string) => ctx.log.record({
    timestamp: new Date(started).toISOString(), service: name, method, path: pathAndQuery, status, kind, ms: Date.now() - started, fault
  })

  if (decision.reset) {
    record(0, 'reset')
    incoming.socket.destroy()
    return
  }
  let res: EmulatorResponse
  let fault: string | undefined
  if (decision.status) {
    fault = `status:${decision.status.status}`
    res = faultResponse(name, decision.status.status, decision.status.retryAfterSeconds, req)
  } else {
    try {
      res = (await service.handle(req)) ?? service.notFound(req)
    } catch (err) {
      // A bug in the emulator, not an emulated failure: say so loudly.
      console.error(`emulator ${name} ${method} ${url.pathname} failed:`, err)
      res = { status: 500, json: { error: { code: 'EmulatorBug', message: err instanceof Error ? err.message : String(err) } } }
    }
  }
  write(outgoing, res)
  record(res.status, fault)
}

function faultResponse(name: ServiceName, status: number, retryAfterSeconds: number | undefined, req: EmulatorRequest): EmulatorResponse {
  const retryAfter: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }
  switch (name) {
    case 'graph':
      return graphErrorResponse(graphFaultError(status, retryAfterSeconds), req)
    case 'login': {
      const res = loginFaultResponse(status, req)
      return { ...res, headers: { ...res.headers, ...retryAfter } }
    }
    case 'arm': {
      const res = armFaultResponse(status)
      return { ...res, headers: { ...res.headers, ...retryAfter } }
    }
    default:
      return {
        status,
        headers: retryAfter,
        json: { message: status === 429 ? 'API rate limit exceeded' : 'Server Error', documentation_url: 'https://docs.github.com/rest', status: String(status) }
      }
  }
}

function write(outgoing: ServerResponse, res: EmulatorResponse): void {
  const headers: Record<string, string> = { ...(res.headers ?? {}) }
  const hasType = Object.keys(headers).some(h => h.toLowerCase() === 'content-type')
  let body: string | undefined
  if (res.status === 204 || res.status === 304) {
    for (const h of Object.keys(headers)) if (h.toLowerCase() === 'content-type') delete headers[h]
  } else if (res.json !== undefined) {
    if (!hasType) headers['content-type'] = 'application/json; charset=utf-8'
    body = JSON.stringify(res.json)
  } else if (res.text !== undefined) {
    if (!hasType) headers['content-type'] = 'text/plain; charset=utf-8'
    body = res.text
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
  outgoing.writeHead(res.status, headers)
  outgoing.end(body)
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => resolve(Buffer.concat(chunks)))
    incoming.on('error', reject)
  })
}

function parseBody(incoming: IncomingMessage, raw: Buffer): unknown {
  if (raw.length === 0) return undefined
  const type = String(incoming.headers['content-type'] ?? '').toLowerCase()
  const text = raw.toString('utf8')
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text))
  if (type.includes('json')) {
    try {
      return JSON.parse(text)
    } catch {
      return undefined
    }
  }
  return undefined
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/**
 * `/_emulator/...` on the Graph port, for a test driving an emulator in another process:
 * GET state | GET log | GET api-checks | POST api-checks/expect {count} | DELETE faults | POST faults {rule; path as a regex string} |
 * POST replication-lag (number or per-kind object) | POST applications (a SeedApplication) |
 * POST key-credential-end-date {app, key, endDateTime}.
 */
function controlRoute(emulator: Emulator, req: EmulatorRequest): EmulatorResponse | undefined {
  const route = `${req.method} ${req.url.pathname}`
  const body = (req.body ?? {}) as Record<string, unknown>
  try {
    switch (route) {
      case 'GET /_emulator/state': return { status: 200, json: emulator.dump() }
      case 'GET /_emulator/api-checks': return { status: 200, json: emulator.apiChecks.snapshot() }
      case 'POST /_emulator/api-checks/expect':
        emulator.apiChecks.expect(typeof body.count === 'number' ? body.count : 1)
        return { status: 204 }
      case 'GET /_emulator/log': return { status: 200, json: emulator.log.list() }
      case 'DELETE /_emulator/log': emulator.log.clear(); return { status: 204 }
      case 'DELETE /_emulator/faults': emulator.faults.clear(); return { status: 204 }
      case 'POST /_emulator/faults': {
        const fault = emulator.faults.add(body as unknown as FaultRule)
        return { status: 201, json: { id: fault.id } }
      }
      case 'POST /_emulator/replication-lag':
        emulator.faults.replicationLag(typeof req.body === 'number' ? req.body : body as Record<string, number>)
        return { status: 204 }
      case 'POST /_emulator/applications': {
        const { app, sp } = emulator.tenant.seedApplication(body as unknown as SeedApplication, emulator.urls.oidc)
        return { status: 201, json: { id: app.id, appId: app.appId, servicePrincipalId: sp?.id ?? null } }
      }
      case 'POST /_emulator/key-credential-end-date': {
        const record = emulator.setKeyCredentialEndDate(String(body.app), String(body.key), new Date(String(body.endDateTime)))
        return { status: 200, json: { keyId: record.keyId, endDateTime: record.endDateTime } }
      }
      default: return undefined
    }
  } catch (err) {
    return { status: 400, json: { error: err instanceof Error ? err.message : String(err) } }
  }
}
