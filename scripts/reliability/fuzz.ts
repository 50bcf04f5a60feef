/**
 * Fuzzes the two parsers that take raw user data, with a seeded PRNG so every finding
 * can be replayed: `readPfx` (base64 PFX + password) and `readSettings` (every input).
 * The contract: success, or a PfxError/UserError with a sentence, every time; never
 * another exception (that would reach the user as "Unexpected error" with a stack), never
 * a secret in the message, never a hang.
 */
import forge from 'node-forge'
import { generateCertificate, readPfx } from '../../src/certificate/index.js'
import { PfxError, type HeldCertificate } from '../../src/certificate/types.js'
import { UserError } from '../../src/errors.js'
import { readSettings, type InputSource } from '../../src/settings.js'

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface FuzzFinding {
  caseIndex: number
  strategy: string
  problem: string
  /** The inputs and message, when FUZZ_DEBUG is set (may hold fuzzed "secrets", never real ones). */
  detail?: string
}

export interface FuzzReport {
  target: 'readPfx' | 'readSettings'
  seed: number
  cases: number
  accepted: number
  rejectedClearly: number
  findings: FuzzFinding[]
  slowestMs: number
}

/** A case slower than this counts as a hang (the real budget of a run is minutes; a parser should take milliseconds). */
const HANG_MS = 5_000

class Random {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max)
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length)
    for (let i = 0; i < length; i++) out[i] = this.int(256)
    return out
  }
  text(length: number): string {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz0123456789',
      ' \t\r\n,;=\'"`$(){}[]<>|&%\\/.-_+*#@!?~^:',
      'äöüßéñ漢字アプリ🚀\u200b\u202e\ufeffŁ\u0000\u001b\u007f\ud800'
    ]
    let out = ''
    for (let i = 0; i < length; i++) out += this.pick([...this.pick(alphabets)])
    return out
  }
}

interface PfxSeeds {
  /** Valid PFX files (DER) with their passwords: AES-256 and 3DES, with and without a MAC. */
  files: Array<{ der: Buffer; password: string; label: string }>
}

function withoutMac(der: Buffer): Buffer {
  const pfx = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')))
  ;(pfx.value as forge.asn1.Asn1[]).splice(2)
  return Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary')
}

export function pfxSeeds(now = new Date()): PfxSeeds {
  const files: PfxSeeds['files'] = []
  for (const encryption of ['aes256', '3des'] as const) {
    const held: HeldCertificate = generateCertificate({ subject: `CN=fuzz ${encryption}`, keySize: 2048, validityDays: 30, encryption, friendlyName: 'fuzz', now })
    const der = Buffer.from(held.pfxBase64, 'base64')
    files.push({ der, password: held.pfxPassword, label: `${encryption} with MAC` })
    // Without the MAC the mutations reach decryption and the inner structures.
    files.push({ der: withoutMac(der), password: held.pfxPassword, label: `${encryption} without MAC` })
  }
  return { files }
}

function mutate(random: Random, der: Buffer): { bytes: Buffer; how: string } {
  const bytes = Buffer.from(der)
  switch (random.int(5)) {
    case 0: {
      const flips = 1 + random.int(8)
      for (let i = 0; i < flips; i++) bytes[random.int(bytes.length)] ^= 1 << random.int(8)
      return { bytes, how: `${flips} bit flip(s)` }
    }
    case 1: {
      const at = random.int(bytes.length)
      return { bytes: bytes.subarray(0, at), how: `truncated at ${at}` }
    }
    case 2: {
      const at = random.int(bytes.length)
      bytes[at] = random.pick([0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff])
      return { bytes, how: `byte ${at} set to a length/tag edge value` }
    }
    case 3: {
      const at = random.int(bytes.length)
      return { bytes: Buffer.concat([bytes.subarray(0, at), random.bytes(1 + random.int(16)), bytes.subarray(at)]), how: `bytes inserted at ${at}` }
    }
    default: {
      const at = random.int(bytes.length)
      const length = 1 + random.int(64)
      return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]), how: `${length} bytes removed at ${at}` }
    }
  }
}

/** Classifies one outcome of the parser; returns a problem or undefined when it kept its contract. */
function judge(error: unknown, allowed: Array<new (...args: never[]) => Error>, secrets: string[]): string | undefined {
  if (!allowed.some(type => error instanceof type)) {
    const e = error as Error
    return `${e?.name ?? typeof error}: ${e?.message ?? String(error)}`.slice(0, 300)
  }
  const message = (error as Error).message
  if (message.trim().length < 10) return `an error without a sentence: ${JSON.stringify(message)}`
  for (const secret of secrets) if (secret.length >= 6 && message.includes(secret)) return 'the error message contains a secret'
  return undefined
}

export function fuzzReadPfx(seed: number, cases: number, seeds: PfxSeeds = pfxSeeds()): FuzzReport {
  const random = new Random(prng(seed))
  const report: FuzzReport = { target: 'readPfx', seed, cases, accepted: 0, rejectedClearly: 0, findings: [], slowestMs: 0 }
  for (let i = 0; i < cases; i++) {
    let base64: string
    let password: string
    let strategy: string
    const kind = random.int(10)
    if (kind < 6) {
      const file = random.pick(seeds.files)
      const { bytes, how } = mutate(random, file.der)
      base64 = bytes.toString('base64')
      password = random.int(4) === 0 ? random.text(random.int(20)) : file.password
      strategy = `${file.label}, ${how}`
    } else if (kind < 8) {
      base64 = random.bytes(random.int(3000)).toString('base64')
      password = random.text(random.int(12))
      strategy = 'random bytes'
    } else {
      base64 = random.text(random.int(random.int(10) === 0 ? 200_000 : 400))
      password = random.text(random.int(12))
      strategy = 'random text'
    }
    const started = Date.now()
    try {
      readPfx(base64, password)
      report.accepted++
    } catch (error) {
      const problem = judge(error, [PfxError], [password])
      if (problem === undefined) report.rejectedClearly++
      else report.findings.push({ caseIndex: i, strategy, problem })
    }
    const ms = Date.now() - started
    report.slowestMs = Math.max(report.slowestMs, ms)
    if (ms > HANG_MS) report.findings.push({ caseIndex: i, strategy, problem: `took ${ms} ms` })
  }
  return report
}

/** Every input of action.yml (a test keeps the two lists equal). */
export const ACTION_INPUTS = [
  'mode', 'tenant-id', 'organization', 'app-id', 'app-name', 'roles', 'client-id', 'client-secret', 'client-certificate',
  'client-certificate-password', 'audience', 'credential', 'federated-subjects', 'federated-issuer', 'federated-audience',
  'federated-allow-unprotected-subjects', 'cloud', 'authority-host',
  'graph-endpoint', 'cert-validity-days', 'cert-key-size', 'cert-subject', 'pfx-encryption', 'rotate-before-days', 'repair',
  'revoke-previous', 'pfx-base64', 'pfx-password', 'secret-target', 'secret-environment', 'secret-prefix', 'secret-visibility',
  'secret-repositories', 'github-token', 'repository', 'verify', 'verify-timeout-seconds', 'dry-run', 'connect-script-path',
  'connect-ippssession'
] as const

const PLAUSIBLE: Record<string, string[]> = {
  mode: ['provision', 'connect', 'Provision', ''],
  'tenant-id': ['contoso.onmicrosoft.com', '0a1b2c3d-0000-4000-8000-000000000001', 'contoso.com'],
  organization: ['contoso.onmicrosoft.com', 'contoso.onmicrosoft.us', 'x.onmicrosoft.com'],
  'app-id': ['0a1b2c3d-0000-4000-8000-000000000002'],
  'client-id': ['0a1b2c3d-0000-4000-8000-000000000003'],
  roles: ['Exchange Administrator', 'none', 'Global Reader, Security Reader', '29232cdf-9323-42fd-ade2-1d097af3e4de'],
  cloud: ['global', 'usgov', 'dod', 'china'],
  'authority-host': ['https://login.microsoftonline.com', 'https://127.0.0.1:8443/'],
  'graph-endpoint': ['https://graph.microsoft.com'],
  'cert-validity-days': ['365', '1', '3650', '731'],
  'cert-key-size': ['2048', '3072', '4096'],
  'cert-subject': ['CN=EXO', 'CN=a, O=b', 'CN=x+OU=y'],
  'pfx-encryption': ['aes256', '3des'],
  'rotate-before-days': ['30', '0', '364'],
  'secret-target': ['none', 'repository', 'environment', 'organization'],
  'secret-prefix': ['EXO_', 'A', 'X1_'],
  'secret-visibility': ['private', 'all', 'selected'],
  repository: ['octo/demo', 'a/b.c'],
  verify: ['true', 'false', 'TRUE'],
  'verify-timeout-seconds': ['0', '180', '3600'],
  'dry-run': ['true', 'false'],
  repair: ['true', 'false'],
  'revoke-previous': ['24', '0', 'never', 'NEVER'],
  credential: ['certificate', 'federated'],
  'federated-subjects': ['repo:contoso/exo:ref:refs/heads/main', 'repo:contoso/exo:environment:prod'],
  'federated-issuer': ['https://token.actions.githubusercontent.com'],
  'federated-audience': ['api://AzureADTokenExchange', 'api://contoso-exo'],
  'federated-allow-unprotected-subjects': ['true', 'false'],
  'connect-script-path': ['Connect.ps1', '/tmp/x/Connect.ps1'],
  'connect-ippssession': ['true', 'false']
}

const NASTY = [
  '', ' ', '\n', "'; Remove-Mailbox -Identity *", '$(whoami)', '${{ secrets.X }}', '`n`r', '\u202eevil', 'null', 'undefined', '-1',
  '1e309', 'NaN', '0x10', '00000000-0000-0000-0000-000000000000', 'https://', 'http://x', 'CN=', '=', ',', '+', 'CN=a,CN', '\\', '"',
  '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'
]

export function fuzzReadSettings(seed: number, cases: number, seeds: PfxSeeds = pfxSeeds()): FuzzReport {
  const random = new Random(prng(seed))
  const report: FuzzReport = { target: 'readSettings', seed, cases, accepted: 0, rejectedClearly: 0, findings: [], slowestMs: 0 }
  const now = new Date()
  for (let i = 0; i < cases; i++) {
    const values: Record<string, string> = {}
    // Start from a valid provision (or connect) run so mutations get past the first checks.
    values.mode = random.pick(['provision', 'connect'])
    values['tenant-id'] = 'contoso.onmicrosoft.com'
    values['client-id'] = PLAUSIBLE['client-id'][0]
    if (values.mode === 'connect') {
      const file = random.pick(seeds.files)
      Object.assign(values, { 'app-id': PLAUSIBLE['app-id'][0], organization: 'contoso.onmicrosoft.com', 'pfx-base64': file.der.toString('base64'), 'pfx-password': file.password })
    }
    const touched: string[] = []
    const changes = 1 + random.int(4)
    for (let c = 0; c < changes; c++) {
      const name = random.pick(ACTION_INPUTS)
      touched.push(name)
      const roll = random.int(10)
      if (roll < 3 && PLAUSIBLE[name] !== undefined) values[name] = random.pick(PLAUSIBLE[name])
      else if (roll < 6) values[name] = random.pick(NASTY)
      else if (roll < 8) values[name] = random.text(random.int(random.int(20) === 0 ? 100_000 : 60))
      else if (name === 'pfx-base64' || name === 'client-certificate') values[name] = mutate(random, random.pick(seeds.files).der).bytes.toString('base64')
      else values[name] = `${random.pick(PLAUSIBLE[name] ?? ['x'])}${random.pick(NASTY)}`
    }
    const source: InputSource = { get: name => values[name] ?? '', mask: () => undefined }
    const secretNames = ['client-secret', 'client-certificate-password', 'pfx-password', 'github-token']
    // A value also given to a non-secret input may rightly be shown as that input's value.
    const plain = Object.entries(values).filter(([name]) => !secretNames.includes(name)).map(([, value]) => value)
    // Fixed vocabulary (a GUID template, 'https://') also appears in messages' examples: only unique values count.
    const vocabulary = [...NASTY, ...Object.values(PLAUSIBLE).flat()]
    const secrets = secretNames
      .map(n => values[n] ?? '')
      .filter(v => v.trim().length >= 6 && !plain.some(p => p.includes(v)) && !vocabulary.some(word => word.includes(v) || v.startsWith(word)))
    const started = Date.now()
    try {
      readSettings(source, { RUNNER_TEMP: '/tmp/runner', GITHUB_REPOSITORY: 'octo/demo', GITHUB_WORKSPACE: '/tmp/ws' }, now)
      report.accepted++
    } catch (error) {
      let problem = judge(error, [UserError], secrets)
      const named = error instanceof UserError && error.input !== undefined && error.message.includes(error.input)
      if (problem === undefined && !named) problem = `the message names no input: ${(error as Error).message.slice(0, 200)}`
      if (problem === undefined) report.rejectedClearly++
      else report.findings.push({ caseIndex: i, detail: process.env.FUZZ_DEBUG ? JSON.stringify({ values: Object.fromEntries(touched.map(n => [n, values[n].slice(0, 80)])), message: (error as Error).message.slice(0, 300) }) : undefined, strategy: `changed ${[...new Set(touched)].join(', ')}`, problem })
    }
    const ms = Date.now() - started
    report.slowestMs = Math.max(report.slowestMs, ms)
    if (ms > HANG_MS) report.findings.push({ caseIndex: i, strategy: `changed ${touched.join(', ')}`, problem: `took ${ms} ms` })
  }
  return report
}
