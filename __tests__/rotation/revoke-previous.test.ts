/**
 * Issue 16, point 2: after a verified and stored rotation, this action's earlier
 * certificates come off the app (`revoke-previous`), so a leaked old PFX stops working
 * before it expires. By default only once the current certificate has been on the app for
 * the grace period (24 h), so jobs that started with the previous one finish.
 */
import { describe, expect, it } from '@jest/globals'
import {
  appKeyCredentials,
  DAY_MS,
  endToEnd,
  expectSucceeded,
  inputsFromSecrets,
  openStoredPfx,
  provision,
  REPOSITORY_TARGET,
  signsIn,
  storedSecrets
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

const bed = endToEnd()

describe('revoke-previous', () => {

  /** A first run, then its certificate made due: the next run rotates. */
  async function dueForRotation(): Promise<{ appId: string; oldThumbprint: string; old: { base64: string; password: string } }> {
    const first = await provision(bed.action, bed.emulator, target.inputs)
    expectSucceeded(first)
    const appId = first.outputs['app-id']
    const oldThumbprint = first.outputs['certificate-thumbprint']
    // As a year-old certificate would be: it started long before the one that replaces it
    // (X.509 dates have whole seconds, so two runs a moment apart could not be told apart).
    bed.emulator.setKeyCredentialEndDate(appId, oldThumbprint, new Date(Date.now() + 10 * DAY_MS)).startDateTime = new Date(Date.now() - 355 * DAY_MS).toISOString()
    const stored = storedSecrets(bed.emulator, target.scope)
    return { appId, oldThumbprint, old: { base64: stored.CERT_PFX_BASE64 ?? '', password: stored.CERT_PASSWORD ?? '' } }
  }

  it('0: the rotating run removes the previous certificate once the new one signed in and is stored', async () => {
    const { appId, old } = await dueForRotation()
    const rotation = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope), 'revoke-previous': '0' })
    expectSucceeded(rotation)
    const current = rotation.outputs['certificate-thumbprint']
    expect(rotation.outputs.rotated).toBe('true')
    expect(rotation.main.stdout).toMatch(/revoked: superseded/)
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint)).toEqual([current])
    expect(openStoredPfx(storedSecrets(bed.emulator, target.scope)).thumbprint).toBe(current)
    expect(await signsIn(bed.emulator, appId, old)).toBe(false)
  })

  it('0, but the new certificate did not sign in (verify: false): the previous one stays for a later run', async () => {
    const { appId, oldThumbprint, old } = await dueForRotation()
    const rotation = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope), 'revoke-previous': '0', verify: 'false' })
    expectSucceeded(rotation)
    expect(rotation.main.stdout).toMatch(/Keeping the previous certificates \(.+\) for now: the new certificate has not signed in yet in this run/)
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint).sort()).toEqual([oldThumbprint, rotation.outputs['certificate-thumbprint']].sort())
    expect(await signsIn(bed.emulator, appId, old)).toBe(true)
  })

  it('default (24 h): the rotating run keeps the previous certificate; a run after the grace revokes it', async () => {
    const { appId, oldThumbprint, old } = await dueForRotation()
    const rotation = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope) })
    expectSucceeded(rotation)
    const current = rotation.outputs['certificate-thumbprint']
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint).sort()).toEqual([oldThumbprint, current].sort())

    // The next scheduled run, still within the grace: nothing changes.
    const soon = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope) })
    expectSucceeded(soon)
    expect(JSON.parse(soon.outputs.changes)).toEqual([])
    expect(await signsIn(bed.emulator, appId, old)).toBe(true)

    // A run once the grace is over (here: a grace of 0 hours) revokes the older one, and only it.
    const later = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope), 'revoke-previous': '0' })
    expectSucceeded(later)
    expect(later.outputs.rotated).toBe('false')
    expect(JSON.parse(later.outputs.changes).map((change: { kind: string }) => change.kind)).toEqual(['revoke-previous-certificates'])
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint)).toEqual([current])
    expect(await signsIn(bed.emulator, appId, old)).toBe(false)
  })

  it("never: every earlier certificate stays until it expires", async () => {
    const { appId, oldThumbprint } = await dueForRotation()
    const rotation = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope), 'revoke-previous': 'never' })
    expectSucceeded(rotation)
    const again = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope), 'revoke-previous': 'never' })
    expectSucceeded(again)
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint).sort()).toEqual([oldThumbprint, rotation.outputs['certificate-thumbprint']].sort())
  })
})
