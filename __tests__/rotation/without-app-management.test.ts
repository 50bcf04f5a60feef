/**
 * Issue 21 point 5: removing expired certificates and revoking superseded ones are
 * best-effort. A provisioning identity without Application.ReadWrite.* can still rotate
 * through addKey (proven by the certificate it holds; Graph asks no permission for that),
 * so the run rotates, leaves the old certificates on the app and says which permission
 * would let it remove them — instead of stopping before the rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateCertificate } from '../../src/certificate/index.js'
import { randomUUID } from 'node:crypto'
import { federatedCredentialDescription, federatedCredentialName } from '../../src/entra/federated-credentials.js'
import { actionKeyDisplayName, keyCredentialMaker } from '../../src/entra/key-credentials.js'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { warningsOf } from '../provision/provision-helpers.js'
import {
  appKeyCredentials,
  DAY_MS,
  describeRun,
  errorsOf,
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

/**
 * Takes app management away from the provisioning identity, then runs a rotation: the held
 * certificate (365 days) is due under this policy (validity 400, rotate-before 399).
 */
function rotateWithoutAppManagement(action: BundledAction, emulator: Emulator, revokePrevious: string): Promise<ActionRun> {
  limitProvisioningPermissions(emulator, WITHOUT_APP_MANAGEMENT)
  emulator.log.clear()
  return provision(action, emulator, {
    ...target.inputs,
    ...inputsFromSecrets(emulator, target.scope),
    'cert-validity-days': '400',
    'rotate-before-days': '399',
    'revoke-previous': revokePrevious
  })
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
    // revoke-previous 0 would revoke the held certificate in this run.
    rotation = await rotateWithoutAppManagement(action, emulator, '0')
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

  it('the summary says both are left on the app, not removed or revoked', () => {
    const summary = rotation.summary
    expect(summary).toMatch(
      new RegExp(`\\| \`${held}\` \\| this pipeline's \\(set [0-9a-f]{8}\\) \\| [0-9-]+ \\| left: superseded, but the provisioning identity may not remove it \\(Application\\.ReadWrite\\.All; see the warning\\) \\|`)
    )
    expect(summary).toMatch(
      new RegExp(`\\| \`${expired}\` \\| another pipeline's \\(set ${ANOTHER_SECRET_SET}\\) \\| [0-9-]+ \\| left: expired, but the provisioning identity may not remove it`)
    )
    expect(summary).toContain('The previous certificate stays on the app: the provisioning identity may not remove it (Application.ReadWrite.All)')
    expect(summary).not.toMatch(/revoked|removed \(expired\)/)
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

/**
 * A federated credential this pipeline made and no longer wants (it now uses a certificate)
 * must not stop the rotation either; but it never expires and lets its subject sign in to
 * Exchange Online, so the run tries to remove it last and, refused, fails naming it.
 */
describe('a rotation by an identity that may not manage apps, with a federated credential to remove', () => {
  const SUBJECT = 'repo:octo-org/exo-jobs:environment:retired'
  let action: BundledAction
  let emulator: Emulator
  let appId: string
  let rotation: ActionRun

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
    const first = await provision(action, emulator, target.inputs)
    expectSucceeded(first)
    appId = first.outputs['app-id']
    const app = emulator.tenant.applicationByAppId(appId)!
    const maker = keyCredentialMaker(app.keyCredentials[0])
    if (maker.kind !== 'action') throw new Error('the first run made no certificate with its secret set')
    // As this pipeline's earlier run with credential: federated left it.
    app.federatedIdentityCredentials.push({
      id: randomUUID(),
      name: federatedCredentialName(SUBJECT),
      issuer: 'https://token.actions.githubusercontent.com',
      subject: SUBJECT,
      audiences: ['api://AzureADTokenExchange'],
      description: federatedCredentialDescription([maker.secretSet]),
      visibleAt: 0
    })
    rotation = await rotateWithoutAppManagement(action, emulator, 'never')
  }, 240_000)
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('rotates: the new certificate is added with addKey, stored, and on the app', () => {
    expect(rotation.outputs.rotated).toBe('true')
    const added = rotation.outputs['certificate-thumbprint']
    expect(openStoredPfx(storedSecrets(emulator, target.scope)).thumbprint).toBe(added)
    expect(appKeyCredentials(emulator, appId).map(credential => credential.thumbprint)).toContain(added)
  })

  it('tries the removal last, after the rotation; refused, the credential stays and the job fails naming it and the command', () => {
    const app = emulator.tenant.applicationByAppId(appId)!
    const writes = graphWrites(emulator)
    expect(writes).toEqual([
      `POST /v1.0/applications/${app.id}/addKey`,
      `DELETE /v1.0/applications/${app.id}/federatedIdentityCredentials/${app.federatedIdentityCredentials[0].id}`
    ])
    expect(app.federatedIdentityCredentials.map(credential => credential.subject)).toEqual([SUBJECT])
    expect(rotation.main.exitCode).not.toBe(0)
    const errors = errorsOf(rotation)
    expect(errors).toContain(`${federatedCredentialName(SUBJECT)} (subject '${SUBJECT}')`)
    expect(errors).toContain(`az ad app federated-credential delete --id ${appId} --federated-credential-id ${app.federatedIdentityCredentials[0].id}`)
    expect(errors).toMatch(/Everything else in this run is done and stored/)
  })

  it('warns up front that the removal is tried last and fails the job if refused', () => {
    const warning = warningsOf(rotation).find(text => /tried last/.test(text))
    expect(warning).toMatch(/Application\.ReadWrite\.All \(or [^)]*\), needed to remove the federated credential for 'repo:octo-org\/exo-jobs:environment:retired'/)
  })
})
