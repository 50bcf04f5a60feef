/**
 * Issue 5: a new certificate that cannot sign in within verify-timeout-seconds. In a
 * rotation it comes off the app again and the previous certificate stays everywhere; on a
 * first run there is nothing to fall back to, so it is stored with a warning.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  appKeyCredentials,
  DAY_MS,
  errorsOf,
  expectSucceeded,
  inputsFromSecrets,
  LEASE,
  openStoredPfx,
  provision,
  REPOSITORY_TARGET,
  storedSecrets
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET
/** New certificates stay unknown to sign-in far longer than the run waits. */
const SLOW_KEYS = { keyCredentials: 60_000 }
const IMPATIENT = { 'verify-timeout-seconds': '1' }

let action: BundledAction
beforeAll(() => {
  action = new BundledAction()
})
afterAll(() => action?.cleanup())

describe('a new certificate that does not sign in within verify-timeout-seconds', () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('in a rotation: fails with the reason, takes the new certificate off, keeps the previous one and the secrets', async () => {
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    const appId = first.outputs['app-id']
    const oldThumbprint = first.outputs['certificate-thumbprint']
    emulator.setKeyCredentialEndDate(appId, oldThumbprint, new Date(Date.now() + 10 * DAY_MS))
    const before = storedSecrets(emulator, target.scope)

    emulator.faults.replicationLag(SLOW_KEYS)
    const rotation = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope), ...IMPATIENT })
    expect(rotation.main.exitCode).toBe(1)
    const added = /Adding certificate ([0-9A-F]{40})/.exec(rotation.main.stdout)?.[1]
    expect(added).toMatch(/^[0-9A-F]{40}$/)
    expect(errorsOf(rotation)).toMatch(new RegExp(`The new certificate ${added} could not sign in as app ${appId} within 1 s .*previous certificate and secrets were left as they were`))
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)).toEqual([oldThumbprint])
    expect(storedSecrets(emulator, target.scope)).toEqual(before)
    expect(emulator.github.secretNames(target.scope)).not.toContain(LEASE)
  })

  it('in a rotation whose held certificate has already expired on the app: stores the new one anyway (nothing to fall back to)', async () => {
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    const appId = first.outputs['app-id']
    const oldThumbprint = first.outputs['certificate-thumbprint']
    // The app stopped accepting the held certificate yesterday: jobs are already locked out.
    emulator.setKeyCredentialEndDate(appId, oldThumbprint, new Date(Date.now() - 1 * DAY_MS))

    emulator.faults.replicationLag(SLOW_KEYS)
    const rotation = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope), ...IMPATIENT })
    expectSucceeded(rotation)
    const thumbprint = rotation.outputs['certificate-thumbprint']
    expect(thumbprint).not.toBe(oldThumbprint)
    expect(rotation.main.stdout).toMatch(
      new RegExp(`::warning title=New certificate not verified yet::The new certificate ${thumbprint} did not sign in within 1 s .*the certificate this run was given \\(${oldThumbprint}\\) is expired or not on the app`)
    )
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)).toContain(thumbprint)
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(thumbprint)
  })

  it('on a first run: stores it anyway (nothing to fall back to) with a warning to verify later', async () => {
    emulator.faults.replicationLag(SLOW_KEYS)
    const first = await provision(action, emulator, { ...target.inputs, ...IMPATIENT })
    expectSucceeded(first)
    const thumbprint = first.outputs['certificate-thumbprint']
    expect(first.main.stdout).toMatch(new RegExp(`::warning title=New certificate not verified yet::The new certificate ${thumbprint} did not sign in within 1 s`))
    expect(appKeyCredentials(emulator, first.outputs['app-id']).map(credential => credential.thumbprint)).toEqual([thumbprint])
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(thumbprint)
  })
})
