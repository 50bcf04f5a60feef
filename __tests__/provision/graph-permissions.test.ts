/**
 * The provisioning identity's Microsoft Graph permissions (issues 4 and 13): a run that
 * cannot finish makes no Graph write at all, and one message names everything missing,
 * with the commands that grant it. Directory roles count as well as permissions; what the
 * token cannot show (custom roles) never blocks a run that would work.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js'
import { GRAPH_APPLICATION_PERMISSIONS } from '../../src/entra/graph-permissions.js'
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

async function runWith(graphPermissions: string[], inputs: Record<string, string> = {}, options: EmulatorOptions = {}) {
  emulator = await startEmulator({ ...options, provisioning: { graphPermissions, ...options.provisioning } })
  const run = await provision(action, emulator, inputs)
  return { run, error: errorsOf(run).join('\n') }
}

/** Apps other than the provisioning identity's own. */
function otherApps() {
  return [...emulator!.tenant.applications.values()].filter(app => app.appId !== emulator!.provisioning.appId)
}

/** The one az command that grants exactly these permissions to this provisioning identity. */
function grantCommand(...permissions: Array<keyof typeof GRAPH_APPLICATION_PERMISSIONS>): string {
  const ids = permissions.map(permission => `${GRAPH_APPLICATION_PERMISSIONS[permission]}=Role`).join(' ')
  return `az ad app permission add --id ${emulator!.provisioning.appId} --api 00000003-0000-0000-c000-000000000000 --api-permissions ${ids}`
}

const STOPPED = /cannot finish this run, so it stopped before changing anything in the tenant/

describe('a run that cannot finish writes nothing', () => {
  it('without Application.ReadWrite.* (nor any app read): the refused reads and the app permission, in one message', async () => {
    const { run, error } = await runWith(without('Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'))
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(STOPPED)
    expect(error).toMatch(/- Application\.ReadWrite\.OwnedBy \(or the [^)]*role\), needed to create the app "EXO Background Process", its service principal and its certificate/)
    expect(error).toMatch(/- Application\.Read\.All, needed to find the app and the Exchange Online service principal: Microsoft Graph refused GET \/applications/)
    // One grant covers both: Application.ReadWrite.OwnedBy reads apps too.
    expect(error).toContain(`${grantCommand('Application.ReadWrite.OwnedBy')} && az ad app permission admin-consent`)
    expect(graphWrites(emulator!)).toEqual([])
  }, 120_000)

  it('Application.Read.All only: reading works, the app permission is named before any write', async () => {
    const { run, error } = await runWith([...without('Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'), 'Application.Read.All'])
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(/- Application\.ReadWrite\.OwnedBy \(or the [^)]*role\), needed to create the app "EXO Background Process"; create the service principal of "EXO Background Process"; add the new certificate to "EXO Background Process"/)
    expect(graphWrites(emulator!)).toEqual([])
    expect(otherApps()).toEqual([])
  }, 120_000)

  it.each([
    ['AppRoleAssignment.ReadWrite.All', /- AppRoleAssignment\.ReadWrite\.All \(or the [^)]*role\), needed to grant Exchange\.ManageAsApp of Office 365 Exchange Online/],
    ['RoleManagement.ReadWrite.Directory', /- RoleManagement\.ReadWrite\.Directory \(or the Global Administrator or Privileged Role Administrator role\), needed to assign the directory role Exchange Administrator/],
    ['Organization.Read.All', /- Organization\.Read\.All, needed to discover the tenant's initial domain \(or pass 'organization'\): Microsoft Graph refused GET \/organization \(403\)/]
  ] as const)('without %s: 0 Graph writes, and it is named with its grant command', async (missing, named) => {
    const { run, error } = await runWith(without(missing))
    expect(run.main.exitCode).toBe(1)
    expect(error).toMatch(STOPPED)
    expect(error).toMatch(named)
    expect(error).toContain(grantCommand(missing))
    expect(error).toMatch(/New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId \$identity/)
    expect(graphWrites(emulator!)).toEqual([])
    expect(otherApps()).toEqual([])
    expect(run.summary).toMatch(/## Exchange Online app: stopped before any change/)
    expect(run.summary).toContain(`The provisioning identity lacks ${missing}`)
  }, 120_000)

  it('all of them missing at once: every one named in the same message, one command grants them all', async () => {
    const { run, error } = await runWith(['Application.Read.All'])
    expect(run.main.exitCode).toBe(1)
    // Certain: the refused organization read and role management (no custom role can hold it).
    // Not certain (it cannot read its own role assignments, so a custom role could be there),
    // but named and granted in the same go: managing the app and granting consent.
    for (const permission of ['Organization.Read.All', 'RoleManagement.ReadWrite.Directory', 'Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All']) {
      expect(error).toMatch(new RegExp(`^- ${permission.replace(/\./g, '\\.')}[ ,]`, 'm'))
    }
    expect(error).toMatch(/It may lack these too/)
    expect(error).toContain(grantCommand('Organization.Read.All', 'RoleManagement.ReadWrite.Directory', 'Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All'))
    expect(errorsOf(run)).toHaveLength(1)
    expect(graphWrites(emulator!)).toEqual([])
  }, 120_000)

  it('with a secret target: no secret, no lease, nothing in GitHub either', async () => {
    const { run } = await runWith(without('RoleManagement.ReadWrite.Directory'), repositorySecretInputs())
    expect(run.main.exitCode).toBe(1)
    expect(graphWrites(emulator!)).toEqual([])
    expect(emulator!.github.secretNames({ kind: 'repository', owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo })).toEqual([])
    expect(emulator!.log.list({ service: 'github', kind: 'write' })).toEqual([])
  }, 120_000)

  it('Application.ReadWrite.OwnedBy and an existing app it does not own: 0 writes; grant Application.ReadWrite.All or become its owner', async () => {
    emulator = await startEmulator({
      provisioning: { graphPermissions: ['Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory'] },
      apps: [{ displayName: 'EXO Background Process' }]
    })
    const run = await provision(action, emulator, { organization: 'contoso.onmicrosoft.com' })
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    const app = otherApps()[0]
    expect(error).toMatch(/- Application\.ReadWrite\.All, needed to request Exchange\.ManageAsApp on the app "EXO Background Process"/)
    expect(error).toContain(`it has Application.ReadWrite.OwnedBy, which covers only apps it owns, and it is not an owner of "EXO Background Process" (appId ${app.appId})`)
    expect(error).toContain(grantCommand('Application.ReadWrite.All'))
    expect(error).toContain(`az ad app owner add --id ${app.appId} --owner-object-id ${emulator.provisioning.servicePrincipalId}`)
    expect(graphWrites(emulator)).toEqual([])
  }, 120_000)

  it('a dry run prints the same verdict and fails the same way, writing nothing', async () => {
    const { run, error } = await runWith(without('RoleManagement.ReadWrite.Directory'), { 'dry-run': 'true' })
    expect(run.main.exitCode).toBe(1)
    expect(run.main.stdout).toMatch(/MISSING assign directory roles \(assign the directory role Exchange Administrator\)/)
    expect(run.main.stdout).toMatch(/ok {6}change the app registration and its service principal/)
    expect(error).toMatch(/could not finish this run: a real run would stop before changing anything in the tenant/)
    expect(run.summary).toMatch(/plan \(dry run/)
    expect(run.summary).toContain('A real run would stop before any write: the provisioning identity lacks RoleManagement.ReadWrite.Directory')
    expect(graphWrites(emulator!)).toEqual([])
  }, 120_000)
})

describe('directory roles count, and what the token cannot show never blocks', () => {
  it('Application Administrator + Privileged Role Administrator, with read permissions only: provisions a fresh tenant', async () => {
    const { run } = await runWith(['Application.Read.All', 'Organization.Read.All'], {}, {
      provisioning: { directoryRoles: ['Application Administrator', 'Privileged Role Administrator'] }
    })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(run.main.stdout).toMatch(/ok {6}change the app registration and its service principal .*: the Application Administrator role in its token/)
    expect(run.main.stdout).toMatch(/ok {6}assign directory roles .*: the Privileged Role Administrator role in its token/)
    expect(run.main.stdout).toMatch(/Verified/)
  }, 120_000)

  it('a custom role that manages apps: the preflight cannot tell, goes on, and the run succeeds', async () => {
    const { run } = await runWith(['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'Organization.Read.All'], {}, {
      tenant: {
        customDirectoryRoles: [
          { displayName: 'App registrar', allowedResourceActions: ['microsoft.directory/applications/createAsOwner', 'microsoft.directory/applications/allProperties/update', 'microsoft.directory/servicePrincipals/create'] }
        ]
      },
      provisioning: { directoryRoles: ['App registrar'] }
    })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(run.main.stdout).toMatch(/\? {7}change the app registration and its service principal .*custom or scoped/)
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

  it('Application.ReadWrite.OwnedBy on an existing app it owns: the ownership is read in the first round trip, and the run goes through', async () => {
    emulator = await startEmulator({
      provisioning: { graphPermissions: ['Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory'] }
    })
    emulator.tenant.seedApplication({ displayName: 'EXO Background Process', owners: [emulator.provisioning.servicePrincipalId] }, emulator.urls.oidc)
    const run = await provision(action, emulator, { organization: 'contoso.onmicrosoft.com' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(run.main.stdout).toMatch(/ok {6}change the app registration .*Application\.ReadWrite\.OwnedBy in its token, on an app it owns/)
    expect(emulator.log.list({ service: 'graph', path: /\/ownedObjects/ })).toEqual([expect.objectContaining({ batch: true, status: 200 })])
  }, 120_000)

  it('a fully permitted identity reads nothing extra about itself, and signs in once', async () => {
    const { run } = await runWith(ALL)
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(emulator!.log.list({ service: 'graph', path: /ownedObjects|roleAssignments\?\$filter=principalId%20eq%20%27/ }).map(e => e.path))
      .not.toContainEqual(expect.stringContaining(emulator!.provisioning.servicePrincipalId))
    // The preflight decodes the token the run signs in with: no second Graph token request.
    const graphTokens = emulator!.log.list({ service: 'login', path: /\/oauth2\/v2\.0\/token/ })
    expect(graphTokens.length).toBeLessThanOrEqual(2) // one for Graph, one for the verify sign-in to Exchange Online
  }, 120_000)
})

describe('a write that fails anyway, mid-apply', () => {
  it('the message and the summary list what was already changed and say that a rerun converges', async () => {
    emulator = await startEmulator()
    emulator.faults.fail(500, { service: 'graph', method: 'POST', path: /^\/v1\.0\/roleManagement\/directory\/roleAssignments/ })
    const run = await provision(action, emulator)
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    expect(error).toMatch(/Microsoft Graph answered 500/)
    expect(error).toMatch(/Already changed before the failure:\n\+ create app "EXO Background Process"/)
    expect(error).toMatch(/\+ create the service principal of app "EXO Background Process"/)
    expect(error).toMatch(/\+ grant Exchange\.ManageAsApp of Office 365 Exchange Online/)
    expect(error).not.toMatch(/\+ assign directory role/)
    expect(error).toMatch(/The new certificate [0-9A-F]{40} was added and taken off again/)
    expect(error).toMatch(/A rerun converges: it reads what is in place and does only what is missing\./)
    expect(run.summary).toMatch(/## Exchange Online app: stopped partway/)
    expect(run.summary).toMatch(/- \+ grant Exchange\.ManageAsApp of Office 365 Exchange Online/)
    expect(run.summary).toMatch(/- A rerun converges/)

    // It does converge: the fault is gone, the rerun finishes with only what was missing.
    emulator.faults.clear()
    const rerun = await provision(action, emulator)
    expect(rerun.main.exitCode === 0 ? 'exit 0' : explain(rerun)).toBe('exit 0')
    expect((JSON.parse(rerun.outputs.changes) as Array<{ kind: string }>).map(c => c.kind)).toEqual(['assign-directory-role', 'add-certificate'])
  }, 120_000)
})

describe('after a missing permission is granted', () => {
  it('the rerun does the whole first run, with one app', async () => {
    const { run: first } = await runWith(without('AppRoleAssignment.ReadWrite.All'))
    expect(first.main.exitCode).toBe(1)
    expect(otherApps()).toEqual([])
    const tenant = emulator!.tenant
    // The admin grants the permission; the next run's token carries it.
    const role = tenant.graphServicePrincipal.appRoles.find(r => r.value === 'AppRoleAssignment.ReadWrite.All')!
    tenant.grantAppRole(tenant.servicePrincipalById(tenant.provisioning.servicePrincipalId)!, tenant.graphServicePrincipal, role.id, 0)

    const second = await provision(action, emulator!)
    expect(second.main.exitCode === 0 ? 'exit 0' : explain(second)).toBe('exit 0')
    expect(otherApps().filter(a => a.displayName === 'EXO Background Process')).toHaveLength(1)
    const kinds = (JSON.parse(second.outputs.changes) as Array<{ kind: string }>).map(c => c.kind)
    expect(kinds).toEqual(['create-app', 'create-service-principal', 'add-certificate', 'grant-exchange-manage-as-app', 'assign-directory-role'])
  }, 120_000)
})
