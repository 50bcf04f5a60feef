/**
 * Connect mode end to end (issue 2 §5, §6): the bundled dist/index.js and dist/cleanup.js
 * run in child processes exactly as the GitHub runner runs them, with PFX files made by
 * the real openssl CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { findLeaks, type ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction, lines, maskedTooLate } from '../helpers/bundled-action.js'
import { PfxFixtures, type PfxFixture } from '../helpers/pfx-fixtures.js'

const DAY_MS = 24 * 60 * 60 * 1000
const APP_ID = '4a5f2bde-a1b0-4c8e-9d3f-0123456789ab'
const ORGANIZATION = 'contoso.onmicrosoft.com'
// Characters that matter to command escaping (%), PowerShell quoting (' $) and shells.
const PASSWORD = "Pw-%25 it's $HOME & 100% 'safe'"

const fixtures = new PfxFixtures()
let action: BundledAction
let held: PfxFixture
let expiresSoon: PfxFixture
let expired: PfxFixture

beforeAll(() => {
  action = new BundledAction()
  held = fixtures.pfx({ name: 'EXO Background Process', days: 365, password: PASSWORD })
  expiresSoon = fixtures.pfx({ name: 'Expires Soon', days: 10 })
  const now = Date.now()
  expired = fixtures.pfx({ name: 'Expired', validity: { from: new Date(now - 400 * DAY_MS), to: new Date(now - 2 * DAY_MS) } })
})
afterAll(() => {
  action?.cleanup()
  fixtures.cleanup()
})

function connectInputs(pfx: PfxFixture, extra: Record<string, string> = {}): Record<string, string> {
  return { mode: 'connect', 'app-id': APP_ID, organization: ORGANIZATION, 'pfx-base64': pfx.base64, 'pfx-password': pfx.password, ...extra }
}

/** Everything of a fixture that must never be readable: the PFX, its password, key lines. */
function secretsOf(pfx: PfxFixture): string[] {
  const keyLines = readFileSync(pfx.keyPath, 'utf8')
    .split('\n')
    .filter(line => line.length >= 16 && !line.startsWith('-----'))
  return [pfx.base64, pfx.password, ...keyLines]
}

function mode(path: string): number {
  return statSync(path).mode & 0o777
}

/** The `::error::` / `::warning` workflow commands of a step. */
function commands(run: ActionRun, kind: 'error' | 'warning'): string[] {
  return lines(run.main.stdout).filter(line => line.startsWith(`::${kind}`))
}

describe('connect mode with a valid certificate', () => {
  let run: ActionRun
  let startedAt: number
  let endedAt: number

  beforeAll(async () => {
    startedAt = Date.now()
    run = await action.run({ inputs: connectInputs(held), skipPost: true })
    endedAt = Date.now()
  })

  it('succeeds without errors or warnings', () => {
    expect(run.main.stderr).toBe('')
    expect(commands(run, 'error')).toEqual([])
    expect(commands(run, 'warning')).toEqual([])
    expect(run.main.exitCode).toBe(0)
  })

  it('outputs the thumbprint openssl computes, the expiry and the public certificate', () => {
    expect(run.outputs['certificate-thumbprint']).toBe(fixtures.thumbprint(held.certPath))
    expect(run.outputs['certificate-thumbprint']).toMatch(/^[0-9A-F]{40}$/)
    expect(run.outputs['certificate-not-after']).toBe(held.notAfter.toISOString())
    const der = Buffer.from(run.outputs['certificate-der-base64'], 'base64')
    const derPath = join(fixtures.dir, 'held.cer')
    fixtures.openssl(['x509', '-in', held.certPath, '-outform', 'DER', '-out', derPath])
    const opensslDer = readFileSync(derPath)
    expect(der.equals(opensslDer)).toBe(true)
    expect(new X509Certificate(der).subject).toBe('CN=EXO Background Process')
  })

  it('outputs the app, organization, rotated=false, changes=[] and the held PFX', () => {
    expect(run.outputs).toMatchObject({
      'app-id': APP_ID,
      organization: ORGANIZATION,
      rotated: 'false',
      changes: '[]',
      'pfx-base64': held.base64,
      'pfx-password': PASSWORD
    })
    // Connect mode knows no tenant and creates no app: those outputs stay unset.
    expect(run.outputs['tenant-id']).toBeUndefined()
    expect(run.outputs['app-object-id']).toBeUndefined()
  })

  it('writes the PFX (0600, in a 0700 folder under RUNNER_TEMP) that openssl opens with the password', () => {
    const pfxPath = run.outputs['pfx-path']
    expect(pfxPath.startsWith(join(run.runnerTemp, 'exo-cba') + '/')).toBe(true)
    expect(mode(pfxPath)).toBe(0o600)
    expect(mode(dirname(pfxPath))).toBe(0o700)
    expect(readFileSync(pfxPath).equals(Buffer.from(held.base64, 'base64'))).toBe(true)
    const certificate = fixtures.openssl(['pkcs12', '-in', pfxPath, '-nokeys', '-passin', 'env:PFX_PASSWORD'], { PFX_PASSWORD: PASSWORD })
    expect(certificate).toContain('subject=CN = EXO Background Process')
  })

  it('writes the password next to the PFX, 0600, for the script to read', () => {
    const files = readdirSync(dirname(run.outputs['pfx-path'])).sort()
    expect(files).toEqual(['certificate.pfx', 'certificate.pfx.password'])
    const passwordPath = join(dirname(run.outputs['pfx-path']), 'certificate.pfx.password')
    expect(mode(passwordPath)).toBe(0o600)
    expect(readFileSync(passwordPath, 'utf8')).toBe(PASSWORD)
  })

  it('emits the connect script (0600, default path under RUNNER_TEMP) without any secret in it', () => {
    const scriptPath = run.outputs['connect-script']
    expect(scriptPath).toBe(join(run.runnerTemp, 'exo-cba', 'Connect-ExoCba.ps1'))
    expect(mode(scriptPath)).toBe(0o600)
    const script = readFileSync(scriptPath, 'utf8')
    expect(script).toContain(APP_ID)
    expect(script).toContain(ORGANIZATION)
    expect(script).toContain(run.outputs['pfx-path'])
    expect(script).toContain('Connect-ExchangeOnline')
    for (const secret of secretsOf(held)) expect(script).not.toContain(secret)
  })

  it('remembers every file with a secret for the post step', () => {
    const remembered = JSON.parse(run.state['cleanup-paths']) as string[]
    expect(remembered).toEqual(expect.arrayContaining([dirname(run.outputs['pfx-path']), run.outputs['connect-script']]))
  })

  it('writes a summary with app, organization, thumbprint, expiry and days left', () => {
    expect(run.summary).toContain(APP_ID)
    expect(run.summary).toContain(ORGANIZATION)
    expect(run.summary).toContain(held.opensslThumbprint)
    expect(run.summary).toContain(held.notAfter.toISOString().slice(0, 10))
    const row = new RegExp(`\\| \`${held.opensslThumbprint}\` \\| [^|]+ \\| (\\d+)`).exec(run.summary)
    expect(row).not.toBeNull()
    const daysLeft = Number(row?.[1])
    // The step ran somewhere between these two instants.
    expect(daysLeft).toBeGreaterThanOrEqual(Math.floor((held.notAfter.getTime() - endedAt) / DAY_MS))
    expect(daysLeft).toBeLessThanOrEqual(Math.floor((held.notAfter.getTime() - startedAt) / DAY_MS))
  })

  it('registers every secret with ::add-mask:: before it prints anything else', () => {
    for (const secret of [held.base64, PASSWORD]) {
      expect(maskedTooLate(run.main.stdout, secret)).toBeUndefined()
      expect(run.main.masks).toContain(secret)
    }
  })

  it('never shows a secret in stdout, stderr, the summary or the environment', () => {
    expect(findLeaks(run, secretsOf(held))).toEqual([])
  })
})

describe('connect mode with pfx-base64 wrapped at 76 columns (plain `base64 cert.pfx`)', () => {
  it('reads it, and masks every line before printing anything', async () => {
    const wrapped = `${held.base64.replace(/(.{76})/g, '$1\n')}\n`
    const run = await action.run({ inputs: connectInputs(held, { 'pfx-base64': wrapped }) })
    expect(run.main.exitCode).toBe(0)
    expect(run.outputs['certificate-thumbprint']).toBe(held.opensslThumbprint)
    // A last line of a few characters reveals nothing; maskSecret skips lines under 8.
    const wrappedLines = wrapped.split('\n').filter(line => line.length >= 8)
    expect(wrappedLines.length).toBeGreaterThan(10)
    for (const line of wrappedLines) expect(maskedTooLate(run.main.stdout, line)).toBeUndefined()
    expect(findLeaks(run, [...wrappedLines, PASSWORD])).toEqual([])
  })
})

describe('connect mode warns before the certificate expires', () => {
  it('annotates a certificate that expires within rotate-before-days, and still succeeds', async () => {
    const run = await action.run({ inputs: connectInputs(expiresSoon) })
    expect(run.main.exitCode).toBe(0)
    const warnings = commands(run, 'warning')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^::warning title=[^:]*expires soon::/)
    expect(warnings[0]).toContain(expiresSoon.opensslThumbprint)
    expect(warnings[0]).toMatch(/expires in (9|10) day\(s\)/)
    expect(warnings[0]).toContain('provision mode')
    expect(run.summary).toContain('### Notes')
    expect(run.outputs['certificate-thumbprint']).toBe(expiresSoon.opensslThumbprint)
    expect(findLeaks(run, secretsOf(expiresSoon))).toEqual([])
  })

  it('does not annotate the same certificate when rotate-before-days is shorter than its life', async () => {
    const run = await action.run({ inputs: connectInputs(expiresSoon, { 'rotate-before-days': '5' }) })
    expect(run.main.exitCode).toBe(0)
    expect(commands(run, 'warning')).toEqual([])
  })
})

describe('connect mode fails before writing anything', () => {
  it('fails on an expired certificate, naming pfx-base64', async () => {
    const run = await action.run({ inputs: connectInputs(expired) })
    expect(run.main.exitCode).toBe(1)
    const errors = commands(run, 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^::error::The certificate in 'pfx-base64' \(thumbprint [0-9A-F]{40}\) expired on /)
    expect(errors[0]).toContain(expired.opensslThumbprint)
    expect(readdirSync(run.runnerTemp)).toEqual([])
    expect(run.outputs).toEqual({})
    expect(run.summary).toBe('')
    for (const secret of [expired.base64, expired.password]) expect(maskedTooLate(run.main.stdout, secret)).toBeUndefined()
    expect(findLeaks(run, secretsOf(expired))).toEqual([])
  })

  it.each([
    ['a wrong pfx-password', () => connectInputs(held, { 'pfx-password': 'not-the-password' }), "'pfx-password' does not open the PFX in 'pfx-base64'"],
    ['pfx-base64 that is not a PFX', () => connectInputs(held, { 'pfx-base64': Buffer.from('hello').toString('base64') }), "'pfx-base64'"],
    ['a custom-domain organization', () => connectInputs(held, { organization: 'contoso.com' }), "'organization'"],
    ['a missing app-id', () => connectInputs(held, { 'app-id': '' }), "'app-id' is required in connect mode"],
    ['a missing pfx-base64', () => connectInputs(held, { 'pfx-base64': '' }), "'pfx-base64' is required in connect mode"],
    ['an unknown cloud', () => connectInputs(held, { cloud: 'public' }), "'cloud'"]
  ])('fails on %s with an error annotation and an empty RUNNER_TEMP', async (_what, inputs, says) => {
    const given = inputs()
    const run = await action.run({ inputs: given })
    expect(run.main.exitCode).toBe(1)
    const errors = commands(run, 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(says)
    expect(errors[0]).not.toContain('Unexpected error')
    expect(readdirSync(run.runnerTemp)).toEqual([])
    expect(run.outputs).toEqual({})
    expect(run.state).toEqual({})
    const secrets = [given['pfx-base64'], given['pfx-password']].filter(s => s !== '')
    for (const secret of secrets) expect(maskedTooLate(run.main.stdout, secret)).toBeUndefined()
    expect(findLeaks(run, secrets)).toEqual([])
  })
})

describe('the post step', () => {
  it('removes the PFX, its password and the connect script', async () => {
    const run = await action.run({ inputs: connectInputs(held) })
    expect(run.main.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
    expect(lines(run.post?.stdout ?? '').filter(line => line.startsWith('::warning'))).toEqual([])
    const pfxPath = run.outputs['pfx-path']
    for (const path of [pfxPath, `${pfxPath}.password`, dirname(pfxPath), run.outputs['connect-script']]) {
      expect(existsSync(path)).toBe(false)
    }
    expect(existsSync(join(run.runnerTemp, 'exo-cba'))).toBe(false)
    expect(readdirSync(run.runnerTemp)).toEqual([])
    expect(findLeaks(run, secretsOf(held))).toEqual([])
  })

  it('removes a connect script written to a custom path in the workspace', async () => {
    const run = await action.run({ inputs: connectInputs(held, { 'connect-script-path': 'ci/Connect-Exo.ps1' }) })
    expect(run.main.exitCode).toBe(0)
    expect(run.outputs['connect-script']).toBe(join(run.workspace, 'ci', 'Connect-Exo.ps1'))
    expect(existsSync(run.outputs['connect-script'])).toBe(false)
    expect(existsSync(run.outputs['pfx-path'])).toBe(false)
  })

  it('does nothing (and does not fail) after a main step that failed early', async () => {
    const run = await action.run({ inputs: connectInputs(expired) })
    expect(run.main.exitCode).toBe(1)
    expect(run.post?.exitCode).toBe(0)
    expect(run.post?.stdout.trim()).toBe('')
  })
})

describe('connect-script-path that names a file of the user', () => {
  it('refuses it before writing anything, and the file survives the post step', async () => {
    const jobDir = mkdtempSync(join(tmpdir(), 'exo-cba-own-file-'))
    const workspace = join(jobDir, 'workspace')
    mkdirSync(workspace, { recursive: true })
    const own = join(workspace, 'Deploy.ps1')
    writeFileSync(own, "Write-Host 'my own deployment script'\n")
    try {
      const run = await action.run({ jobDir, inputs: connectInputs(held, { 'connect-script-path': 'Deploy.ps1' }) })
      expect(run.main.exitCode).toBe(1)
      expect(commands(run, 'error').join('\n')).toMatch(/connect-script-path/)
      expect(readFileSync(own, 'utf8')).toBe("Write-Host 'my own deployment script'\n")
      expect(existsSync(join(run.runnerTemp, 'exo-cba'))).toBe(false)
    } finally {
      rmSync(jobDir, { recursive: true, force: true })
    }
  })

  it('accepts a script it wrote itself on an earlier run of the same job', async () => {
    const first = await action.run({ inputs: connectInputs(held, { 'connect-script-path': 'ci/Connect-Exo.ps1' }), skipPost: true })
    expect(first.main.exitCode).toBe(0)
    const jobDir = dirname(first.workspace)
    const second = await action.run({ jobDir, inputs: connectInputs(held, { 'connect-script-path': 'ci/Connect-Exo.ps1' }) })
    expect(second.main.exitCode).toBe(0)
    rmSync(jobDir, { recursive: true, force: true })
  })
})
