/**
 * `dry-run: true` (issue 4): read and plan only. Nothing is written anywhere: no Graph
 * write, no GitHub request (even with a secret target and a token), no file under
 * RUNNER_TEMP. The `changes` output is the plan and the summary shows it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { readdirSync } from 'node:fs'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { repositorySecretInputs } from '../../scripts/lib/emulated-run.js'
import { findLeaks } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { APP_NAME, explain, graphWrites, provision, resourceRows, secretsOfRun } from './provision-helpers.js'

let action: BundledAction
let emulator: Emulator | undefined

beforeAll(() => {
  action = new BundledAction()
})
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})
afterAll(() => action?.cleanup())

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => !entry.isDirectory())
    .map(entry => `${entry.parentPath}/${entry.name}`)
}

describe('dry-run on a fresh tenant', () => {
  it('plans everything and writes nothing anywhere', async () => {
    emulator = await startEmulator()
    const appsBefore = emulator.tenant.applications.size
    const run = await provision(action, emulator, { 'dry-run': 'true', ...repositorySecretInputs() }, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')

    expect(graphWrites(emulator)).toEqual([])
    expect(emulator.log.list({ service: 'github' })).toEqual([])
    expect(emulator.tenant.applications.size).toBe(appsBefore)
    expect(filesUnder(run.runnerTemp)).toEqual([])

    const changes = JSON.parse(run.outputs.changes) as Array<{ kind: string; uniqueName?: string; displayName?: string; signInAudience?: string }>
    expect(changes.map(c => c.kind)).toEqual([
      'create-app',
      'create-service-principal',
      'add-certificate',
      'grant-exchange-manage-as-app',
      'assign-directory-role'
    ])
    expect(changes[0]).toMatchObject({ displayName: APP_NAME, signInAudience: 'AzureADMyOrg', uniqueName: expect.stringMatching(/^exo-cba-/) })
    expect(run.outputs.rotated).toBe('false')
    // Nothing to connect with: no certificate, no script, no PFX.
    for (const name of ['pfx-base64', 'pfx-password', 'pfx-path', 'connect-script', 'certificate-thumbprint']) expect(run.outputs[name] ?? '').toBe('')

    expect(run.main.stdout).toMatch(/Plan \(dry run: nothing will be written\)/)
    expect(run.main.stdout).toMatch(/\+ create app "EXO Background Process"/)
    expect(run.summary).toMatch(/plan \(dry run, 5 changes\)/)
    expect([...resourceRows(run.summary).values()].map(row => row.after)).toEqual(['created', 'created', 'created', 'created', 'created'])
    expect(run.summary).toMatch(/nothing was written/i)
    expect(findLeaks(run, [emulator.oidc.requestToken])).toEqual([])
  }, 120_000)
})

describe('dry-run on a provisioned tenant', () => {
  it('plans nothing for a complete app whose held certificate is valid', async () => {
    emulator = await startEmulator()
    const first = await provision(action, emulator)
    expect(first.main.exitCode === 0 ? 'exit 0' : explain(first)).toBe('exit 0')
    emulator.log.clear()

    const run = await provision(
      action,
      emulator,
      { 'dry-run': 'true', 'pfx-base64': first.outputs['pfx-base64'], 'pfx-password': first.outputs['pfx-password'] },
      { skipPost: true }
    )
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(JSON.parse(run.outputs.changes)).toEqual([])
    expect(graphWrites(emulator)).toEqual([])
    expect(filesUnder(run.runnerTemp)).toEqual([])
    expect([...resourceRows(run.summary).values()].map(row => row.after)).toEqual(['present', 'present', 'present', 'present', 'present'])
    expect(findLeaks(run, secretsOfRun(first))).toEqual([])
  }, 120_000)

  it('plans a new certificate when the held one expires within rotate-before-days, and still writes nothing', async () => {
    emulator = await startEmulator()
    const first = await provision(action, emulator, { 'cert-validity-days': '40' })
    expect(first.main.exitCode === 0 ? 'exit 0' : explain(first)).toBe('exit 0')
    emulator.log.clear()

    // The held certificate has 40 days left; renew 45 days before expiry.
    const run = await provision(
      action,
      emulator,
      { 'dry-run': 'true', 'rotate-before-days': '45', 'pfx-base64': first.outputs['pfx-base64'], 'pfx-password': first.outputs['pfx-password'] },
      { skipPost: true }
    )
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect((JSON.parse(run.outputs.changes) as Array<{ kind: string; reason?: string }>)).toEqual([
      expect.objectContaining({ kind: 'add-certificate', reason: 'held-expiring' })
    ])
    expect(graphWrites(emulator)).toEqual([])
    expect(emulator.tenant.applicationByAppId(first.outputs['app-id'], true)?.keyCredentials).toHaveLength(1)
  }, 120_000)
})
