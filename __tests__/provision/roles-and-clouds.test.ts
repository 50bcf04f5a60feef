/**
 * The `roles` and `cloud` inputs end to end (issue 4, INTERFACE.md): several roles or none
 * are assigned and verified as asked; a national cloud works through the authority-host
 * and graph-endpoint overrides (tokens for that cloud's resources, which the emulator
 * accepts) and the connect script names that cloud's Exchange environment.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { EXCHANGE_ADMINISTRATOR, MANAGE_AS_APP_ROLE_ID, explain, provision, resourceRows } from './provision-helpers.js'

const EXCHANGE_RECIPIENT_ADMINISTRATOR = '31392ffb-586c-42d1-9346-e59415a2cc4e'
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451'

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

function assignedRoles(e: Emulator, appId: string): string[] {
  const sp = e.tenant.servicePrincipalByAppId(appId, true)
  return e.tenant.roleAssignments.filter(a => a.principalId === sp?.id).map(a => `${a.roleDefinitionId} at ${a.directoryScopeId}`).sort()
}

describe('roles', () => {
  it('several roles, by name and by template id, are each assigned over the whole directory and verified', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { roles: `Exchange Recipient Administrator\n${GLOBAL_READER}` })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(assignedRoles(emulator, run.outputs['app-id'])).toEqual([`${EXCHANGE_RECIPIENT_ADMINISTRATOR} at /`, `${GLOBAL_READER} at /`].sort())
    expect(run.main.stdout).toMatch(/Verified: .*Exchange Recipient Administrator, Global Reader/)
    const rows = resourceRows(run.summary)
    expect(rows.get('Directory role: Exchange Recipient Administrator')?.after).toBe('created')
    expect(rows.get('Directory role: Global Reader')?.after).toBe('created')
  }, 120_000)

  it('none: no role is assigned, Exchange.ManageAsApp alone is granted and verified', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { roles: 'none' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(assignedRoles(emulator, run.outputs['app-id'])).toEqual([])
    const sp = emulator.tenant.servicePrincipalByAppId(run.outputs['app-id'], true)
    expect(emulator.tenant.appRoleAssignments.filter(a => a.principalId === sp?.id).map(a => a.appRoleId)).toEqual([MANAGE_AS_APP_ROLE_ID])
    expect(emulator.log.list({ service: 'graph', method: 'POST', path: /roleAssignments/ })).toEqual([])
    expect(run.main.stdout).toMatch(/Verified: the token for Exchange Online carries Exchange\.ManageAsApp \(/)
    expect([...resourceRows(run.summary).keys()].filter(name => name.startsWith('Directory role'))).toEqual([])
  }, 120_000)

  it('a role already assigned is left as it is; only the missing one is added', async () => {
    emulator = await startEmulator({ apps: [{ displayName: 'EXO Background Process', exchangeManageAsApp: true, directoryRoles: ['Exchange Administrator'] }] })
    const run = await provision(action, emulator, { roles: 'Exchange Administrator, Global Reader' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    const kinds = (JSON.parse(run.outputs.changes) as Array<{ kind: string; role?: { displayName: string } }>).map(c => c.role ? `${c.kind} ${c.role.displayName}` : c.kind)
    expect(kinds).toEqual(['set-required-resource-access', 'assign-directory-role Global Reader', 'add-certificate'])
    expect(assignedRoles(emulator, run.outputs['app-id'])).toEqual([`${EXCHANGE_ADMINISTRATOR} at /`, `${GLOBAL_READER} at /`].sort())
    expect(emulator.log.list({ service: 'graph', method: 'POST', path: /appRoleAssignedTo/ })).toEqual([])
  }, 120_000)
})

describe('cloud', () => {
  it('usgov (GCC High) with the emulator as authority-host and graph-endpoint: provisioned and verified, script for O365USGovGCCHigh', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { cloud: 'usgov', organization: 'contoso.onmicrosoft.us' }, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(run.main.stdout).toMatch(/Verified/)
    const script = readFileSync(run.outputs['connect-script'], 'utf8')
    expect(script).toContain('O365USGovGCCHigh')
    expect(script).not.toContain('O365Default')
  }, 120_000)
})
