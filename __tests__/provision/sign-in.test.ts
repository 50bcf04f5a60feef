/**
 * How the provisioning identity signs in (issue 4): a client secret, a client certificate
 * (PEM, or a base64 PFX made by openssl), or GitHub OIDC; and the errors a user can act on
 * when OIDC cannot work (no `id-token: write`, no federated credential for the subject).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { emulatorEnv } from '../../scripts/lib/emulated-run.js'
import { findLeaks } from '../../scripts/lib/local-runner.js'
import { makeCertificate } from '../emulator/helpers.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { PfxFixtures } from '../helpers/pfx-fixtures.js'
import { envWithoutOidc, errorsOf, explain, graphWrites, keyLines, provision, secretsOfRun } from './provision-helpers.js'

let action: BundledAction
let emulator: Emulator | undefined
const fixtures = new PfxFixtures()

beforeAll(() => {
  action = new BundledAction()
})
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})
afterAll(() => {
  action?.cleanup()
  fixtures.cleanup()
})

/** Sign-ins of the provisioning identity: token requests at the emulated Entra ID. */
function provisioningSignIns(e: Emulator): number {
  return e.log.list({ service: 'login', path: /\/oauth2\/v2\.0\/token/ }).length
}

describe('client-secret', () => {
  it('signs in with the secret, without GitHub OIDC, and never prints it', async () => {
    emulator = await startEmulator()
    const secret = emulator.provisioning.clientSecret
    const run = await provision(action, emulator, { 'client-secret': secret }, { env: envWithoutOidc(emulator) })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(emulator.log.list({ service: 'oidc' })).toEqual([])
    expect(provisioningSignIns(emulator)).toBeGreaterThan(0)
    expect(run.outputs.rotated).toBe('true')
    expect(findLeaks(run, secretsOfRun(run, [secret]))).toEqual([])
  }, 120_000)

  it('that is wrong: says the secret is wrong or expired', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { 'client-secret': 'emu~not-the-secret-of-this-app' }, { env: envWithoutOidc(emulator) })
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toMatch(/client-secret .* is wrong or expired \(AADSTS7000215\)/)
    expect(emulator.log.list({ service: 'graph' })).toEqual([])
    expect(findLeaks(run, ['emu~not-the-secret-of-this-app'])).toEqual([])
  }, 120_000)
})

describe('client-certificate', () => {
  it('PEM (private key + certificate)', async () => {
    const certificate = makeCertificate({ subject: 'provisioning identity' })
    emulator = await startEmulator({ provisioning: { certificates: [certificate.certPem] } })
    const run = await provision(action, emulator, { 'client-certificate': certificate.pem }, { env: envWithoutOidc(emulator) })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(emulator.log.list({ service: 'oidc' })).toEqual([])
    expect(run.outputs['app-id']).not.toBe('')
    expect(findLeaks(run, secretsOfRun(run, keyLines(certificate.pem)))).toEqual([])
  }, 120_000)

  it('base64 PFX with its password (made by openssl)', async () => {
    const pfx = fixtures.pfx({ name: 'provisioning identity', password: "p%w'd $x" })
    emulator = await startEmulator({ provisioning: { certificates: [readFileSync(pfx.certPath, 'utf8')] } })
    const run = await provision(
      action,
      emulator,
      { 'client-certificate': pfx.base64, 'client-certificate-password': pfx.password },
      { env: envWithoutOidc(emulator) }
    )
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(emulator.log.list({ service: 'oidc' })).toEqual([])
    const leaksOf = [pfx.base64, pfx.password, ...keyLines(readFileSync(pfx.keyPath, 'utf8'))]
    expect(findLeaks(run, secretsOfRun(run, leaksOf))).toEqual([])
  }, 120_000)

  it('that is not on the provisioning app: says to upload it', async () => {
    const certificate = makeCertificate({ subject: 'not uploaded' })
    emulator = await startEmulator()
    const run = await provision(action, emulator, { 'client-certificate': certificate.pem }, { env: envWithoutOidc(emulator) })
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toMatch(/client-certificate .*AADSTS700027.*Upload its public certificate/)
  }, 120_000)
})

describe('GitHub OIDC', () => {
  it('without `id-token: write` (no ACTIONS_ID_TOKEN_REQUEST_URL): says which permission to add', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, {}, { env: envWithoutOidc(emulator) })
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    expect(error).toMatch(/permissions: id-token: write/)
    expect(error).toMatch(/client-secret or client-certificate/)
    expect(emulator.log.list({ service: 'graph' })).toEqual([])
  }, 120_000)

  it('that GitHub fails to issue: says so, with the audience and the permission to check', async () => {
    emulator = await startEmulator()
    emulator.faults.fail(500, { service: 'oidc' })
    const run = await provision(action, emulator, {}, { env: emulatorEnv(emulator) })
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    expect(error).toMatch(/GitHub did not issue an OIDC token for audience 'api:\/\/AzureADTokenExchange'/)
    expect(error).toMatch(/id-token: write/)
    expect(emulator.log.list({ service: 'graph' })).toEqual([])
  }, 120_000)

  it('whose subject matches no federated credential: prints the subject and the credential to add', async () => {
    const subject = 'repo:octo/demo:environment:production'
    emulator = await startEmulator({ oidc: { subject }, provisioning: { federatedSubject: 'repo:octo/demo:ref:refs/heads/main' } })
    const run = await provision(action, emulator, {}, { env: emulatorEnv(emulator) })
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    expect(error).toMatch(/AADSTS70021/)
    expect(error).toContain(`subject '${subject}'`)
    expect(error).toContain('issuer https://token.actions.githubusercontent.com')
    expect(error).toContain(`"subject":"${subject}"`)
    expect(error).toContain(emulator.provisioning.appId)
    expect(graphWrites(emulator)).toEqual([])
    expect(findLeaks(run, [emulator.oidc.requestToken])).toEqual([])
  }, 120_000)
})
