/**
 * The Azure CLI peer of the bench: what the action's first run does on a fresh tenant, done
 * instead the way many teams script it, with the real Azure CLI (`az`, one process per
 * command), against the same emulator:
 *
 *   az login --service-principal --federated-token   (GitHub OIDC, as azure/login does)
 *   az ad app create --display-name <the action's default app name>
 *   az ad app permission add   (Office 365 Exchange Online, Exchange.ManageAsApp, Role)
 *   az ad sp create --id <appId>
 *   az ad sp show --id <Exchange Online appId>   (its service principal's object id)
 *   az rest POST …/servicePrincipals/{exo}/appRoleAssignedTo   (admin consent)
 *   az rest POST …/roleManagement/directory/roleAssignments   (Exchange Administrator)
 *   az ad app credential reset --create-cert --append   (az makes the certificate, a PEM)
 *   openssl pkcs12 -export   (a PFX with a random password, as the action hands out)
 *
 * It returns the job's wall time, each command's, and the requests the emulator logged for
 * it. The one-time set-up (a private AZURE_CONFIG_DIR, `az version`, `az cloud register` of a
 * cloud whose endpoints are the emulator's, `az cloud set`) is timed apart: it is not part of
 * the job, and it also absorbs az's first-run work (building its command index). The sign-in
 * is part of the job, as the action's is.
 *
 * How az reaches the emulator, with nothing patched and TLS verified throughout:
 * - REQUESTS_CA_BUNDLE = the emulator's CA (Python's requests, used by az, MSAL and the SDKs).
 * - The registered cloud: activeDirectory = urls.login, resourceManager = urls.arm,
 *   microsoftGraphResourceId = urls.graph + '/' (az uses that value both as the Graph
 *   endpoint and as the token resource: the emulated Entra ID issues Graph tokens for it,
 *   since the emulated Graph's origin is one of Microsoft Graph's names there),
 *   activeDirectoryResourceId = https://management.core.windows.net/ (as in AzureCloud).
 * - HTTPS_PROXY = urls.proxy, NO_PROXY = 127.0.0.1: MSAL Python 1.21 calls
 *   login.microsoftonline.com for instance discovery of any authority host it does not know
 *   (and for the hosts' aliases on a token cache miss); the proxy tunnels exactly that host to
 *   the emulated Entra ID, which answers it. Against the public cloud az skips the first of
 *   those calls (login.microsoftonline.com is a host MSAL knows): `requests.instanceDiscovery`
 *   counts them so the bench can show that one call is the emulation's, not az's.
 * - `az login` then reads ARM's subscription list (empty: the emulated tenant has none), so
 *   `--allow-no-subscriptions` signs in at tenant level.
 *
 * Latency: this function injects none. The bench adds its own to the emulator before calling
 * it; `latencyMs` is only reported back. Run directly (`npx tsx scripts/lib/azure-cli-peer.ts
 * [--latency MS]`), it starts an emulator, runs the peer once, prints the timings and checks
 * the tenant ended up with the app, its service principal, the consent, the role and the key.
 *
 * A missing `az` is not an error: as root with apt-get it tries `apt-get install -y
 * azure-cli`, otherwise (or when that fails) the answer is `{ skipped: reason }`. A command
 * that fails is an error (the peer could not do the job), thrown with az's own message.
 */
import { spawn } from 'node:child_process'
import { randomBytes, X509Certificate } from 'node:crypto'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import forge from 'node-forge'
import type { Emulator } from '../../emulator/index.js'
import { actionDefaults } from './local-runner.js'

/** Office 365 Exchange Online, its Exchange.ManageAsApp app role, and Exchange Administrator (well-known ids). */
const EXCHANGE_ONLINE_APP_ID = '00000002-0000-0ff1-ce00-000000000000'
const EXCHANGE_MANAGE_AS_APP_ROLE_ID = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
const EXCHANGE_ADMINISTRATOR_TEMPLATE_ID = '29232cdf-9323-42fd-ade2-1d097af3e4de'
const CLOUD_NAME = 'ExoCbaEmulator'

export interface CommandTiming {
  name: string
  ms: number
}

export interface AzurePeerResult {
  /** azure-cli's version, e.g. 2.45.0. */
  azVersion: string
  /** As given: the latency the caller injected (this function injects none). */
  latencyMs?: number
  /** One-time set-up (az version, cloud register, cloud set): not part of the job. */
  setup: { totalMs: number; commands: CommandTiming[] }
  /** The job, from asking GitHub for the OIDC token to the PFX on disk. */
  totalMs: number
  commands: CommandTiming[]
  /** What the emulator logged during the job. */
  requests: {
    total: number
    byService: Record<string, number>
    /**
     * Requests az makes only because the authority is the emulator's: MSAL's instance discovery
     * of an authority host it does not know (see the module comment). Against the public cloud
     * az skips them; its other discovery call (the hosts' aliases) is real and counted as usual.
     */
    unknownAuthorityDiscovery: number
  }
  /** What the job made (object ids, thumbprint of the certificate in the PFX). */
  app: { appId: string; objectId: string; servicePrincipalId: string; certificateThumbprint: string; pfxBytes: number }
}

export type AzurePeerOutcome = AzurePeerResult | { skipped: string }

export async function runAzureCliPeer(emulator: Emulator, options: { latencyMs?: number; appName?: string } = {}): Promise<AzurePeerOutcome> {
  const tools = await ensureTools()
  if ('skipped' in tools) return tools
  assertDistinctEndpoints(emulator)

  const appName = options.appName ?? (actionDefaults()['app-name'] || 'EXO Background Process')
  const workDir = mkdtempSync(join(tmpdir(), 'exo-cba-az-peer-'))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    // `az ad app credential reset --create-cert` writes its PEM to ~: keep it in the work folder.
    HOME: workDir,
    AZURE_CONFIG_DIR: join(workDir, 'azure'),
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_OUTPUT: 'json',
    AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
    AZURE_CORE_NO_COLOR: 'true',
    REQUESTS_CA_BUNDLE: emulator.caPath,
    HTTPS_PROXY: emulator.urls.proxy,
    NO_PROXY: '127.0.0.1,localhost'
  }
  const az = (args: string[]) => run(tools.az, args, env)
  const graph = `${emulator.urls.graph}/v1.0`

  try {
    // ---- one-time set-up ----
    const setup = new Stopwatch()
    const version = JSON.parse((await setup.time('az version', () => az(['version', '--output', 'json']))).stdout) as Record<string, string>
    const cloudConfig = join(workDir, 'cloud.json')
    writeFileSync(cloudConfig, JSON.stringify({
      endpoints: {
        activeDirectory: emulator.urls.login,
        activeDirectoryResourceId: 'https://management.core.windows.net/',
        // Required by `az cloud register`; Azure AD Graph is retired and nothing here calls it.
        activeDirectoryGraphResourceId: 'https://graph.windows.net/',
        resourceManager: `${emulator.urls.arm}/`,
        microsoftGraphResourceId: `${emulator.urls.graph}/`
      }
    }))
    await setup.time('az cloud register', () => az(['cloud', 'register', '--name', CLOUD_NAME, '--cloud-config', `@${cloudConfig}`]))
    await setup.time('az cloud set', () => az(['cloud', 'set', '--name', CLOUD_NAME]))
    const setupMs = setup.elapsedMs()

    // ---- the job ----
    const firstSeq = Math.max(0, ...emulator.log.list().map(e => e.seq))
    const job = new Stopwatch()
    const oidcToken = await job.time('GitHub OIDC token (as azure/login)', () => githubIdToken(emulator))
    await job.time('az login', () => az([
      'login', '--service-principal', '--username', emulator.provisioning.appId, '--tenant', emulator.tenant.tenantId,
      '--federated-token', oidcToken, '--allow-no-subscriptions'
    ]))
    const app = JSON.parse((await job.time('az ad app create', () => az(['ad', 'app', 'create', '--display-name', appName]))).stdout) as { id: string; appId: string }
    await job.time('az ad app permission add', () => az([
      'ad', 'app', 'permission', 'add', '--id', app.appId, '--api', EXCHANGE_ONLINE_APP_ID, '--api-permissions', `${EXCHANGE_MANAGE_AS_APP_ROLE_ID}=Role`
    ]))
    const sp = JSON.parse((await job.time('az ad sp create', () => az(['ad', 'sp', 'create', '--id', app.appId]))).stdout) as { id: string }
    const exchangeSp = (await job.time('az ad sp show (Exchange Online)', () => az(['ad', 'sp', 'show', '--id', EXCHANGE_ONLINE_APP_ID, '--query', 'id', '--output', 'tsv']))).stdout.trim()
    await job.time('az rest (admin consent)', () => az([
      'rest', '--method', 'POST', '--url', `${graph}/servicePrincipals/${exchangeSp}/appRoleAssignedTo`,
      '--body', JSON.stringify({ principalId: sp.id, resourceId: exchangeSp, appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID })
    ]))
    await job.time('az rest (Exchange Administrator)', () => az([
      'rest', '--method', 'POST', '--url', `${graph}/roleManagement/directory/roleAssignments`,
      '--body', JSON.stringify({ principalId: sp.id, roleDefinitionId: EXCHANGE_ADMINISTRATOR_TEMPLATE_ID, directoryScopeId: '/' })
    ]))
    const credential = JSON.parse((await job.time('az ad app credential reset --create-cert', () => az([
      'ad', 'app', 'credential', 'reset', '--id', app.appId, '--create-cert', '--append'
    ]))).stdout) as { fileWithCertAndPrivateKey?: string }
    const pem = credential.fileWithCertAndPrivateKey
    if (!pem) throw new Error('az ad app credential reset --create-cert did not report the file it wrote (fileWithCertAndPrivateKey).')
    const pfx = join(workDir, 'certificate.pfx')
    const password = randomBytes(24).toString('base64url')
    await job.time('openssl pkcs12 -export', () => run(tools.openssl, [
      'pkcs12', '-export', '-in', pem, '-out', pfx, '-name', appName,
      '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-passout', 'env:EXO_CBA_PFX_PASSWORD'
    ], { PATH: env.PATH, EXO_CBA_PFX_PASSWORD: password }))
    const totalMs = job.elapsedMs()

    const entries = emulator.log.list().filter(e => e.seq > firstSeq)
    const byService: Record<string, number> = {}
    for (const e of entries.filter(e => !e.batch)) byService[e.service] = (byService[e.service] ?? 0) + 1
    return {
      azVersion: version['azure-cli'] ?? 'unknown',
      latencyMs: options.latencyMs,
      setup: { totalMs: setupMs, commands: setup.timings },
      totalMs,
      commands: job.timings,
      requests: {
        total: entries.filter(e => !e.batch).length,
        byService,
        unknownAuthorityDiscovery: entries.filter(e => e.service === 'login' && isUnknownAuthorityDiscovery(e.path, emulator.urls.login)).length
      },
      app: { appId: app.appId, objectId: app.id, servicePrincipalId: sp.id, certificateThumbprint: checkPfx(pfx, password), pfxBytes: statSync(pfx).size }
    }
  } finally {
    // The PEM and the PFX hold the private key.
    rmSync(workDir, { recursive: true, force: true })
  }
}

/** `GET /common/discovery/instance?authorization_endpoint=https://<the emulator's host>/…`. */
function isUnknownAuthorityDiscovery(pathAndQuery: string, loginOrigin: string): boolean {
  const url = new URL(pathAndQuery, loginOrigin)
  if (!url.pathname.endsWith('/discovery/instance')) return false
  const endpoint = url.searchParams.get('authorization_endpoint')
  try {
    return endpoint !== null && new URL(endpoint).hostname === new URL(loginOrigin).hostname
  } catch {
    return false
  }
}

/** Times steps in order; the total runs from the first step's start. */
class Stopwatch {
  readonly timings: CommandTiming[] = []
  private started?: bigint

  async time<T>(name: string, step: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint()
    this.started ??= start
    try {
      return await step()
    } finally {
      this.timings.push({ name, ms: Number(process.hrtime.bigint() - start) / 1e6 })
    }
  }

  elapsedMs(): number {
    return this.started === undefined ? 0 : Number(process.hrtime.bigint() - this.started) / 1e6
  }
}

/**
 * The GitHub OIDC token, fetched as azure/login does (core.getIDToken): GET
 * ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange with the request token as
 * a bearer. The emulator's CA is trusted explicitly, whatever this process was started with.
 */
function githubIdToken(emulator: Emulator): Promise<string> {
  const { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: token } = emulator.oidc.actionsEnv()
  const target = new URL(`${url}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`)
  return new Promise((resolve, reject) => {
    const req = request(target, { headers: { authorization: `bearer ${token}`, accept: 'application/json' }, ca: readFileSync(emulator.caPath) }, res => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      res.on('end', () => {
        const value = res.statusCode === 200 ? (JSON.parse(body) as { value?: unknown }).value : undefined
        if (typeof value === 'string') resolve(value)
        else reject(new Error(`The OIDC token request answered ${res.statusCode}: ${body.slice(0, 200)}`))
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Runs one process; rejects with its stderr when it fails. */
function run(command: string, args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', code => {
      if (code === 0) resolve({ stdout, stderr })
      // Never echo the arguments: `az login` carries the OIDC token.
      else reject(new Error(`${command} ${args.slice(0, 4).join(' ')} … exited ${code}: ${stderr.trim() || stdout.trim()}`))
    })
  })
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** az and openssl, installing az with apt-get when that is possible (root, Debian/Ubuntu). */
async function ensureTools(): Promise<{ az: string; openssl: string } | { skipped: string }> {
  const openssl = findOnPath('openssl')
  if (!openssl) return { skipped: 'openssl is not installed: the peer needs it to make the PFX (az writes a PEM).' }
  let az = findOnPath('az')
  if (!az) {
    const aptGet = findOnPath('apt-get')
    if (!aptGet || process.getuid?.() !== 0) {
      return { skipped: 'The Azure CLI (az) is not installed, and it cannot be installed here (apt-get install needs root and apt-get). Install the azure-cli package to measure the Azure CLI peer.' }
    }
    try {
      await run(aptGet, ['install', '-y', 'azure-cli'], { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive' })
    } catch (error) {
      return { skipped: `The Azure CLI (az) is not installed and apt-get install -y azure-cli failed: ${(error as Error).message.split('\n').slice(-2).join(' ')}` }
    }
    az = findOnPath('az')
    if (!az) return { skipped: 'apt-get installed azure-cli, but no az is on PATH.' }
  }
  return { az, openssl }
}

/**
 * az picks the token resource of an `az rest --url` by the first cloud endpoint the URL starts
 * with: the emulator's origins differ only by port, so none may be a prefix of another.
 */
function assertDistinctEndpoints(emulator: Emulator): void {
  const origins = [emulator.urls.login, emulator.urls.arm, emulator.urls.graph]
  for (const a of origins) {
    for (const b of origins) {
      if (a !== b && b.startsWith(a)) throw new Error(`The emulator's ${a} is a prefix of ${b}: az could not tell its endpoints apart. Run again (new ports).`)
    }
  }
}

/** Opens the PFX with its password (not timed): it must hold a key and the certificate; returns its SHA-1 thumbprint. */
function checkPfx(path: string, password: string): string {
  const der = readFileSync(path).toString('binary')
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), password)
  const keys = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []
  const certs = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []
  if (keys.length !== 1 || certs.length !== 1 || !certs[0].cert) throw new Error(`The PFX holds ${keys.length} key(s) and ${certs.length} certificate(s); expected one of each.`)
  const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certs[0].cert)).getBytes(), 'binary')
  return new X509Certificate(certDer).fingerprint.replace(/:/g, '').toUpperCase()
}

// ---- run directly: one peer run against a fresh emulator, printed and checked ----------------

async function main(): Promise<void> {
  const { startEmulator } = await import('../../emulator/index.js')
  const argv = process.argv.slice(2)
  const latencyMs = argv.includes('--latency') ? Number(argv[argv.indexOf('--latency') + 1]) : 0
  const emulator = await startEmulator()
  let failed = false
  try {
    if (latencyMs > 0) emulator.faults.latency(latencyMs)
    const outcome = await runAzureCliPeer(emulator, { latencyMs })
    if ('skipped' in outcome) {
      console.log(`Azure CLI peer skipped: ${outcome.skipped}`)
      return
    }
    const ms = (n: number) => `${Math.round(n)} ms`.padStart(9)
    console.log(`Azure CLI peer (azure-cli ${outcome.azVersion}), ${latencyMs} ms injected latency per request`)
    console.log(`\nOne-time set-up (not part of the job): ${ms(outcome.setup.totalMs).trim()}`)
    for (const c of outcome.setup.commands) console.log(`  ${ms(c.ms)}  ${c.name}`)
    console.log(`\nThe job: ${ms(outcome.totalMs).trim()}`)
    for (const c of outcome.commands) console.log(`  ${ms(c.ms)}  ${c.name}`)
    const services = Object.entries(outcome.requests.byService).map(([s, n]) => `${s} ${n}`).join(', ')
    console.log(`\nRequests the emulator logged: ${outcome.requests.total} (${services}); ${outcome.requests.unknownAuthorityDiscovery} of them only because the authority is the emulator's (MSAL instance discovery)`)

    const problems = tenantProblems(emulator, outcome)
    if (problems.length > 0) {
      failed = true
      console.error(`\nThe tenant is not as the job should leave it:\n${problems.map(p => `  ✗ ${p}`).join('\n')}`)
    } else {
      console.log('\nTenant check: app, service principal, Exchange.ManageAsApp consent, Exchange Administrator role and the PFX certificate as key credential ✓')
    }
  } finally {
    await emulator.close()
  }
  if (failed) process.exitCode = 1
}

/** What the job must leave in the directory, read from the emulator's state. */
function tenantProblems(emulator: Emulator, outcome: AzurePeerResult): string[] {
  const { tenant } = emulator
  const problems: string[] = []
  const app = tenant.applicationByAppId(outcome.app.appId, true)
  if (!app) return [`no application with appId ${outcome.app.appId}`]
  if (app.id !== outcome.app.objectId) problems.push(`the app's object id is ${app.id}, az reported ${outcome.app.objectId}`)
  const exchangeAccess = app.requiredResourceAccess.find(r => r.resourceAppId === EXCHANGE_ONLINE_APP_ID)?.resourceAccess ?? []
  if (!exchangeAccess.some(a => a.id === EXCHANGE_MANAGE_AS_APP_ROLE_ID && a.type === 'Role')) problems.push('requiredResourceAccess lacks Exchange.ManageAsApp (Role)')
  const sp = tenant.servicePrincipalByAppId(app.appId, true)
  if (!sp || sp.id !== outcome.app.servicePrincipalId) problems.push('no service principal for the app (or not the one az created)')
  const consent = tenant.appRoleAssignments.find(a =>
    a.principalId === sp?.id && a.resourceId === tenant.exchangeServicePrincipal.id && a.appRoleId === EXCHANGE_MANAGE_AS_APP_ROLE_ID)
  if (!consent) problems.push("no appRoleAssignment of Exchange Online's Exchange.ManageAsApp to the service principal")
  const role = tenant.roleAssignments.find(a =>
    a.principalId === sp?.id && tenant.roleDefinition(a.roleDefinitionId)?.templateId === EXCHANGE_ADMINISTRATOR_TEMPLATE_ID && a.directoryScopeId === '/')
  if (!role) problems.push('no Exchange Administrator role assignment over the directory (/)')
  const key = app.keyCredentials.find(k => new X509Certificate(Buffer.from(k.key, 'base64')).fingerprint.replace(/:/g, '') === outcome.app.certificateThumbprint)
  if (!key) problems.push(`no key credential for the PFX's certificate ${outcome.app.certificateThumbprint} (the app has ${app.keyCredentials.length})`)
  return problems
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch(error => {
    console.error(error instanceof Error ? error.stack ?? error.message : error)
    process.exitCode = 1
  })
}
