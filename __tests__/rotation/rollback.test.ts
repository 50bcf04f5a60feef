/**
 * Issue 5: when writing the secrets fails during a rotation, the run fails with the
 * reason, the certificate it just added is taken off the app again, the old one stays on
 * the app (still signing in) and in the secrets (put back where some PUTs went through),
 * and the next run converges. A token or target GitHub refuses is found out when the run
 * asks for the provisioning lease, before the app is touched at all.
 */
import { afterEach, beforeAll, afterAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  appKeyCredentials,
  DAY_MS,
  errorsOf,
  expectSucceeded,
  inputsFromSecrets,
  LEASE,
  leaksIn,
  openStoredPfx,
  provision,
  provisionedApps,
  REPOSITORY_TARGET,
  secretMaterial,
  signsIn,
  storedSecrets,
  THE_SIX,
  writesOfTheSix
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

let action: BundledAction
beforeAll(() => {
  action = new BundledAction()
})
afterAll(() => action?.cleanup())

/** A provisioned app whose certificate the app ends in 10 days: the next run rotates. */
interface DueForRotation {
  first: ActionRun
  appId: string
  oldThumbprint: string
  oldSecrets: ReturnType<typeof storedSecrets>
  /** The inputs of the scheduled run: the stored secrets. */
  rotationInputs: Record<string, string>
}

async function dueForRotation(emulator: Emulator): Promise<DueForRotation> {
  const first = await provision(action, emulator, target.inputs)
  expectSucceeded(first)
  const appId = first.outputs['app-id']
  const oldThumbprint = first.outputs['certificate-thumbprint']
  emulator.setKeyCredentialEndDate(appId, oldThumbprint, new Date(Date.now() + 10 * DAY_MS))
  emulator.github.clearSecretWrites()
  return {
    first,
    appId,
    oldThumbprint,
    oldSecrets: storedSecrets(emulator, target.scope),
    rotationInputs: { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) }
  }
}

/** What must hold after any failed rotation: the old certificate is the one, everywhere. */
async function expectRolledBack(emulator: Emulator, due: DueForRotation, failed: ActionRun): Promise<void> {
  expect(failed.main.exitCode).toBe(1)
  expect(failed.outputs.rotated).toBeUndefined()
  // The new certificate was made and added (the log says so), then taken off again.
  const added = /Adding certificate ([0-9A-F]{40})/.exec(failed.main.stdout)
  expect(added).not.toBeNull()
  const newThumbprint = added?.[1] ?? ''
  expect(newThumbprint).not.toBe(due.oldThumbprint)
  expect(failed.main.stdout).toContain(`Removing the new certificate ${newThumbprint} from the app again`)
  expect(appKeyCredentials(emulator, due.appId).map(credential => credential.thumbprint)).toEqual([due.oldThumbprint])
  // The old certificate is still in the secrets, whole, and still signs in.
  const secrets = storedSecrets(emulator, target.scope)
  expect(secrets).toEqual(due.oldSecrets)
  expect(openStoredPfx(secrets).thumbprint).toBe(due.oldThumbprint)
  expect(await signsIn(emulator, due.appId, { base64: secrets.CERT_PFX_BASE64 ?? '', password: secrets.CERT_PASSWORD ?? '' })).toBe(true)
  expect(leaksIn([due.first, failed], secretMaterial([{ pfxBase64: secrets.CERT_PFX_BASE64, password: secrets.CERT_PASSWORD }]))).toEqual([])
  // The failed run gave the provisioning lease back, so the next run does not wait.
  expect(emulator.github.secretNames(target.scope)).not.toContain(LEASE)
}

/** What must hold when GitHub refused before any certificate work: nothing changed at all. */
async function expectUntouched(emulator: Emulator, due: DueForRotation, failed: ActionRun): Promise<void> {
  expect(failed.main.exitCode).toBe(1)
  expect(failed.outputs.rotated).toBeUndefined()
  expect(failed.main.stdout).not.toMatch(/Adding certificate/)
  expect(appKeyCredentials(emulator, due.appId).map(credential => credential.thumbprint)).toEqual([due.oldThumbprint])
  expect(emulator.github.secretWrites).toEqual([])
  const secrets = storedSecrets(emulator, target.scope)
  expect(secrets).toEqual(due.oldSecrets)
  expect(await signsIn(emulator, due.appId, { base64: secrets.CERT_PFX_BASE64 ?? '', password: secrets.CERT_PASSWORD ?? '' })).toBe(true)
}

/** The next run, with GitHub working again, rotates and stores a certificate that is on the app. */
async function expectConverges(emulator: Emulator, due: DueForRotation): Promise<void> {
  const rerun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
  expectSucceeded(rerun)
  expect(rerun.outputs.rotated).toBe('true')
  const secrets = storedSecrets(emulator, target.scope)
  expect(secrets.CERT_THUMBPRINT).toBe(rerun.outputs['certificate-thumbprint'])
  expect(openStoredPfx(secrets).thumbprint).toBe(rerun.outputs['certificate-thumbprint'])
  expect(appKeyCredentials(emulator, due.appId).map(credential => credential.thumbprint).sort()).toEqual(
    [due.oldThumbprint, rerun.outputs['certificate-thumbprint']].sort()
  )
  expect(leaksIn([rerun], secretMaterial([{ pfxBase64: secrets.CERT_PFX_BASE64, password: secrets.CERT_PASSWORD }]))).toEqual([])
}

describe('a secret write that fails during rotation', () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('GitHub failing every PUT (after retries): exit 1 with the reason, new certificate removed, old one kept', async () => {
    const due = await dueForRotation(emulator)
    emulator.github.failSecretWrites(502, Number.POSITIVE_INFINITY, { only: THE_SIX })
    const failed = await provision(action, emulator, due.rotationInputs)
    expect(errorsOf(failed)).toMatch(/GitHub failed to write secret EXO_\w+ to repository contoso\/exo-automation \(502/)
    expect(writesOfTheSix(emulator)).toEqual([])
    await expectRolledBack(emulator, due, failed)

    emulator.github.stopFailingSecretWrites()
    await expectConverges(emulator, due)
  })

  it('some PUTs going through before the failure: those secrets are put back to the old certificate', async () => {
    const due = await dueForRotation(emulator)
    // Two of the five first PUTs are refused for good (422 is not retried); three land, and
    // the thumbprint, always written last, is never sent.
    emulator.github.failSecretWrites(422, 2, { only: THE_SIX })
    const failed = await provision(action, emulator, due.rotationInputs)
    expect(errorsOf(failed)).toMatch(/GitHub refused to write secret EXO_\w+ to repository contoso\/exo-automation \(422\)/)
    expect(errorsOf(failed)).toMatch(/Not written: EXO_\w+, EXO_\w+\./)
    expect(writesOfTheSix(emulator)).not.toContain('EXO_CERT_THUMBPRINT')
    // Three went through with the new values, then those three were written back with the old ones.
    expect(writesOfTheSix(emulator)).toHaveLength(6)
    expect(failed.main.stdout).toMatch(/Restored (EXO_\w+, ){2}EXO_\w+ to the previous certificate/)
    await expectRolledBack(emulator, due, failed)

    await expectConverges(emulator, due)
  })
})

describe('a secret write that fails during rotation, and Graph refusing to take the new certificate off', () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('puts the secrets back first, then tries the certificate, and fails naming both causes', async () => {
    const due = await dueForRotation(emulator)
    // Two PUTs refused for good, three land; then removing the new certificate (a
    // keyCredentials PATCH; the rotation itself adds it with addKey, a POST) fails too.
    emulator.github.failSecretWrites(422, 2, { only: THE_SIX })
    emulator.faults.fail(500, { service: 'graph', method: 'PATCH', path: /^\/v1\.0\/applications\// })
    const failed = await provision(action, emulator, due.rotationInputs)
    expect(failed.main.exitCode).toBe(1)
    const errors = errorsOf(failed)
    expect(errors).toMatch(/GitHub refused to write secret EXO_\w+ to repository contoso\/exo-automation \(422\)/)
    expect(errors).toMatch(/Taking back this run's changes did not fully succeed:\n- take back "apply the plan": .*500/)
    // The secrets were put back before the certificate was tried: the old one is everywhere it was.
    expect(failed.main.stdout).toMatch(/Restored (EXO_\w+, ){2}EXO_\w+ to the previous certificate/)
    const secrets = storedSecrets(emulator, target.scope)
    expect(secrets).toEqual(due.oldSecrets)
    expect(await signsIn(emulator, due.appId, { base64: secrets.CERT_PFX_BASE64 ?? '', password: secrets.CERT_PASSWORD ?? '' })).toBe(true)
    // The new certificate is still on the app, beside the old one, named by no secret.
    const added = /Adding certificate ([0-9A-F]{40})/.exec(failed.main.stdout)?.[1] ?? ''
    expect(appKeyCredentials(emulator, due.appId).map(credential => credential.thumbprint).sort()).toEqual([due.oldThumbprint, added].sort())
    expect(emulator.github.secretNames(target.scope)).not.toContain(LEASE)

    // The next run, with Graph working again, rotates and stores a certificate that is on the app.
    emulator.faults.clear()
    const rerun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    expectSucceeded(rerun)
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(rerun.outputs['certificate-thumbprint'])
    expect(appKeyCredentials(emulator, due.appId).map(credential => credential.thumbprint)).toContain(rerun.outputs['certificate-thumbprint'])
  })
})

describe('a GitHub outage when the run asks for the lease, during rotation', () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('fails with the reason before adding a certificate; the next run converges', async () => {
    const due = await dueForRotation(emulator)
    emulator.github.failSecretWrites(502)
    const failed = await provision(action, emulator, due.rotationInputs)
    expect(errorsOf(failed)).toMatch(/GitHub failed to write secret EXO_LEASE to repository contoso\/exo-automation \(502/)
    await expectUntouched(emulator, due, failed)
    emulator.github.stopFailingSecretWrites()
    await expectConverges(emulator, due)
  })
})

describe('a token or target GitHub refuses, during rotation', () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it.each<{ name: string; inputs: Record<string, string>; message: RegExp }>([
    {
      name: '401: an unknown or revoked token',
      inputs: { 'github-token': 'github_pat_revoked_long_ago' },
      message: /GitHub rejected github-token \(401 Bad credentials\).*fine-grained personal access token with "Repository permissions → Secrets: Read and write"/
    },
    {
      name: "403: the workflow's GITHUB_TOKEN (ghs_…)",
      inputs: { 'github-token': GITHUB_SEED.workflowToken },
      message: /github-token may not read the Actions secrets public key of repository contoso\/exo-automation \(403 Resource not accessible by integration\)\. The workflow's GITHUB_TOKEN can never write Actions secrets/
    },
    {
      name: '404: a repository that does not exist',
      inputs: { repository: `${GITHUB_SEED.owner}/no-such-repo` },
      message: /GitHub answered 404 .* repository contoso\/no-such-repo: the repository contoso\/no-such-repo does not exist, or github-token cannot see it/
    },
    {
      name: '404: an environment the repository does not have',
      inputs: { 'secret-target': 'environment', 'secret-environment': 'staging' },
      message: /the repository contoso\/exo-automation has no environment 'staging'\. Create it under the repository's Settings → Environments, or correct secret-environment/
    }
  ])('$name → an actionable message before the app is touched', async ({ inputs, message }) => {
    const due = await dueForRotation(emulator)
    const failed = await provision(action, emulator, { ...due.rotationInputs, ...inputs })
    expect(errorsOf(failed)).toMatch(message)
    await expectUntouched(emulator, due, failed)
    expect(leaksIn([failed], ['github_pat_revoked_long_ago', GITHUB_SEED.workflowToken])).toEqual([])
  })
})

describe('a token GitHub refuses on the first run (nothing held yet)', () => {
  let emulator: Emulator
  beforeEach(async () => {
    emulator = await startEmulator()
  })
  afterEach(async () => {
    await emulator?.close()
  })

  it('stops before the tenant is touched (the target is checked before the first write), and the next run with a good token provisions', async () => {
    const failed = await provision(action, emulator, { ...target.inputs, 'github-token': GITHUB_SEED.workflowToken })
    expect(failed.main.exitCode).toBe(1)
    expect(errorsOf(failed)).toContain("The workflow's GITHUB_TOKEN can never write Actions secrets")
    expect(provisionedApps(emulator)).toEqual([])
    expect(emulator.log.list({ service: 'graph', kind: 'write' }).filter(entry => !/\$batch/.test(entry.path))).toEqual([])
    expect(storedSecrets(emulator, target.scope).CERT_PFX_BASE64).toBeUndefined()

    const rerun = await provision(action, emulator, target.inputs)
    expectSucceeded(rerun)
    const apps = provisionedApps(emulator)
    expect(apps).toHaveLength(1)
    expect(appKeyCredentials(emulator, apps[0].appId).map(credential => credential.thumbprint)).toEqual([rerun.outputs['certificate-thumbprint']])
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(rerun.outputs['certificate-thumbprint'])
  })

  it('some PUTs going through on the first run: the secrets it created are deleted again, so none names the removed certificate', async () => {
    emulator.github.failSecretWrites(422, 2, { only: THE_SIX })
    const failed = await provision(action, emulator, target.inputs)
    expect(failed.main.exitCode).toBe(1)
    // Three of the five first PUTs land; the thumbprint (last) is never sent.
    expect(writesOfTheSix(emulator)).toHaveLength(3)
    expect(failed.main.stdout).toMatch(/Deleted (EXO_\w+, ){2}EXO_\w+ again: this run had created them for the certificate it removed/)
    expect(emulator.github.secretNames(target.scope)).toEqual([])
    const apps = provisionedApps(emulator)
    expect(apps).toHaveLength(1)
    expect(appKeyCredentials(emulator, apps[0].appId)).toEqual([])

    const rerun = await provision(action, emulator, target.inputs)
    expectSucceeded(rerun)
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(rerun.outputs['certificate-thumbprint'])
  })
})
