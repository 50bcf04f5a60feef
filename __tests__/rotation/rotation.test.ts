/**
 * Issue 5, rotation that never locks anyone out: the scheduled run, given the stored
 * secrets, makes a new certificate when the app will stop accepting the held one within
 * rotate-before-days, adds it beside the old one, stores it, and leaves the old one on the
 * app until it expires, when a later run prunes it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  appKeyCredentials,
  DAY_MS,
  expectSucceeded,
  graphWrites,
  inputsFromSecrets,
  leaksIn,
  openStoredPfx,
  PREFIX,
  provision,
  REPOSITORY_TARGET,
  SECRET_SUFFIXES,
  secretMaterial,
  signsIn,
  storedSecrets,
  writesOfTheSix
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

describe("rotation with the certificate's end date on the app moved to 10 days ahead", () => {
  let action: BundledAction
  let emulator: Emulator
  let first: ActionRun
  let rotation: ActionRun
  let afterRotation: ActionRun
  let afterExpiry: ActionRun
  let oldSecrets: ReturnType<typeof storedSecrets>
  let newSecrets: ReturnType<typeof storedSecrets>
  let oldEnd: Date
  let appId: string
  let writesDuringRotation: string[]
  let graphWritesAfterRotation: string[]
  let onAppAfterRotation: ReturnType<typeof appKeyCredentials>
  let graphWritesAfterExpiry: string[]
  let secretWritesAfterExpiry: string[]
  let keyWritesDuringRotation: string[]

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
    first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    appId = first.outputs['app-id']
    oldSecrets = storedSecrets(emulator, target.scope)

    // What Entra enforces is the key credential's end date on the app.
    oldEnd = new Date(Date.now() + 10 * DAY_MS)
    emulator.setKeyCredentialEndDate(appId, first.outputs['certificate-thumbprint'], oldEnd)
    emulator.github.clearSecretWrites()
    emulator.log.clear()
    rotation = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope), 'rotate-before-days': '30' })
    keyWritesDuringRotation = emulator.log
      .list({ service: 'graph', kind: 'write' })
      .filter(entry => /^\/v1\.0\/applications\/[^/?]+(\/addKey)?$/.test(entry.path.split('?')[0]))
      .map(entry => `${entry.method} ${entry.path.split('?')[0].replace(/\/applications\/[^/]+/, '/applications/{id}')}`)
    writesDuringRotation = writesOfTheSix(emulator)
    newSecrets = storedSecrets(emulator, target.scope)
    onAppAfterRotation = appKeyCredentials(emulator, appId)

    emulator.github.clearSecretWrites()
    emulator.log.clear()
    afterRotation = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    graphWritesAfterRotation = graphWrites(emulator)

    // The old certificate's day has come: the next run removes it, and only it.
    emulator.setKeyCredentialEndDate(appId, first.outputs['certificate-thumbprint'], new Date(Date.now() - 60_000))
    emulator.log.clear()
    afterExpiry = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    graphWritesAfterExpiry = graphWrites(emulator)
    secretWritesAfterExpiry = emulator.github.secretWrites.map(write => write.name)
  })
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('makes a new certificate and says so in the outputs', () => {
    expectSucceeded(rotation)
    expect(rotation.outputs.rotated).toBe('true')
    expect(rotation.outputs['certificate-thumbprint']).toMatch(/^[0-9A-F]{40}$/)
    expect(rotation.outputs['certificate-thumbprint']).not.toBe(first.outputs['certificate-thumbprint'])
    expect(rotation.outputs['app-id']).toBe(appId)
  })

  it('adds the new certificate atomically with addKey, proven by the held one (no replace of the collection)', () => {
    expect(keyWritesDuringRotation).toEqual(['POST /v1.0/applications/{id}/addKey'])
  })

  it('stores the new certificate in all six secrets, decrypting to the outputs', () => {
    expect(writesDuringRotation.sort()).toEqual(SECRET_SUFFIXES.map(suffix => `${PREFIX}${suffix}`).sort())
    expect(newSecrets).toEqual({
      APP_ID: appId,
      TENANT_ID: rotation.outputs['tenant-id'],
      ORGANIZATION: rotation.outputs.organization,
      CERT_THUMBPRINT: rotation.outputs['certificate-thumbprint'],
      CERT_PFX_BASE64: rotation.outputs['pfx-base64'],
      CERT_PASSWORD: rotation.outputs['pfx-password']
    })
    expect(openStoredPfx(newSecrets).thumbprint).toBe(rotation.outputs['certificate-thumbprint'])
  })

  it('leaves the old certificate on the app beside the new one, with its end date untouched', () => {
    const old = onAppAfterRotation.find(credential => credential.thumbprint === first.outputs['certificate-thumbprint'])
    expect(old?.endDateTime).toBe(oldEnd.toISOString())
    expect(onAppAfterRotation.map(credential => credential.thumbprint).sort()).toEqual(
      [first.outputs['certificate-thumbprint'], rotation.outputs['certificate-thumbprint']].sort()
    )
  })

  it('shows old → new thumbprint and both expiries in the job summary (the old one as the app enforces it)', () => {
    const oldThumbprint = first.outputs['certificate-thumbprint']
    const newThumbprint = rotation.outputs['certificate-thumbprint']
    const day = (iso: string | Date) => new Date(iso).toISOString().slice(0, 10)
    const rotated = rotation.summary.split('\n').find(line => line.startsWith('Rotated:'))
    expect(rotated).toContain(`\`${oldThumbprint}\` (expires ${day(oldEnd)}`)
    expect(rotated).toContain(`→ \`${newThumbprint}\` (expires ${day(rotation.outputs['certificate-not-after'])}`)
  })

  it('a rerun with the new secrets changes nothing', () => {
    expectSucceeded(afterRotation)
    expect(afterRotation.outputs.rotated).toBe('false')
    expect(graphWritesAfterRotation).toEqual([])
  })

  it('once the old certificate has expired, the next run removes it and writes none of the six secrets', () => {
    expectSucceeded(afterExpiry)
    expect(afterExpiry.outputs.rotated).toBe('false')
    // Pruning rewrites the app's certificates, so it happens under the lease: that is all.
    expect(secretWritesAfterExpiry).toEqual([`${PREFIX}LEASE`])
    expect(graphWritesAfterExpiry).toHaveLength(1)
    expect(graphWritesAfterExpiry[0]).toMatch(/^PATCH \/v1\.0\/applications\//)
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)).toEqual([rotation.outputs['certificate-thumbprint']])
  })

  it('never shows a secret of either certificate', () => {
    const secrets = secretMaterial([
      { pfxBase64: oldSecrets.CERT_PFX_BASE64, password: oldSecrets.CERT_PASSWORD },
      { pfxBase64: newSecrets.CERT_PFX_BASE64, password: newSecrets.CERT_PASSWORD }
    ])
    expect(leaksIn([first, rotation, afterRotation, afterExpiry], secrets)).toEqual([])
  })
})

describe('the old certificate keeps signing in after a rotation', () => {
  let action: BundledAction
  let emulator: Emulator

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
  })
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('an everyday job that loaded the old PFX before the rotation can still get a token', async () => {
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    const appId = first.outputs['app-id']
    const oldPfx = { base64: first.outputs['pfx-base64'], password: first.outputs['pfx-password'] }
    expect(await signsIn(emulator, appId, oldPfx)).toBe(true)

    emulator.setKeyCredentialEndDate(appId, first.outputs['certificate-thumbprint'], new Date(Date.now() + 10 * DAY_MS))
    const rotation = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    expectSucceeded(rotation)
    expect(rotation.outputs.rotated).toBe('true')

    expect(await signsIn(emulator, appId, oldPfx)).toBe(true)
    expect(await signsIn(emulator, appId, { base64: rotation.outputs['pfx-base64'], password: rotation.outputs['pfx-password'] })).toBe(true)
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint).sort()).toEqual(
      [first.outputs['certificate-thumbprint'], rotation.outputs['certificate-thumbprint']].sort()
    )
  })
})
