/**
 * Every secret input, as the runner passes it to the bundled action, is registered with
 * ::add-mask:: before the action prints anything, even when another input is invalid and
 * the step fails at once (issue 2 §6).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { findLeaks, type ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction, lines, maskedTooLate } from '../helpers/bundled-action.js'
import { PfxFixtures, type PfxFixture } from '../helpers/pfx-fixtures.js'

const fixtures = new PfxFixtures()
let action: BundledAction
let held: PfxFixture
let identity: PfxFixture
let pem: string
let run: ActionRun

const CLIENT_SECRET = 'Xy8Q~client-secret-value-0123456789'
const GITHUB_TOKEN = 'github_pat_11AAAAAAA0secretTokenValue'
const CERTIFICATE_PASSWORD = 'identity-pfx-password-42'

beforeAll(async () => {
  action = new BundledAction()
  held = fixtures.pfx({ name: 'Held', days: 100 })
  identity = fixtures.pfx({ name: 'Identity', days: 100 })
  pem = `${readFileSync(identity.keyPath, 'utf8')}${readFileSync(identity.certPath, 'utf8')}`
  run = await action.run({
    inputs: {
      'tenant-id': 'not a tenant id',
      'client-id': '1b730954-1685-4b74-9bfd-dac224a7b894',
      'client-secret': CLIENT_SECRET,
      'client-certificate': pem,
      'client-certificate-password': CERTIFICATE_PASSWORD,
      'pfx-base64': held.base64,
      'pfx-password': held.password,
      'github-token': GITHUB_TOKEN
    }
  })
})
afterAll(() => {
  action?.cleanup()
  fixtures.cleanup()
})

/** The PEM's base64 lines that maskSecret registers one by one (8+ characters, no armour). */
function pemLines(): string[] {
  return pem.split('\n').filter(line => line.length >= 8 && !line.startsWith('-----'))
}

describe('secret inputs on a step that fails validation', () => {
  it('fails on the bad input, before writing any file', () => {
    expect(run.main.exitCode).toBe(1)
    const errors = lines(run.main.stdout).filter(line => line.startsWith('::error::'))
    expect(errors).toEqual([expect.stringContaining("Input 'tenant-id' must be")])
    expect(readdirSync(run.runnerTemp)).toEqual([])
  })

  it('masks every secret input before any other line', () => {
    for (const secret of [CLIENT_SECRET, CERTIFICATE_PASSWORD, held.base64, held.password, GITHUB_TOKEN]) {
      expect(maskedTooLate(run.main.stdout, secret)).toBeUndefined()
    }
  })

  it('masks a PEM client-certificate line by line (the runner matches masks per line)', () => {
    expect(pemLines().length).toBeGreaterThan(20)
    for (const line of pemLines()) expect(maskedTooLate(run.main.stdout, line)).toBeUndefined()
  })

  it('shows none of them anywhere', () => {
    expect(findLeaks(run, [CLIENT_SECRET, CERTIFICATE_PASSWORD, held.base64, held.password, GITHUB_TOKEN, ...pemLines()])).toEqual([])
  })
})
