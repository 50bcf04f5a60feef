/**
 * Issue 5: expired certificates this action made are removed, and only after the new
 * secrets are written; certificates the action did not make (portal uploads) are never
 * touched, expired or not; the certificate the run holds is never removed, even when the
 * app has already ended it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateCertificate } from '../../src/certificate/index.js'
import { actionKeyDisplayName } from '../../src/entra/key-credentials.js'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  appKeyCredentials,
  DAY_MS,
  expectSucceeded,
  inputsFromSecrets,
  leaksIn,
  openStoredPfx,
  provision,
  REPOSITORY_TARGET,
  secretMaterial,
  storedSecrets,
  THE_SIX
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

/** A certificate that ended `daysAgo` days ago, added to the app as `displayName`. */
function addCertificate(emulator: Emulator, appId: string, options: { daysAgo: number; actionMade: boolean; name: string }): string {
  const certificate = generateCertificate({
    subject: `CN=${options.name}`,
    keySize: 2048,
    validityDays: 30,
    encryption: 'aes256',
    friendlyName: options.name,
    now: new Date(Date.now() - (30 + options.daysAgo) * DAY_MS)
  })
  const app = emulator.tenant.applicationByAppId(appId)
  if (app === undefined) throw new Error(`no app ${appId}`)
  // Another pipeline's set: an expired certificate is no one's live one, so prune takes any set's.
  const displayName = options.actionMade ? actionKeyDisplayName('9f8e7d6c', certificate.thumbprint, certificate.notAfter) : `CN=${options.name}`
  app.keyCredentials.push(emulator.tenant.keyCredentialFromCertificate(certificate.derBase64, { displayName, visibleAt: 0 }))
  return certificate.thumbprint.toUpperCase()
}

describe('pruning expired certificates', () => {
  let action: BundledAction
  let emulator: Emulator
  let appId: string
  let first: ActionRun
  let failed: ActionRun
  let rotation: ActionRun
  let next: ActionRun
  const made: Record<string, string> = {}
  let onAppAfterFailure: string[]
  let onAppAfterRotation: string[]
  let order: Array<{ seq: number; what: string }>

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
    first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    appId = first.outputs['app-id']
    made.held = first.outputs['certificate-thumbprint']
    made.actionExpired = addCertificate(emulator, appId, { daysAgo: 3, actionMade: true, name: 'EXO Background Process' })
    made.foreignExpired = addCertificate(emulator, appId, { daysAgo: 200, actionMade: false, name: 'uploaded in the portal' })
    made.foreignValid = addCertificate(emulator, appId, { daysAgo: -100, actionMade: false, name: 'another team' })
    // The app has already ended the held certificate: the run must rotate, and must not prune it.
    emulator.setKeyCredentialEndDate(appId, made.held, new Date(Date.now() - 60_000))
    const inputs = { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) }

    // Secrets failing: nothing may be pruned either.
    emulator.github.failSecretWrites(422, Number.POSITIVE_INFINITY, { only: THE_SIX })
    failed = await provision(action, emulator, inputs)
    emulator.github.stopFailingSecretWrites()
    onAppAfterFailure = appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)

    emulator.log.clear()
    rotation = await provision(action, emulator, inputs)
    onAppAfterRotation = appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)
    order = emulator.log
      .list()
      .filter(entry => (entry.service === 'github' && entry.method !== 'GET') || (entry.service === 'graph' && entry.method === 'PATCH'))
      .map(entry => ({
        seq: entry.seq,
        what: entry.service === 'graph' ? 'key credentials PATCH' : /LEASE/.test(entry.path) ? `lease ${entry.method}` : `secret ${entry.method}`
      }))

    next = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
  })
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('prunes nothing when the secrets could not be written', () => {
    expect(failed.main.exitCode).toBe(1)
    expect(onAppAfterFailure.sort()).toEqual([made.held, made.actionExpired, made.foreignExpired, made.foreignValid].sort())
  })

  it('removes the expired certificate this action made, keeps foreign ones (even expired) and the held one', () => {
    expectSucceeded(rotation)
    expect(rotation.outputs.rotated).toBe('true')
    expect(onAppAfterRotation.sort()).toEqual([made.held, made.foreignExpired, made.foreignValid, rotation.outputs['certificate-thumbprint']].sort())
  })

  it('prunes only after every secret is written: lease, add, six PUTs, the prune, lease given back', () => {
    expect(order.map(step => step.what)).toEqual([
      'lease PUT',
      'key credentials PATCH',
      ...Array(6).fill('secret PUT'),
      'key credentials PATCH',
      'lease DELETE'
    ])
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(rotation.outputs['certificate-thumbprint'])
  })

  it('the run after it, holding the new certificate, removes the old one that has now expired, and keeps foreign ones', () => {
    expectSucceeded(next)
    expect(next.outputs.rotated).toBe('false')
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint).sort()).toEqual(
      [made.foreignExpired, made.foreignValid, rotation.outputs['certificate-thumbprint']].sort()
    )
  })

  it('never shows a secret', () => {
    const secrets = storedSecrets(emulator, target.scope)
    expect(
      leaksIn(
        [first, failed, rotation, next],
        secretMaterial([
          { pfxBase64: first.outputs['pfx-base64'], password: first.outputs['pfx-password'] },
          { pfxBase64: secrets.CERT_PFX_BASE64, password: secrets.CERT_PASSWORD }
        ])
      )
    ).toEqual([])
  })
})
