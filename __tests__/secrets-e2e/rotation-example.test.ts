/**
 * docs/examples/rotation.yml, run as written: its step's `with:` block, with
 * `${{ secrets.* }}` taken from what the bootstrap run stored in the emulated repository and
 * `${{ vars.* }}` / the token step pointed at the emulator. A week with nothing due must
 * write no secret and nothing to Graph; a week with the certificate due must rotate.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { projectRoot } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  appKeyCredentials,
  DAY_MS,
  expectSucceeded,
  graphWrites,
  leaksIn,
  openStoredPfx,
  PREFIX,
  provision,
  REPOSITORY_TARGET,
  secretMaterial,
  storedSecrets
} from './harness.js'

interface Step {
  uses?: string
  with?: Record<string, string | number | boolean>
}

function rotationStepInputs(): Record<string, string> {
  const workflow = parse(readFileSync(join(projectRoot, 'docs/examples/rotation.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }
  const step = Object.values(workflow.jobs)
    .flatMap(job => job.steps)
    .find(candidate => candidate.uses === 'org/exo-cba-action@v1')
  if (step?.with === undefined) throw new Error('docs/examples/rotation.yml has no step using the action')
  return Object.fromEntries(Object.entries(step.with).map(([name, value]) => [name, String(value)]))
}

/** Resolves the `${{ … }}` expressions the example uses, the way the runner would here. */
function resolveExpressions(inputs: Record<string, string>, emulator: Emulator, vars: Record<string, string>): Record<string, string> {
  const resolve = (expression: string): string => {
    const secret = /^secrets\.(\w+)$/.exec(expression)
    if (secret) return emulator.github.secretValue(REPOSITORY_TARGET.scope, secret[1]) ?? ''
    const variable = /^vars\.(\w+)$/.exec(expression)
    if (variable) {
      if (!(variable[1] in vars)) throw new Error(`rotation.yml uses vars.${variable[1]}, which this test does not know`)
      return vars[variable[1]]
    }
    if (expression === 'steps.secrets-token.outputs.token') return GITHUB_SEED.adminToken
    throw new Error(`rotation.yml uses \${{ ${expression} }}, which this test does not know`)
  }
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [name, value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expression: string) => resolve(expression))])
  )
}

describe('docs/examples/rotation.yml against the emulator', () => {
  let action: BundledAction
  let emulator: Emulator
  let vars: Record<string, string>

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
    vars = { TENANT: emulator.tenant.tenantId, EXO_PROVISIONING_CLIENT_ID: emulator.provisioning.appId }
  })
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('passes every stored secret back in', () => {
    const inputs = rotationStepInputs()
    expect(inputs).toMatchObject({
      'app-id': `\${{ secrets.${PREFIX}APP_ID }}`,
      'tenant-id': `\${{ secrets.${PREFIX}TENANT_ID }}`,
      organization: `\${{ secrets.${PREFIX}ORGANIZATION }}`,
      'pfx-base64': `\${{ secrets.${PREFIX}CERT_PFX_BASE64 }}`,
      'pfx-password': `\${{ secrets.${PREFIX}CERT_PASSWORD }}`
    })
  })

  it('after bootstrap, a week with nothing due writes no secret and nothing to Graph; a week with the certificate due rotates', async () => {
    const bootstrap = await provision(action, emulator, { 'tenant-id': vars.TENANT, ...REPOSITORY_TARGET.inputs })
    expectSucceeded(bootstrap)

    emulator.github.clearSecretWrites()
    emulator.log.clear()
    const quiet = await provision(action, emulator, { repository: REPOSITORY_TARGET.inputs.repository, ...resolveExpressions(rotationStepInputs(), emulator, vars) })
    expectSucceeded(quiet)
    expect(quiet.outputs.rotated).toBe('false')
    expect(emulator.github.secretWrites).toEqual([])
    expect(graphWrites(emulator)).toEqual([])

    emulator.setKeyCredentialEndDate(bootstrap.outputs['app-id'], bootstrap.outputs['certificate-thumbprint'], new Date(Date.now() + 10 * DAY_MS))
    const due = await provision(action, emulator, { repository: REPOSITORY_TARGET.inputs.repository, ...resolveExpressions(rotationStepInputs(), emulator, vars) })
    expectSucceeded(due)
    expect(due.outputs.rotated).toBe('true')
    const stored = storedSecrets(emulator, REPOSITORY_TARGET.scope)
    expect(openStoredPfx(stored).thumbprint).toBe(due.outputs['certificate-thumbprint'])
    expect(appKeyCredentials(emulator, due.outputs['app-id']).map(credential => credential.thumbprint).sort()).toEqual(
      [bootstrap.outputs['certificate-thumbprint'], due.outputs['certificate-thumbprint']].sort()
    )
    const secrets = secretMaterial([
      { pfxBase64: bootstrap.outputs['pfx-base64'], password: bootstrap.outputs['pfx-password'] },
      { pfxBase64: stored.CERT_PFX_BASE64, password: stored.CERT_PASSWORD }
    ])
    expect(leaksIn([bootstrap, quiet, due], secrets)).toEqual([])
  })
})
