/**
 * Issue 16, point 7: once the rotated certificate is verified and stored, the rotation
 * stands. Removing old certificates and the last on-app check are best effort: their failure
 * is a warning, and the outputs and the connect script are written first, so later steps of
 * the job still connect with the new certificate.
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
  storedSecrets
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

const bed = endToEnd()

describe('a failure after the rotated certificate was stored', () => {

  it('removing an expired certificate fails: a warning; the rotation, outputs and connect script stand', async () => {
    // Two rotations: A (first run) → B; then A has expired and B is due, so the third run
    // adds C with addKey and has A to prune with a keyCredentials PATCH.
    const first = await provision(bed.action, bed.emulator, target.inputs)
    expectSucceeded(first)
    const appId = first.outputs['app-id']
    const a = first.outputs['certificate-thumbprint']
    bed.emulator.setKeyCredentialEndDate(appId, a, new Date(Date.now() + 10 * DAY_MS))
    const second = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope) })
    expectSucceeded(second)
    const b = second.outputs['certificate-thumbprint']
    bed.emulator.setKeyCredentialEndDate(appId, a, new Date(Date.now() - 1 * DAY_MS))
    bed.emulator.setKeyCredentialEndDate(appId, b, new Date(Date.now() + 10 * DAY_MS))

    bed.emulator.faults.fail(500, { service: 'graph', method: 'PATCH', path: /^\/v1\.0\/applications\// })
    const third = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope) })
    expectSucceeded(third)
    const c = third.outputs['certificate-thumbprint']
    expect(third.outputs.rotated).toBe('true')
    expect(third.outputs['connect-script']).toMatch(/\.ps1$/)
    expect(third.outputs['pfx-path']).toMatch(/\.pfx$/)
    expect(third.main.stdout).toMatch(/::warning::Could not remove the old certificates this action made: .*500.*The run's result stands; the next run tries again\./)
    expect(openStoredPfx(storedSecrets(bed.emulator, target.scope)).thumbprint).toBe(c)
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint).sort()).toEqual([a, b, c].sort())

    // The next run, with Graph working again, removes the expired one.
    bed.emulator.faults.clear()
    const fourth = await provision(bed.action, bed.emulator, { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope) })
    expectSucceeded(fourth)
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint).sort()).toEqual([b, c].sort())
  })
})
