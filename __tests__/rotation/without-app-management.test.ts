/**
 * Issue 21 point 5: removing expired certificates and revoking superseded ones are
 * best-effort. A provisioning identity without Application.ReadWrite.* can still rotate
 * through addKey (proven by the certificate it holds; Graph asks no permission for that),
 * so the run rotates, leaves the old certificates on the app and says which permission
 * would let it remove them — instead of stopping before the rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateCertificate } from '../../src/certificate/index.js'
import { actionKeyDisplayName } from '../../src/entra/key-credentials.js'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { warningsOf } from '../provision/provision-helpers.js'
import {
  appKeyCredentials,
  DAY_MS,
  describeRun,
  expectSucceeded,
  graphWrites,
  inputsFromSecrets,
  openStoredPfx,
  provision,
  REPOSITORY_TARGET,
  storedSecrets
} from '../secrets-e2e/harness.js'

const target = REPOSITORY_TARGET
/** Everything this rotation needs except app management: reading apps, consent, roles, the organization. */
const WITHOUT_APP_MANAGEMENT = ['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'Organization.Read.All']

/** Takes back the provisioning identity's Graph permissions and grants only `keep` (an admin in the portal would). */
function limitProvisioningPermissions(emulator: Emulator, keep: string[]): void {
  const tenant = emulator.tenant
  const graph = tenant.graphServicePrincipal
  const identity = tenant.servicePrincipalById(tenant.provisioning.servicePrincipalId)!
  tenant.appRoleAssignments.splice(
    0,
    tenant.appRoleAssignments.length,
    ...tenant.appRoleAssignments.filter(assignment => !(assignment.principalId === identity.id && assignment.resourceId === graph.id))
  )
  for (const value of keep) tenant.grantAppRole(identity, graph, graph.appRoles.find(role => role.value === value)!.id, 0)
}

/** Expired certificates are pruned whichever pipeline's secret set made them. */
const ANOTHER_SECRET_SET = '5e7c0a11'

/** An expired certificate this action made, on the app. */
function addExpiredActionCertificate(emulator: Emulator, appId: string): string {
  const certificate = generateCertificate({
    subject: 'CN=EXO Background Process',
    keySize: 2048,
    validityDays: 30,
    encryption: 'aes256',
    friendlyName: 'EXO Background Process',
    now: new Date(Date.now() - 33 * DAY_MS)
  })
  const app = emulator.tenant.applicationByAppId(appId)!
  app.keyCredentials.push(
    emulator.tenant.keyCredentialFromCertificate(certificate.derBase64, { displayName: actionKeyDisplayName(ANOTHER_SECRET_SET, certificate.thumbprint, certificate.notAfter), visibleAt: 0 })
  )
  return certificate.thumbprint.toUpperCase()
}

describe('a rotation by an identity that may not manage apps', () => {
  let action: BundledAction
  let emulator: Emulator
  let appId: string
  let held: string
  let expired: string
  let rotation: ActionRun

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    appId = first.outputs['app-id']
    held = first.outputs['certificate-thumbprint']
    expired = addExpiredActionCertificate(emulator, appId)
    limitProvisioningPermissions(emulator, WITHOUT_APP_MANAGEMENT)
    emulator.log.clear()
    // The held certificate (365 days) is due under this policy; revoke-previous 0 would revoke it in this run.
    rotation = await provision(action, emulator, {
      ...target.inputs,
      ...inputsFromSecrets(emulator, target.scope),
      'cert-validity-days': '400',
      'rotate-before-days': '399',
      'revoke-previous': '0'
    })
  }, 240_000)
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('rotates: the new certificate is added with addKey, stored, and on the app', () => {
    expect(rotation.main.exitCode === 0 ? 'exit 0' : describeRun(rotation)).toBe('exit 0')
    expect(rotation.outputs.rotated).toBe('true')
    const added = rotation.outputs['certificate-thumbprint']
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(added)
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)).toContain(added)
    expect(graphWrites(emulator)).toEqual([`POST /v1.0/applications/${emulator.tenant.applicationByAppId(appId)!.id}/addKey`])
  })

  it('leaves the expired and the superseded certificate on the app', () => {
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint).sort()).toEqual(
      [held, expired, rotation.outputs['certificate-thumbprint']].sort()
    )
  })

  it('warns that it skipped them, naming the permission and how to grant it', () => {
    const warning = warningsOf(rotation).find(text => /expired certificates/.test(text))
    expect(warning).toBeDefined()
    expect(warning).toMatch(/remove the previous certificates/)
    expect(warning).toMatch(/Application\.ReadWrite\.All/)
    expect(warning).toMatch(/az ad app permission add --id /)
    expect(rotation.main.stdout).toMatch(/SKIPPED change the app registration and its service principal/)
  })
})
