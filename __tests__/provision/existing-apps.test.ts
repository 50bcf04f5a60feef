/**
 * Provision mode with apps that already exist (issue 4): one made by hand in the portal is
 * adopted and its own certificate kept; two apps with the same name stop the run before
 * any write; `app-id` targets exactly that app; an unknown `app-id` is named in the error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { findLeaks } from '../../scripts/lib/local-runner.js'
import { makeCertificate } from '../emulator/helpers.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  APP_NAME,
  EXCHANGE_ADMINISTRATOR,
  EXCHANGE_ONLINE_APP_ID,
  MANAGE_AS_APP_ROLE_ID,
  errorsOf,
  explain,
  graphWrites,
  provision,
  resourceRows,
  secretsOfRun
} from './provision-helpers.js'

const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'
const USER_READ = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'

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

describe('an app made by hand in the portal (no uniqueName, a certificate of its own)', () => {
  it('is adopted by display name; its certificate and API permissions are kept, ours is added beside them', async () => {
    const portalCertificate = makeCertificate({ subject: 'made in the portal' })
    const portalAccess = { resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [{ id: USER_READ, type: 'Scope' }] }
    emulator = await startEmulator({
      apps: [{ displayName: APP_NAME, certificates: [portalCertificate.certPem], requiredResourceAccess: [portalAccess] }]
    })
    const portalApp = [...emulator.tenant.applications.values()].find(a => a.displayName === APP_NAME)!
    const portalKey = portalApp.keyCredentials[0]

    const run = await provision(action, emulator, {}, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')

    // Adopted, not a second app.
    expect([...emulator.tenant.applications.values()].filter(a => a.displayName === APP_NAME)).toHaveLength(1)
    expect(run.outputs['app-id']).toBe(portalApp.appId)
    expect(portalApp.uniqueName).toBeNull()
    expect(graphWrites(emulator).filter(w => /uniqueName=/.test(w))).toEqual([])

    // Its certificate is still there, with its key; ours is beside it, marked.
    const keys = portalApp.keyCredentials
    expect(keys).toHaveLength(2)
    const kept = keys.find(k => k.keyId === portalKey.keyId)
    expect(kept).toMatchObject({ key: portalCertificate.base64Der, displayName: portalKey.displayName, endDateTime: portalKey.endDateTime })
    const ours = keys.find(k => k.keyId !== portalKey.keyId)
    expect(ours?.key).toBe(run.outputs['certificate-der-base64'])
    expect(ours?.displayName).toMatch(/^exo-cba-action /)

    // The portal's own API permission survives beside Exchange.ManageAsApp.
    expect(portalApp.requiredResourceAccess).toEqual([
      portalAccess,
      { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccess: [{ id: MANAGE_AS_APP_ROLE_ID, type: 'Role' }] }
    ])
    const rows = resourceRows(run.summary)
    expect(rows.get('App registration')?.after).toBe('present')
    expect(rows.get('Service principal')?.after).toBe('present')
    expect(run.main.stdout).toMatch(/Verified/)
    expect(findLeaks(run, secretsOfRun(run))).toEqual([])
  }, 120_000)
})

describe('two apps with the same display name', () => {
  it('stop the run with an error listing both appIds, before any write', async () => {
    emulator = await startEmulator({ apps: [{ displayName: APP_NAME }, { displayName: APP_NAME }] })
    const appIds = [...emulator.tenant.applications.values()].filter(a => a.displayName === APP_NAME).map(a => a.appId)
    expect(appIds).toHaveLength(2)

    const run = await provision(action, emulator)
    expect(run.main.exitCode).toBe(1)
    const errors = errorsOf(run).join('\n')
    for (const appId of appIds) expect(errors).toContain(appId)
    expect(errors).toMatch(/app-id/)
    expect(graphWrites(emulator)).toEqual([])
    expect(emulator.log.list({ service: 'github' })).toEqual([])
  }, 120_000)
})

describe("'app-id'", () => {
  it('targets that app, whatever its name, and leaves an app with the default name alone', async () => {
    emulator = await startEmulator({
      apps: [
        { displayName: 'Mailbox automation', servicePrincipal: false },
        { displayName: APP_NAME }
      ]
    })
    const target = [...emulator.tenant.applications.values()].find(a => a.displayName === 'Mailbox automation')!
    const other = [...emulator.tenant.applications.values()].find(a => a.displayName === APP_NAME)!

    const run = await provision(action, emulator, { 'app-id': target.appId }, { skipPost: true })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(run.outputs['app-id']).toBe(target.appId)
    expect(run.outputs['app-object-id']).toBe(target.id)
    const sp = emulator.tenant.servicePrincipalByAppId(target.appId, true)
    expect(sp?.id).toBe(run.outputs['service-principal-id'])
    expect(emulator.tenant.appRoleAssignments.some(a => a.principalId === sp?.id && a.appRoleId === MANAGE_AS_APP_ROLE_ID)).toBe(true)
    expect(emulator.tenant.roleAssignments.some(a => a.principalId === sp?.id && a.roleDefinitionId === EXCHANGE_ADMINISTRATOR)).toBe(true)
    expect(target.keyCredentials.map(k => k.key)).toEqual([run.outputs['certificate-der-base64']])
    expect(other.keyCredentials).toEqual([])
    expect(other.requiredResourceAccess).toEqual([])
    expect(emulator.tenant.applications.size).toBe(3) // the provisioning identity, the target, the other
  }, 120_000)

  it('that does not exist is named in the error, and nothing is written', async () => {
    emulator = await startEmulator()
    const unknown = '0d6b1a35-9f5e-4c1e-8a11-4b0f1f2c3d4e'
    const run = await provision(action, emulator, { 'app-id': unknown })
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toContain(unknown)
    expect(errorsOf(run).join('\n')).toMatch(/app-id/)
    expect(graphWrites(emulator)).toEqual([])
  }, 120_000)
})
