/**
 * Shared pieces of the provision-mode end-to-end tests: the bundled action run against an
 * in-process emulator exactly as the runner runs it, and readers of the emulator's state
 * and request log that the tests assert on (independent of src/).
 */
import { ClientCertificateCredential } from '@azure/identity'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { emulatorEnv, provisionInputs } from '../../scripts/lib/emulated-run.js'
import type { ActionRun, RunOptions } from '../../scripts/lib/local-runner.js'
import type { BundledAction } from '../helpers/bundled-action.js'

export const APP_NAME = 'EXO Background Process'
export const EXCHANGE_ONLINE_APP_ID = '00000002-0000-0ff1-ce00-000000000000'
export const MANAGE_AS_APP_ROLE_ID = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
export const EXCHANGE_ADMINISTRATOR = '29232cdf-9323-42fd-ade2-1d097af3e4de'
export const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default'

/** Runs provision mode against the emulator (GitHub OIDC sign-in unless inputs say otherwise; `env` replaces the emulator's runner environment). */
export function provision(
  action: BundledAction,
  emulator: Emulator,
  inputs: Record<string, string> = {},
  options: Omit<RunOptions, 'inputs'> = {}
): Promise<ActionRun> {
  return action.run({
    ...options,
    inputs: provisionInputs(emulator, inputs),
    env: options.env ?? emulatorEnv(emulator)
  })
}

/** Graph requests that change the directory (a $batch envelope is not one; its steps are logged alone). */
export function graphWrites(emulator: Emulator): string[] {
  return emulator.log
    .list({ service: 'graph', kind: 'write' })
    .filter(entry => !/^\/v1\.0\/\$batch/.test(entry.path))
    .map(entry => `${entry.method} ${entry.path} → ${entry.status}`)
}

/** The step's output as one text, for messages (stdout carries ::error:: and ::warning::). */
export function logOf(run: ActionRun): string {
  return `${run.main.stdout}\n${run.main.stderr}`
}

/** The ::error:: annotations of the main step. */
export function errorsOf(run: ActionRun): string[] {
  return run.main.stdout
    .split(/\r?\n/)
    .filter(line => line.startsWith('::error'))
    .map(line => unescape(line.slice(line.indexOf('::', 2) + 2)))
}

/** The ::warning:: annotations of the main step. */
export function warningsOf(run: ActionRun): string[] {
  return run.main.stdout
    .split(/\r?\n/)
    .filter(line => line.startsWith('::warning'))
    .map(line => unescape(line.slice(line.indexOf('::', 2) + 2)))
}

function unescape(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/** A readable failure message: exit code and the end of the log. */
export function explain(run: ActionRun): string {
  // Without the ::add-mask:: lines: a failing test must not print the secrets either.
  const shown = logOf(run).split('\n').filter(line => !line.startsWith('::add-mask::'))
  return `exit ${run.main.exitCode}\n${shown.slice(-40).join('\n')}`
}

/** Private key and certificate PEM out of a base64 PFX, by the openssl CLI (independent of src/). */
export function pemFromPfx(pfxBase64: string, password: string): { privateKeyPem: string; certificatePem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'exo-cba-pfx-'))
  try {
    const path = join(dir, 'in.pfx')
    writeFileSync(path, Buffer.from(pfxBase64, 'base64'), { mode: 0o600 })
    const openssl = (args: string[]): string => {
      const result = spawnSync('openssl', ['pkcs12', '-in', path, '-passin', 'env:PFX_PASSWORD', ...args], {
        encoding: 'utf8',
        env: { ...process.env, PFX_PASSWORD: password }
      })
      if (result.status !== 0) throw new Error(`openssl pkcs12 failed: ${result.stderr}`)
      return result.stdout
    }
    const privateKeyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(openssl(['-nocerts', '-nodes']))?.[0]
    const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(openssl(['-nokeys', '-clcerts']))?.[0]
    if (privateKeyPem === undefined || certificatePem === undefined) throw new Error('The PFX holds no key or no certificate')
    return { privateKeyPem, certificatePem }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Claims of the Exchange Online token the app gets with this certificate (as Connect-ExchangeOnline would). */
export async function exchangeTokenClaims(
  emulator: Emulator,
  appId: string,
  pem: { privateKeyPem: string; certificatePem: string }
): Promise<{ roles?: string[]; wids?: string[]; appid?: string }> {
  const credential = new ClientCertificateCredential(
    emulator.tenant.tenantId,
    appId,
    { certificate: `${pem.privateKeyPem}\n${pem.certificatePem}\n` },
    { authorityHost: emulator.urls.login, disableInstanceDiscovery: true }
  )
  const token = await credential.getToken(EXCHANGE_SCOPE)
  return JSON.parse(Buffer.from(token.token.split('.')[1], 'base64url').toString('utf8')) as { roles?: string[]; wids?: string[] }
}

/** Lines of a PEM private key long enough to identify it in a log. */
export function keyLines(pem: string): string[] {
  return pem.split(/\r?\n/).filter(line => line.length >= 16 && !line.startsWith('-----'))
}

/** Every secret a run had or made: never to appear in stdout, stderr, the summary or GITHUB_ENV. */
export function secretsOfRun(run: ActionRun, extra: string[] = []): string[] {
  const secrets = [...extra]
  const pfx = run.outputs['pfx-base64']
  const password = run.outputs['pfx-password']
  if (pfx) secrets.push(pfx)
  if (password) secrets.push(password)
  if (pfx && password) secrets.push(...keyLines(pemFromPfx(pfx, password).privateKeyPem))
  return secrets
}

/** The summary's Resources table: resource → its before and after cells. */
export function resourceRows(summary: string): Map<string, { before: string; after: string; detail: string }> {
  const lines = summary.split('\n')
  const start = lines.findIndex(line => line.trim() === '### Resources')
  const rows = new Map<string, { before: string; after: string; detail: string }>()
  if (start < 0) return rows
  for (const line of lines.slice(start + 1)) {
    if (rows.size > 0 && !line.startsWith('|')) break
    const cells = line.split('|').slice(1, -1).map(cell => cell.trim())
    if (cells.length < 4 || cells[0] === 'Resource' || /^-+$/.test(cells[0])) continue
    rows.set(cells[0], { before: cells[1], after: cells[2], detail: cells[3] })
  }
  return rows
}

/** The runner environment of a job without `permissions: id-token: write`: no OIDC request URL or token. */
export function envWithoutOidc(emulator: Emulator): Record<string, string> {
  const env = emulatorEnv(emulator)
  delete env.ACTIONS_ID_TOKEN_REQUEST_URL
  delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  return env
}
