/**
 * Provision mode on a fresh tenant (issue 4): GitHub OIDC sign-in, everything created and
 * verified, outputs and summary per INTERFACE.md; then the weekly rerun with the held PFX
 * writes nothing. The bundled action runs as the runner runs it, against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, X509Certificate } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { findLeaks, type ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import {
  APP_NAME,
  EXCHANGE_ADMINISTRATOR,
  EXCHANGE_ONLINE_APP_ID,
  MANAGE_AS_APP_ROLE_ID,
  exchangeTokenClaims,
  explain,
  graphWrites,
  pemFromPfx,
  provision,
  resourceRows,
  secretsOfRun
} from './provision-helpers.js'

let action: BundledAction
let emulator: Emulator
let first: ActionRun

beforeAll(async () => {
  action = new BundledAction()
  emulator = await startEmulator()
  first = await provision(action, emulator, {}, { skipPost: true })
}, 120_000)
afterAll(async () => {
  await emulator?.close()
  action?.cleanup()
})

function ourApp() {
  const app = emulator.tenant.applicationByAppId(first.outputs['app-id'], true)
  if (app === undefined) throw new Error(`no app ${first.outputs['app-id']} in the emulator`)
  return app
}

describe('a fresh tenant, GitHub OIDC sign-in', () => {
  it('succeeds', () => {
    expect(first.main.exitCode === 0 ? 'exit 0' : explain(first)).toBe('exit 0')
  })

  it('signs in with the GitHub OIDC token, not a stored secret', () => {
    expect(emulator.log.list({ service: 'oidc' }).length).toBeGreaterThan(0)
  })

  it('creates one single-tenant app with a uniqueName that requests Exchange.ManageAsApp', () => {
    const ours = [...emulator.tenant.applications.values()].filter(app => app.displayName === APP_NAME)
    expect(ours).toHaveLength(1)
    const app = ourApp()
    expect(app.uniqueName).toMatch(/^exo-cba-exo-background-process-[0-9a-f]{8}$/)
    expect(app.signInAudience).toBe('AzureADMyOrg')
    expect(app.requiredResourceAccess).toEqual([
      { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccess: [{ id: MANAGE_AS_APP_ROLE_ID, type: 'Role' }] }
    ])
    // The caller owns what it creates: later runs with Application.ReadWrite.OwnedBy can change it.
    expect(app.owners).toContain(emulator.provisioning.servicePrincipalId)
  })

  it('creates the service principal, grants Exchange.ManageAsApp and assigns Exchange Administrator over the whole directory', () => {
    const sp = emulator.tenant.servicePrincipalByAppId(first.outputs['app-id'], true)
    expect(sp?.id).toBe(first.outputs['service-principal-id'])
    const grants = emulator.tenant.appRoleAssignments.filter(a => a.principalId === sp?.id)
    expect(grants.map(g => ({ resourceId: g.resourceId, appRoleId: g.appRoleId }))).toEqual([
      { resourceId: emulator.tenant.exchangeServicePrincipal.id, appRoleId: MANAGE_AS_APP_ROLE_ID }
    ])
    const roles = emulator.tenant.roleAssignments.filter(a => a.principalId === sp?.id)
    expect(roles.map(r => ({ roleDefinitionId: r.roleDefinitionId, directoryScopeId: r.directoryScopeId }))).toEqual([
      { roleDefinitionId: EXCHANGE_ADMINISTRATOR, directoryScopeId: '/' }
    ])
  })

  it('puts exactly one certificate on the app, marked as made by the action, the one in the outputs', () => {
    const keys = ourApp().keyCredentials
    expect(keys).toHaveLength(1)
    expect(keys[0].displayName).toMatch(/^exo-cba-action /)
    expect(keys[0].key).toBe(first.outputs['certificate-der-base64'])
    expect(keys[0].customKeyIdentifier).toBe(first.outputs['certificate-thumbprint'])
  })

  it('sets the app outputs and the organization discovered from /organization', () => {
    const app = ourApp()
    expect(first.outputs['app-object-id']).toBe(app.id)
    expect(first.outputs['tenant-id']).toBe(emulator.tenant.tenantId)
    // The emulated tenant's default domain is contoso.com: only the initial domain is right for -Organization.
    expect(first.outputs.organization).toBe('contoso.onmicrosoft.com')
    expect(emulator.log.list({ service: 'graph', path: /^\/v1\.0\/organization/ }).length).toBeGreaterThan(0)
  })

  it('sets the certificate outputs: thumbprint, expiry and DER of one certificate', () => {
    const der = Buffer.from(first.outputs['certificate-der-base64'], 'base64')
    const certificate = new X509Certificate(der)
    expect(first.outputs['certificate-thumbprint']).toBe(createHash('sha1').update(der).digest('hex').toUpperCase())
    expect(new Date(first.outputs['certificate-not-after']).getTime()).toBe(new Date(certificate.validTo).getTime())
    expect(first.outputs['certificate-not-after']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    expect(certificate.subject).toContain(`CN=${APP_NAME}`)
    expect(first.outputs.rotated).toBe('true')
  })

  it('sets the PFX outputs masked, holding the key of the certificate on the app', () => {
    const { 'pfx-base64': pfx, 'pfx-password': password } = first.outputs
    expect(first.main.masks).toEqual(expect.arrayContaining([pfx, password]))
    const pem = pemFromPfx(pfx, password)
    expect(new X509Certificate(pem.certificatePem).fingerprint.replace(/:/g, '')).toBe(first.outputs['certificate-thumbprint'])
    expect(existsSync(first.outputs['pfx-path'])).toBe(true)
  })

  it('writes the connect script for the app and the organization', () => {
    const script = readFileSync(first.outputs['connect-script'], 'utf8')
    expect(script).toContain(first.outputs['app-id'])
    expect(script).toContain('contoso.onmicrosoft.com')
    expect(script).toContain('Connect-ExchangeOnline')
  })

  it('reports the applied changes as JSON, in order', () => {
    const changes = JSON.parse(first.outputs.changes) as Array<{ kind: string }>
    expect(changes.map(c => c.kind)).toEqual([
      'create-app',
      'create-service-principal',
      'add-certificate',
      'grant-exchange-manage-as-app',
      'assign-directory-role'
    ])
  })

  it('verifies: the new certificate gets an Exchange Online token with Exchange.ManageAsApp and the role', async () => {
    expect(first.main.stdout).toMatch(/Verified: the token for Exchange Online carries Exchange\.ManageAsApp and Exchange Administrator/)
    const claims = await exchangeTokenClaims(emulator, first.outputs['app-id'], pemFromPfx(first.outputs['pfx-base64'], first.outputs['pfx-password']))
    expect(claims.roles).toContain('Exchange.ManageAsApp')
    expect(claims.wids).toContain(EXCHANGE_ADMINISTRATOR)
  })

  it('summarises each resource before → after, the certificate and the next steps', () => {
    const rows = resourceRows(first.summary)
    expect([...rows.entries()].map(([resource, row]) => `${resource}: ${row.after}`)).toEqual([
      'App registration: created',
      'Service principal: created',
      'Exchange.ManageAsApp permission + consent: created',
      'Directory role: Exchange Administrator: created',
      'Certificate: created'
    ])
    expect(first.summary).toContain(`\`${first.outputs['certificate-thumbprint']}\``)
    expect(first.summary).toMatch(/\| 36[45] \|/)
    expect(first.summary).toMatch(/Schedule this action/)
  })

  it('prints no secret anywhere', () => {
    const secrets = secretsOfRun(first, [emulator.oidc.requestToken])
    expect(secrets.length).toBeGreaterThan(3)
    expect(findLeaks(first, secrets)).toEqual([])
  })
})

describe('the rerun with the held PFX (the weekly run)', () => {
  let rerun: ActionRun
  let writesBefore: number

  beforeAll(async () => {
    emulator.log.clear()
    writesBefore = ourApp().keyCredentials.length
    rerun = await provision(action, emulator, {
      'app-id': first.outputs['app-id'],
      organization: first.outputs.organization,
      'pfx-base64': first.outputs['pfx-base64'],
      'pfx-password': first.outputs['pfx-password']
    })
  }, 120_000)

  it('succeeds and writes nothing to Graph', () => {
    expect(rerun.main.exitCode).toBe(0)
    expect(graphWrites(emulator)).toEqual([])
    expect(emulator.log.list({ service: 'graph', kind: 'read' }).length).toBeGreaterThan(0)
  })

  it("reports its Graph requests as the emulator saw them", () => {
    const reads = emulator.log.list({ service: 'graph', kind: 'read' }).length
    expect(rerun.main.stdout).toContain(`Graph requests: ${reads} reads, 0 writes, 0 retries.`)
    // Everything read in at most three round trips.
    expect(emulator.log.list({ service: 'graph' }).filter(entry => !entry.batch).length).toBeLessThanOrEqual(3)
  })

  it('keeps the same certificate, not rotated, with an empty plan', () => {
    expect(rerun.outputs['certificate-thumbprint']).toBe(first.outputs['certificate-thumbprint'])
    expect(rerun.outputs.rotated).toBe('false')
    expect(JSON.parse(rerun.outputs.changes)).toEqual([])
    expect(ourApp().keyCredentials).toHaveLength(writesBefore)
  })

  it('summarises every resource as present', () => {
    const rows = resourceRows(rerun.summary)
    expect(rows.size).toBe(5)
    for (const [resource, row] of rows) expect(`${resource}: ${row.after}`).toBe(`${resource}: present`)
  })

  it('prints no secret anywhere', () => {
    expect(findLeaks(rerun, secretsOfRun(rerun, [first.outputs['pfx-base64'], first.outputs['pfx-password']]))).toEqual([])
  })
})

describe('a rerun with the held PFX, finding the app by its uniqueName (no app-id)', () => {
  it('writes nothing and keeps the certificate', async () => {
    emulator.log.clear()
    const run = await provision(action, emulator, {
      'pfx-base64': first.outputs['pfx-base64'],
      'pfx-password': first.outputs['pfx-password']
    })
    expect(run.main.exitCode).toBe(0)
    expect(run.outputs['app-id']).toBe(first.outputs['app-id'])
    expect(run.outputs['certificate-thumbprint']).toBe(first.outputs['certificate-thumbprint'])
    expect(graphWrites(emulator)).toEqual([])
  }, 120_000)
})
