/**
 * Issue 5, secrets: for each target (repository, environment, organization with each
 * visibility) the six secrets the action writes decrypt to exactly its outputs, and a rerun
 * with the stored secrets as inputs writes no secret and nothing to Graph.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  appKeyCredentials,
  expectSucceeded,
  graphWrites,
  inputsFromSecrets,
  LEASE,
  leaksIn,
  openStoredPfx,
  PREFIX,
  provision,
  SECRET_SUFFIXES,
  secretMaterial,
  storedSecrets,
  TARGETS,
  writesOfTheSix
} from './harness.js'

let action: BundledAction
beforeAll(() => {
  action = new BundledAction()
})
afterAll(() => action?.cleanup())

describe.each(TARGETS)('secret-target $label', target => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('writes the six secrets, decrypting to exactly the outputs; a rerun from them writes nothing', async () => {
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    const stored = storedSecrets(emulator, target.scope)
    expect(stored).toEqual({
      APP_ID: first.outputs['app-id'],
      TENANT_ID: first.outputs['tenant-id'],
      ORGANIZATION: first.outputs.organization,
      CERT_THUMBPRINT: first.outputs['certificate-thumbprint'],
      CERT_PFX_BASE64: first.outputs['pfx-base64'],
      CERT_PASSWORD: first.outputs['pfx-password']
    })
    // The outputs are real values, not empty strings that happen to match.
    expect(first.outputs['app-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(first.outputs.organization).toBe('contoso.onmicrosoft.com')
    expect(openStoredPfx(stored).thumbprint).toBe(first.outputs['certificate-thumbprint'])
    expect(appKeyCredentials(emulator, first.outputs['app-id']).map(c => c.thumbprint)).toContain(stored.CERT_THUMBPRINT)
    expect(writesOfTheSix(emulator).sort()).toEqual(SECRET_SUFFIXES.map(s => `${PREFIX}${s}`).sort())
    // The run took the provisioning lease first (in the same place) and gave it back.
    expect(emulator.github.secretWrites[0].name).toBe(LEASE)
    expect(emulator.github.secretNames(target.scope)).not.toContain(LEASE)

    if (target.scope.kind === 'organization') {
      const visibility = target.inputs['secret-visibility']
      for (const suffix of SECRET_SUFFIXES) {
        const metadata = emulator.github.secret(target.scope, `${PREFIX}${suffix}`)
        expect(metadata?.visibility).toBe(visibility)
        if (visibility === 'selected') expect(metadata?.selectedRepositoryIds).toEqual([GITHUB_SEED.otherRepositoryId])
      }
    }

    emulator.github.clearSecretWrites()
    emulator.log.clear()
    const rerun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    expectSucceeded(rerun)
    expect(emulator.github.secretWrites).toEqual([])
    expect(graphWrites(emulator)).toEqual([])
    expect(rerun.outputs.rotated).toBe('false')
    expect(rerun.outputs['certificate-thumbprint']).toBe(first.outputs['certificate-thumbprint'])
    expect(storedSecrets(emulator, target.scope)).toEqual(stored)

    expectNoLeaks([first, rerun], stored)
  })
})

describe('a rerun given only part of the stored secrets', () => {
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it('writes only the secret whose value it could not compare (organization not passed in)', async () => {
    const target = TARGETS[0]
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    emulator.github.clearSecretWrites()
    const { organization: _left, ...partial } = inputsFromSecrets(emulator, target.scope)
    const rerun = await provision(action, emulator, { ...target.inputs, ...partial })
    expectSucceeded(rerun)
    // GitHub cannot return a secret, so an input not given counts as "maybe different".
    // Writing it is a change to the secrets, so the run takes the lease for it.
    expect(emulator.github.secretWrites.map(write => write.name)).toEqual([LEASE, `${PREFIX}ORGANIZATION`])
    expect(emulator.github.secretNames(target.scope)).not.toContain(LEASE)
    expect(storedSecrets(emulator, target.scope).ORGANIZATION).toBe(first.outputs.organization)
  })
})

function expectNoLeaks(runs: ActionRun[], stored: ReturnType<typeof storedSecrets>): void {
  const secrets = secretMaterial([{ pfxBase64: stored.CERT_PFX_BASE64, password: stored.CERT_PASSWORD }])
  expect(secrets.length).toBeGreaterThan(3)
  expect(leaksIn(runs, secrets)).toEqual([])
}
