/**
 * Issue 16, point 2: a scheduled rotation that lost its certificate inputs (pfx-base64 left
 * out, a misspelt secret name, which GitHub passes as '') must not mint and store a new
 * certificate on every run while the earlier ones stay valid. With a complete stored set and
 * an empty certificate input, the run stops before any write and says which inputs to pass;
 * `repair: true` allows it. A pair that is given but does not open is what an interrupted run
 * leaves behind (reliability's crash scenarios): that one is still repaired.
 */
import { describe, expect, it } from '@jest/globals'
import {
  appKeyCredentials,
  DAY_MS,
  endToEnd,
  errorsOf,
  expectSucceeded,
  graphWrites,
  inputsFromSecrets,
  openStoredPfx,
  provision,
  REPOSITORY_TARGET,
  storedSecrets,
  writesOfTheSix
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

const bed = endToEnd()

describe('a rotation run without a usable certificate, while the stored set is complete', () => {

  async function provisioned(): Promise<{ appId: string; thumbprint: string; before: ReturnType<typeof storedSecrets>; inputs: Record<string, string> }> {
    const first = await provision(bed.action, bed.emulator, target.inputs)
    expectSucceeded(first)
    const before = storedSecrets(bed.emulator, target.scope)
    // As the next weekly run finds them: created and stored a week ago (a set created within
    // the hour is a concurrent run's, see below).
    for (const [suffix, value] of Object.entries(before)) {
      bed.emulator.github.removeSecret(target.scope, `EXO_${suffix}`)
      bed.emulator.github.seedSecret(target.scope, `EXO_${suffix}`, value ?? '', new Date(Date.now() - 7 * DAY_MS))
    }
    bed.emulator.log.clear()
    bed.emulator.github.clearSecretWrites()
    return { appId: first.outputs['app-id'], thumbprint: first.outputs['certificate-thumbprint'], before, inputs: { ...target.inputs, ...inputsFromSecrets(bed.emulator, target.scope) } }
  }

  it.each<{ name: string; empty: string; change: (inputs: Record<string, string>) => Record<string, string> }>([
    { name: 'pfx-base64 and pfx-password left out', empty: 'pfx-base64', change: ({ 'pfx-base64': _left, 'pfx-password': _out, ...rest }) => rest },
    { name: 'a misspelt pfx-base64 secret (empty)', empty: 'pfx-base64', change: inputs => ({ ...inputs, 'pfx-base64': '' }) },
    { name: 'a misspelt pfx-password secret (empty)', empty: 'pfx-password', change: inputs => ({ ...inputs, 'pfx-password': '' }) }
  ])('$name: stops before any write, naming the inputs to pass and repair: true', async ({ empty, change }) => {
    const { appId, thumbprint, before, inputs } = await provisioned()
    const run = await provision(bed.action, bed.emulator, change(inputs))
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run)).toMatch(new RegExp(`already holds a complete set of secrets .*but this run was given no certificate: ${empty} is empty`))
    expect(errorsOf(run)).toContain('pfx-base64: ${{ secrets.EXO_CERT_PFX_BASE64 }} and pfx-password: ${{ secrets.EXO_CERT_PASSWORD }}')
    expect(errorsOf(run)).toContain('run once with repair: true')
    expect(run.main.stdout).not.toMatch(/Adding certificate/)
    expect(graphWrites(bed.emulator)).toEqual([])
    expect(writesOfTheSix(bed.emulator)).toEqual([])
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint)).toEqual([thumbprint])
    expect(storedSecrets(bed.emulator, target.scope)).toEqual(before)
  })

  it('repair: true makes and stores a new certificate', async () => {
    const { appId, thumbprint, inputs } = await provisioned()
    const { 'pfx-base64': _left, 'pfx-password': _out, ...withoutCertificate } = inputs
    const run = await provision(bed.action, bed.emulator, { ...withoutCertificate, repair: 'true' })
    expectSucceeded(run)
    expect(run.outputs.rotated).toBe('true')
    const stored = storedSecrets(bed.emulator, target.scope)
    expect(openStoredPfx(stored).thumbprint).toBe(run.outputs['certificate-thumbprint'])
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint).sort()).toEqual([thumbprint, run.outputs['certificate-thumbprint']].sort())
  })

  it('a pair that is given but does not open (a run cut off between the two writes) is repaired, with a warning', async () => {
    const { appId, thumbprint, inputs } = await provisioned()
    const run = await provision(bed.action, bed.emulator, { ...inputs, 'pfx-password': 'the password of another certificate' })
    expectSucceeded(run)
    expect(run.main.stdout).toContain("::warning::Input 'pfx-password' does not open the PFX in 'pfx-base64'")
    expect(run.outputs.rotated).toBe('true')
    expect(openStoredPfx(storedSecrets(bed.emulator, target.scope)).thumbprint).toBe(run.outputs['certificate-thumbprint'])
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint)).toContain(thumbprint)
  })

  it('a set another run stored minutes ago (two first runs started together) does not stop the second one', async () => {
    const first = await provision(bed.action, bed.emulator, target.inputs)
    expectSucceeded(first)
    const second = await provision(bed.action, bed.emulator, target.inputs)
    expectSucceeded(second)
    expect(openStoredPfx(storedSecrets(bed.emulator, target.scope)).thumbprint).toBe(second.outputs['certificate-thumbprint'])
  })

  it('a first run (nothing stored yet) needs no repair', async () => {
    const first = await provision(bed.action, bed.emulator, target.inputs)
    expectSucceeded(first)
  })
})
