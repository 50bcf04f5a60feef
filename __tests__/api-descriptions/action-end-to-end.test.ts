/**
 * Issue 13: the action's requests held to the publishers' descriptions. A first run, a
 * rotation (through addKey), a dry run and a no-op rerun send only requests the Graph v1.0
 * CSDL and GitHub's OpenAPI description accept; a malformed request is answered as the real
 * service answers it and makes `emulator.close()` fail unless the test declared it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { graph, provisioningToken } from '../emulator/helpers.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { DAY_MS, expectSucceeded, graphWrites, inputsFromSecrets, provision, REPOSITORY_TARGET } from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET

describe('first run, rotation, dry run and no-op rerun against the emulator', () => {
  let action: BundledAction
  let emulator: Emulator
  const runs: Record<'first' | 'rotation' | 'dryRun' | 'rerun', ActionRun | undefined> = { first: undefined, rotation: undefined, dryRun: undefined, rerun: undefined }
  let addKeyCalls = 0
  let rerunWrites: string[] = []

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
    runs.first = await provision(action, emulator, target.inputs)
    expectSucceeded(runs.first)
    // The app will stop accepting the held certificate in 10 days: the run rotates, proving possession with addKey.
    emulator.setKeyCredentialEndDate(runs.first.outputs['app-id'], runs.first.outputs['certificate-thumbprint'], new Date(Date.now() + 10 * DAY_MS))
    emulator.log.clear()
    runs.rotation = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope), 'rotate-before-days': '30' })
    addKeyCalls = emulator.log.list({ service: 'graph', path: /\/addKey$/ }).filter(entry => entry.status === 200).length
    runs.dryRun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope), 'dry-run': 'true' })
    emulator.log.clear()
    runs.rerun = await provision(action, emulator, { ...target.inputs, ...inputsFromSecrets(emulator, target.scope) })
    rerunWrites = graphWrites(emulator)
  }, 300_000)
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('all four runs succeed, the rotation through addKey and the rerun without a write', () => {
    for (const run of Object.values(runs)) expectSucceeded(run!)
    expect(runs.rotation!.outputs.rotated).toBe('true')
    expect(addKeyCalls).toBe(1)
    expect(runs.rerun!.outputs.rotated).toBe('false')
    expect(rerunWrites).toEqual([])
  })

  it('sent no request the Graph v1.0 CSDL or the GitHub REST description rejects', () => {
    expect(emulator.apiChecks.violations).toEqual([])
    expect(emulator.apiChecks.checked.graph).toBeGreaterThan(20)
    expect(emulator.apiChecks.checked.github).toBeGreaterThan(10)
    expect(emulator.apiChecks.summary()).toMatch(/^API descriptions: \d+ requests checked \(Graph v1\.0 CSDL \d+, GitHub REST OpenAPI \d+\), 0 violations\.$/)
  })
})

describe('a malformed request is caught', () => {
  it('Graph answers 400 BadRequest naming the rule, and close() fails listing it when no test declared it', async () => {
    const emulator = await startEmulator()
    const token = await provisioningToken(emulator)
    const res = await graph(emulator, token, 'PATCH', `/applications/${emulator.provisioning.objectId}`, {
      keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: 'AAAA', thumbprint: 'AB12' }]
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('BadRequest')
    expect(res.json.error.message).toMatch(/'keyCredentials\[0\]\.thumbprint' is not a property of microsoft\.graph\.keyCredential/)
    expect(emulator.apiChecks.violations).toEqual([expect.objectContaining({ service: 'graph', method: 'PATCH' })])
    await expect(emulator.close()).rejects.toThrow(/graph PATCH \/v1\.0\/applications\/[0-9a-f-]+: 'keyCredentials\[0\]\.thumbprint' is not a property/)
  })

  it('GitHub answers 422 "Invalid request." as GitHub does; declared with apiChecks.expect(), close() succeeds', async () => {
    const emulator = await startEmulator()
    emulator.apiChecks.expect(1)
    const res = await fetch(`${emulator.urls.github}/repos/${GITHUB_SEED.owner}/${GITHUB_SEED.repo}/actions/secrets/EXO_APP_ID`, {
      method: 'PUT',
      headers: { authorization: `token ${GITHUB_SEED.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ encrypted_value: 'c2VjcmV0' })
    })
    expect(res.status).toBe(422)
    expect(((await res.json()) as { message: string }).message).toBe('Invalid request.\n\n"key_id" wasn\'t supplied.')
    await expect(emulator.close()).resolves.toBeUndefined()
  })

  it('checks each $batch step on its own: the bad step answers 400, the others run', async () => {
    const emulator = await startEmulator()
    emulator.apiChecks.expect(1)
    const token = await provisioningToken(emulator)
    const res = await graph(emulator, token, 'POST', '/$batch', {
      requests: [
        { id: 'org', method: 'GET', url: '/organization?$select=id' },
        { id: 'typo', method: 'GET', url: "/roleManagement/directory/roleAssignments?$select=principalId,roleDefinitionIdd" }
      ]
    })
    const byId = Object.fromEntries((res.json.responses as Array<{ id: string; status: number; body: { error?: { message: string } } }>).map(r => [r.id, r]))
    expect(byId.org.status).toBe(200)
    expect(byId.typo.status).toBe(400)
    expect(byId.typo.body.error?.message).toMatch(/'roleDefinitionIdd' is not a property of microsoft\.graph\.unifiedRoleAssignment/)
    expect(emulator.apiChecks.violations).toEqual([expect.objectContaining({ batchStep: 'typo' })])
    // The envelope and both steps were checked.
    expect(emulator.apiChecks.checked.graph).toBe(3)
    const control = await fetch(`${emulator.urls.graph}/_emulator/api-checks`)
    expect(await control.json()).toMatchObject({ checked: { graph: 3, github: 0 }, expected: 1, violations: [{ batchStep: 'typo' }] })
    await emulator.close()
  })
})
