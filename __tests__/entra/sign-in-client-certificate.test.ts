/**
 * Issue 16, point 8: a provisioning identity whose client-certificate is PEM with an
 * encrypted private key signs in, because its client-certificate-password reaches
 * @azure/identity. The emulated Entra ID verifies the client assertion's signature against
 * the certificate on the app, so a token proves the key was decrypted and used.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { provisionInputs } from '../../scripts/lib/emulated-run.js'
import { provisioningCredential } from '../../src/entra/sign-in.js'
import { readSettings, type Settings } from '../../src/settings.js'
import { claimsOf, makeCertificate } from '../emulator/helpers.js'
import { FakeInputs } from '../helpers/fake-inputs.js'

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default'
const PASSWORD = 'provisioning-key-password-0123456789'

let emulator: Emulator
const certificate = makeCertificate({ subject: 'provisioning identity (encrypted key)' })
const encryptedKey = certificate.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSWORD }).toString()
const runnerTemp = mkdtempSync(join(tmpdir(), 'exo-cba-sign-in-pem-'))

beforeAll(async () => {
  emulator = await startEmulator({ provisioning: { certificates: [certificate.certPem] } })
})
afterAll(async () => {
  await emulator?.close()
  rmSync(runnerTemp, { recursive: true, force: true })
})

function settingsWith(inputs: Record<string, string>): Settings {
  const source = new FakeInputs(provisionInputs(emulator, inputs))
  return readSettings(source, { RUNNER_TEMP: runnerTemp, GITHUB_REPOSITORY: 'octo/demo' }, new Date()).settings
}

describe('client-certificate PEM with an encrypted private key', () => {
  it('is what the test means: an encrypted PKCS#8 key with the certificate', () => {
    expect(encryptedKey).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
  })

  it('signs in with client-certificate-password and gets a Graph token for the provisioning identity', async () => {
    const settings = settingsWith({ 'client-certificate': encryptedKey + certificate.certPem, 'client-certificate-password': PASSWORD })
    const token = await provisioningCredential(settings).getToken(GRAPH_SCOPE)
    expect(token).not.toBeNull()
    const claims = claimsOf(token?.token ?? '')
    expect(claims.appid).toBe(emulator.provisioning.appId)
    expect(claims.aud).toBe('https://graph.microsoft.com')
  })
})
