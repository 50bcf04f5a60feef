/**
 * The provisioning identity's Microsoft Graph permissions (issue 4): each missing one stops
 * the run with an error that names it and says how to grant it; the least-privilege set
 * (Application.ReadWrite.OwnedBy, AppRoleAssignment.ReadWrite.All,
 * RoleManagement.ReadWrite.Directory) is enough on a fresh tenant.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GRAPH_PERMISSION_IDS } from '../../src/entra/graph-errors.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { repositorySecretInputs } from '../../scripts/lib/emulated-run.js'
import { EXCHANGE_ADMINISTRATOR, MANAGE_AS_APP_ROLE_ID, errorsOf, explain, graphWrites, provision } from './provision-helpers.js'

const ALL = [
  'Application.ReadWrite.All',
  'Application.ReadWrite.OwnedBy',
  'AppRoleAssignment.ReadWrite.All',
  'RoleManagement.ReadWrite.Directory',
  'Organization.Read.All'
]
const without = (...missing: string[]): string[] => ALL.filter(permission => !missing.includes(permission))

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

async function runWith(graphPermissions: string[], inputs: Record<string, string> = {}) {
  emulator = await startEmulator({ provisioning: { graphPermissions } })
  const run = await provision(action, emulator, inputs)
  return { run, error: errorsOf(run).join('\n') }
}

/** The certificates on the one app the run created (none created: an empty list). */
function appCertificates(): string[] {
  const apps = [...emulator!.tenant.applications.values()].filter(app => app.appId !== emulator!.provisioning.appId)
  return apps.flatMap(app => app.keyCredentials.map(credential => credential.keyId))
}

/** The "how to grant it" part every permission error carries. */
const HOW_TO_GRANT = /API permissions → Add a permission → Microsoft Graph → Application permissions/

/** The az command that grants exactly this permission to this provisioning identity. */
function grantCommand(permission: keyof typeof GRAPH_PERMISSION_IDS): string {
  return `az ad app permission add --id ${emulator!.provisioning.appId} --api 00000003-0000-0000-c000-000000000000 --api-permissions ${GRAPH_PERMISSION_IDS[permission]}=Role`
}

describe('a missing Microsoft Graph permission is named', () => {
  it('no Application.ReadWrite.* (nor any app read permission)', async () => {
    const { run, error } = await runWith(without('Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'))
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(/Application\.ReadWrite\.OwnedBy.*or Application\.ReadWrite\.All/)
    expect(error).toMatch(HOW_TO_GRANT)
    expect(error).toContain(grantCommand('Application.ReadWrite.OwnedBy'))
    expect(graphWrites(emulator!)).toEqual([])
  }, 120_000)

  it('Application.Read.All only: reading works, creating the app is refused', async () => {
    const { run, error } = await runWith([...without('Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'), 'Application.Read.All'])
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(/refused PATCH \/applications/)
    expect(error).toMatch(/Application\.ReadWrite\.OwnedBy.*or Application\.ReadWrite\.All/)
    expect(error).toMatch(HOW_TO_GRANT)
  }, 120_000)

  it('AppRoleAssignment.ReadWrite.All', async () => {
    const { run, error } = await runWith(without('AppRoleAssignment.ReadWrite.All'))
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(/lacks the application permission AppRoleAssignment\.ReadWrite\.All/)
    expect(error).toMatch(/Exchange\.ManageAsApp/)
    expect(error).toMatch(HOW_TO_GRANT)
    expect(error).toContain(grantCommand('AppRoleAssignment.ReadWrite.All'))
  }, 120_000)

  it('RoleManagement.ReadWrite.Directory', async () => {
    const { run, error } = await runWith(without('RoleManagement.ReadWrite.Directory'))
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(/lacks the application permission RoleManagement\.ReadWrite\.Directory/)
    expect(error).toMatch(HOW_TO_GRANT)
    expect(error).toContain(grantCommand('RoleManagement.ReadWrite.Directory'))
    // The certificate is written beside the role assignment; the run failed, so no one will
    // ever hold its key: it does not stay on the app.
    expect(appCertificates()).toEqual([])
  }, 120_000)

  it('RoleManagement.ReadWrite.Directory, storing secrets: the certificate comes off and the lease is given back', async () => {
    const { run } = await runWith(without('RoleManagement.ReadWrite.Directory'), repositorySecretInputs())
    expect(run.main.exitCode).toBe(1)
    expect(appCertificates()).toEqual([])
    expect(emulator!.github.secretNames({ kind: 'repository', owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo })).toEqual([])
  }, 120_000)

  it("Organization.Read.All, when 'organization' is empty (and the way around it)", async () => {
    const { run, error } = await runWith(without('Organization.Read.All'))
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(/lacks the application permission Organization\.Read\.All/)
    expect(error).toMatch(/'organization'/)
    expect(error).toContain(grantCommand('Organization.Read.All'))
    expect(graphWrites(emulator!)).toEqual([])
  }, 120_000)
})

describe('least privilege', () => {
  it("Organization.Read.All is not needed when 'organization' is given", async () => {
    const { run } = await runWith(without('Organization.Read.All'), { organization: 'contoso.onmicrosoft.com' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(emulator!.log.list({ service: 'graph', path: /^\/v1\.0\/organization/ })).toEqual([])
    expect(run.outputs.organization).toBe('contoso.onmicrosoft.com')
  }, 120_000)

  it('Application.ReadWrite.OwnedBy + AppRoleAssignment.ReadWrite.All + RoleManagement.ReadWrite.Directory provision a fresh tenant', async () => {
    const { run } = await runWith(['Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory'], {
      organization: 'contoso.onmicrosoft.com'
    })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    const tenant = emulator!.tenant
    const app = tenant.applicationByAppId(run.outputs['app-id'], true)
    expect(app?.owners).toContain(tenant.provisioning.servicePrincipalId)
    expect(app?.keyCredentials.map(k => k.key)).toEqual([run.outputs['certificate-der-base64']])
    const sp = tenant.servicePrincipalByAppId(run.outputs['app-id'], true)
    expect(tenant.appRoleAssignments.some(a => a.principalId === sp?.id && a.appRoleId === MANAGE_AS_APP_ROLE_ID)).toBe(true)
    expect(tenant.roleAssignments.some(a => a.principalId === sp?.id && a.roleDefinitionId === EXCHANGE_ADMINISTRATOR)).toBe(true)
    expect(run.main.stdout).toMatch(/Verified/)
  }, 120_000)
})

describe('after a missing permission is granted', () => {
  it('the rerun finishes what the first run started, without a second app', async () => {
    const { run: first } = await runWith(without('AppRoleAssignment.ReadWrite.All'))
    expect(first.main.exitCode).toBe(1)
    const tenant = emulator!.tenant
    // The admin grants the permission; the next run's token carries it.
    const role = tenant.graphServicePrincipal.appRoles.find(r => r.value === 'AppRoleAssignment.ReadWrite.All')!
    tenant.grantAppRole(tenant.servicePrincipalById(tenant.provisioning.servicePrincipalId)!, tenant.graphServicePrincipal, role.id, 0)

    const second = await provision(action, emulator!)
    expect(second.main.exitCode === 0 ? 'exit 0' : explain(second)).toBe('exit 0')
    expect([...tenant.applications.values()].filter(a => a.displayName === 'EXO Background Process')).toHaveLength(1)
    const kinds = (JSON.parse(second.outputs.changes) as Array<{ kind: string }>).map(c => c.kind)
    expect(kinds).toEqual(['grant-exchange-manage-as-app', 'add-certificate'])
    const sp = tenant.servicePrincipalByAppId(second.outputs['app-id'], true)
    expect(tenant.appRoleAssignments.filter(a => a.principalId === sp?.id).map(a => a.appRoleId)).toEqual([MANAGE_AS_APP_ROLE_ID])
    expect(tenant.roleAssignments.filter(a => a.principalId === sp?.id)).toHaveLength(1)
  }, 120_000)
})

describe('Application.ReadWrite.OwnedBy and an app the identity does not own', () => {
  it('says to add it as an owner or grant Application.ReadWrite.All', async () => {
    emulator = await startEmulator({
      provisioning: { graphPermissions: ['Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory'] },
      apps: [{ displayName: 'EXO Background Process' }]
    })
    const run = await provision(action, emulator, { organization: 'contoso.onmicrosoft.com' })
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    expect(error).toMatch(/refused PATCH \/applications\//)
    expect(error).toMatch(/can only change apps it owns: add it as an owner of an existing app, grant Application\.ReadWrite\.All instead/)
  }, 120_000)
})
