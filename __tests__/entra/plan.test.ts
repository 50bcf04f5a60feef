import { describe, expect, it } from '@jest/globals'
import { UserError } from '../../src/errors.js'
import { secretSetOf } from '../../src/github/secret-set.js'
import {
  desiredStateFromSettings,
  planCertificate,
  planProvisioning,
  uniqueNameFor,
  withExchangeManageAsApp,
  type Change,
  type Plan
} from '../../src/entra/plan.js'
import type { TenantState } from '../../src/entra/tenant-state.js'
import { EXCHANGE_MANAGE_AS_APP_ROLE_ID, EXCHANGE_ONLINE_APP_ID } from '../../src/entra/well-known.js'
import type { Settings } from '../../src/settings.js'
import {
  APP_ID,
  APP_OBJECT_ID,
  certificate,
  completeSecurityAndComplianceTenant,
  completeTenant,
  credential,
  daysFromNow,
  desired,
  EXCHANGE_ADMIN,
  EXO_ENTRY,
  EXO_FULL_ACCESS_AS_APP,
  EXO_SP_ID,
  EOP_APP_ID,
  EOP_ENTRY,
  EOP_MANAGE_AS_APP,
  EOP_SP_ID,
  freshTenant,
  GLOBAL_READER,
  GRAPH_ENTRY,
  NOW,
  SECURITY_READER,
  SP_ID,
  withExchangeProtection
} from './plan-fixtures.js'

const kinds = (changes: Change[]): string[] => changes.map(change => change.kind)
const phaseKinds = (plan: Plan): string[][] => plan.phases.map(kinds)

/** A valid certificate on the app, held by this run: the steady state of a rerun. */
function steadyState() {
  const held = certificate('held', daysFromNow(200))
  const actual = completeTenant([credential(held, { keyId: 'k-held', actionMade: true })])
  return { held, actual }
}

describe('uniqueNameFor', () => {
  it('is a readable, stable slug with the exo-cba- prefix', () => {
    const name = uniqueNameFor('EXO Background Process')
    expect(name).toMatch(/^exo-cba-exo-background-process-[0-9a-f]{8}$/)
    expect(uniqueNameFor('EXO Background Process')).toBe(name)
    // Pinned: existing apps are found by it, so a change here would make every tenant a second app.
    expect(name).toBe('exo-cba-exo-background-process-56294593')
  })

  it('ignores case and surrounding spaces, so renaming the case keeps the same app', () => {
    expect(uniqueNameFor('  exo background PROCESS ')).toBe(uniqueNameFor('EXO Background Process'))
  })

  it('keeps names apart that slug alike', () => {
    expect(uniqueNameFor('EXO: Prod')).not.toBe(uniqueNameFor('EXO Prod'))
    expect(uniqueNameFor('EXO: Prod')).toMatch(/^exo-cba-exo-prod-/)
  })

  it.each([
    ['a very long name '.repeat(10)],
    ['Ünïcödé Prozess'],
    ['日本語のアプリ'],
    ["O'Brien's app (prod) / #1"],
    ['---']
  ])('stays within lower-case letters, digits and hyphens, at most 64 characters: %j', appName => {
    const name = uniqueNameFor(appName)
    expect(name).toMatch(/^exo-cba-[a-z0-9-]+$/)
    expect(name).not.toMatch(/--|-$/)
    expect(name.length).toBeLessThanOrEqual(64)
  })

  it('transliterates accents instead of dropping the letters', () => {
    expect(uniqueNameFor('Café Prozess')).toMatch(/^exo-cba-cafe-prozess-/)
  })

  it('rejects an empty name naming the input', () => {
    expect(() => uniqueNameFor('   ')).toThrow(UserError)
    expect(() => uniqueNameFor('   ')).toThrow(/app-name/)
  })
})

describe('planProvisioning: a fresh tenant', () => {
  const plan = planProvisioning(desired(), freshTenant(), NOW)

  it('creates everything, in apply order, with independent changes in parallel phases', () => {
    expect(phaseKinds(plan)).toEqual([
      ['create-app'],
      ['create-service-principal', 'add-certificate'],
      ['grant-exchange-manage-as-app', 'assign-directory-role']
    ])
    expect(plan.changes).toEqual(plan.phases.flat())
    expect(plan.prune).toBeUndefined()
  })

  it('creates a single-tenant app by uniqueName that already requests Exchange.ManageAsApp', () => {
    expect(plan.changes[0]).toEqual({
      kind: 'create-app',
      uniqueName: uniqueNameFor('EXO Background Process'),
      displayName: 'EXO Background Process',
      signInAudience: 'AzureADMyOrg',
      requiredResourceAccess: [EXO_ENTRY]
    })
    expect(kinds(plan.changes)).not.toContain('set-required-resource-access')
  })

  it('leaves ids that do not exist yet for apply to fill in', () => {
    const byKind = Object.fromEntries(plan.changes.map(change => [change.kind, change]))
    expect(byKind['create-service-principal']).toEqual({ kind: 'create-service-principal' })
    expect(byKind['grant-exchange-manage-as-app']).toEqual({
      kind: 'grant-exchange-manage-as-app',
      resourceId: EXO_SP_ID,
      appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID
    })
    expect(byKind['assign-directory-role']).toEqual({
      kind: 'assign-directory-role',
      role: { displayName: 'Exchange Administrator', templateId: EXCHANGE_ADMIN.templateId },
      directoryScopeId: '/'
    })
    expect(byKind['add-certificate']).toEqual({ kind: 'add-certificate', reason: 'none-held' })
  })

  it('records the state before for the summary', () => {
    expect(plan.app).toEqual({
      displayName: 'EXO Background Process',
      uniqueName: uniqueNameFor('EXO Background Process'),
      existed: false
    })
    expect(plan.servicePrincipal).toEqual({ existed: false })
    expect(plan.exchangeManageAsApp).toEqual({ requestedBefore: false, grantedBefore: false })
    expect(plan.roles).toEqual([{ displayName: 'Exchange Administrator', templateId: EXCHANGE_ADMIN.templateId, assignedBefore: false }])
  })
})

describe('planProvisioning: everything in place', () => {
  it('is an empty plan when the held certificate is valid and on the app', () => {
    const { held, actual } = steadyState()
    const plan = planProvisioning(desired({ held }), actual, NOW)
    expect(plan.changes).toEqual([])
    expect(plan.phases).toEqual([])
    expect(plan.prune).toBeUndefined()
    expect(plan.certificate).toMatchObject({ decision: 'keep-held', reason: 'held-valid' })
    expect(plan.app).toMatchObject({ existed: true, objectId: APP_OBJECT_ID, appId: APP_ID })
    expect(plan.servicePrincipal).toEqual({ id: SP_ID, existed: true })
    expect(plan.exchangeManageAsApp).toEqual({ requestedBefore: true, grantedBefore: true })
  })
})

describe('planProvisioning: an app made by hand in the portal', () => {
  const foreignExpired = certificate('portal cert, expired', daysFromNow(-100))
  const foreignValid = certificate('portal cert, valid', daysFromNow(100))
  const actual: TenantState = {
    ...freshTenant(),
    app: {
      objectId: APP_OBJECT_ID,
      appId: APP_ID,
      displayName: 'EXO Background Process',
      signInAudience: 'AzureADMyOrg',
      requiredResourceAccess: [GRAPH_ENTRY],
      keyCredentials: [
        credential(foreignExpired, { keyId: 'k-foreign-expired' }),
        credential(foreignValid, { keyId: 'k-foreign-valid' })
      ],
      foundBy: 'display-name'
    }
  }
  const plan = planProvisioning(desired(), actual, NOW)

  it('is adopted, not created, and keeps its other API permissions', () => {
    expect(kinds(plan.changes)).not.toContain('create-app')
    expect(plan.changes[0]).toEqual({
      kind: 'set-required-resource-access',
      appObjectId: APP_OBJECT_ID,
      requiredResourceAccess: [GRAPH_ENTRY, EXO_ENTRY]
    })
    expect(plan.app).toEqual({
      displayName: 'EXO Background Process',
      objectId: APP_OBJECT_ID,
      appId: APP_ID,
      existed: true,
      foundBy: 'display-name'
    })
  })

  it('gets a service principal, the grant, the role and a certificate of its own', () => {
    expect(phaseKinds(plan)).toEqual([
      ['set-required-resource-access'],
      ['create-service-principal', 'add-certificate'],
      ['grant-exchange-manage-as-app', 'assign-directory-role']
    ])
    expect(plan.changes).toContainEqual({ kind: 'create-service-principal', appId: APP_ID })
    expect(plan.changes).toContainEqual({ kind: 'add-certificate', reason: 'none-held', appObjectId: APP_OBJECT_ID })
  })

  it('never removes its own certificates, even expired ones', () => {
    expect(plan.prune).toBeUndefined()
    expect(kinds(plan.changes)).not.toContain('remove-expired-certificates')
  })
})

describe('withExchangeManageAsApp (requiredResourceAccess merge)', () => {
  const manageAsApp = { id: EXCHANGE_MANAGE_AS_APP_ROLE_ID, type: 'Role' }
  const fullAccess = { id: EXO_FULL_ACCESS_AS_APP, type: 'Role' }

  it.each([
    { name: 'nothing requested yet', before: [], after: [EXO_ENTRY] },
    { name: 'other resources only', before: [GRAPH_ENTRY], after: [GRAPH_ENTRY, EXO_ENTRY] },
    {
      name: 'an Exchange Online entry without the role',
      before: [GRAPH_ENTRY, { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccess: [fullAccess] }],
      after: [GRAPH_ENTRY, { resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccess: [fullAccess, manageAsApp] }]
    },
    {
      name: 'the role id requested as a delegated scope, not as an application role',
      before: [{ resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccess: [{ id: EXCHANGE_MANAGE_AS_APP_ROLE_ID, type: 'Scope' }] }],
      after: [
        {
          resourceAppId: EXCHANGE_ONLINE_APP_ID,
          resourceAccess: [{ id: EXCHANGE_MANAGE_AS_APP_ROLE_ID, type: 'Scope' }, manageAsApp]
        }
      ]
    }
  ])('adds the role to $name, keeping every other entry', ({ before, after }) => {
    const snapshot = structuredClone(before)
    expect(withExchangeManageAsApp(before)).toEqual(after)
    expect(before).toEqual(snapshot)
  })

  it('returns the same collection when the role is already requested (ids in any case)', () => {
    const existing = [
      GRAPH_ENTRY,
      {
        resourceAppId: EXCHANGE_ONLINE_APP_ID.toUpperCase(),
        resourceAccess: [fullAccess, { id: EXCHANGE_MANAGE_AS_APP_ROLE_ID.toUpperCase(), type: 'Role' }]
      }
    ]
    expect(withExchangeManageAsApp(existing)).toBe(existing)
  })

  it('plans no update when the app already requests it', () => {
    const { held, actual } = steadyState()
    actual.app!.requiredResourceAccess = [GRAPH_ENTRY, { ...EXO_ENTRY, resourceAccess: [{ id: EXO_FULL_ACCESS_AS_APP, type: 'Role' }, ...EXO_ENTRY.resourceAccess] }]
    expect(planProvisioning(desired({ held }), actual, NOW).changes).toEqual([])
  })
})

describe('planProvisioning: service principal, grant and roles', () => {
  it('creates a missing service principal, and then grants and assigns to it whatever the read listed', () => {
    const { held, actual } = steadyState()
    delete actual.servicePrincipal
    const plan = planProvisioning(desired({ held }), actual, NOW)
    expect(phaseKinds(plan)).toEqual([['create-service-principal'], ['grant-exchange-manage-as-app', 'assign-directory-role']])
    expect(plan.changes[0]).toEqual({ kind: 'create-service-principal', appId: APP_ID })
    for (const change of plan.changes.slice(1)) expect(change).not.toHaveProperty('principalId')
    expect(plan.exchangeManageAsApp.grantedBefore).toBe(false)
  })

  it.each([
    { name: 'present', assignment: { resourceId: EXO_SP_ID, appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID }, grant: false },
    {
      name: 'present with ids in upper case',
      assignment: { resourceId: EXO_SP_ID.toUpperCase(), appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID.toUpperCase() },
      grant: false
    },
    { name: 'another Exchange permission only', assignment: { resourceId: EXO_SP_ID, appRoleId: EXO_FULL_ACCESS_AS_APP }, grant: true },
    {
      name: 'the same role id on another resource',
      assignment: { resourceId: 'ffffffff-0000-4000-8000-000000000009', appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID },
      grant: true
    }
  ])('grant of Exchange.ManageAsApp: $name → grant planned: $grant', ({ assignment, grant }) => {
    const { held, actual } = steadyState()
    actual.appRoleAssignments = [assignment]
    const plan = planProvisioning(desired({ held }), actual, NOW)
    if (grant) {
      expect(plan.changes).toEqual([
        { kind: 'grant-exchange-manage-as-app', resourceId: EXO_SP_ID, appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID, principalId: SP_ID }
      ])
    } else {
      expect(plan.changes).toEqual([])
    }
    expect(plan.exchangeManageAsApp.grantedBefore).toBe(!grant)
  })

  it.each([
    { scope: '/', assign: false },
    { scope: '/administrativeUnits/5a2f0a5e-0000-4000-8000-000000000001', assign: true },
    { scope: `/${APP_ID}`, assign: true }
  ])('a role assigned at scope $scope → assignment planned: $assign', ({ scope, assign }) => {
    const { held, actual } = steadyState()
    actual.directoryRoleAssignments = [{ id: 'ra', roleDefinitionId: EXCHANGE_ADMIN.templateId, directoryScopeId: scope }]
    const plan = planProvisioning(desired({ held }), actual, NOW)
    expect(plan.changes).toEqual(
      assign
        ? [
            {
              kind: 'assign-directory-role',
              role: { displayName: 'Exchange Administrator', templateId: EXCHANGE_ADMIN.templateId },
              directoryScopeId: '/',
              principalId: SP_ID
            }
          ]
        : []
    )
    expect(plan.roles[0].assignedBefore).toBe(!assign)
  })

  it('assigns each requested role that is missing, in the requested order, once', () => {
    const { held, actual } = steadyState()
    actual.directoryRoleAssignments = [
      { roleDefinitionId: GLOBAL_READER.templateId.toUpperCase(), directoryScopeId: '/' },
      // Not requested: left alone.
      { roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/' }
    ]
    const roles = [SECURITY_READER, GLOBAL_READER, EXCHANGE_ADMIN, SECURITY_READER]
    const plan = planProvisioning(desired({ held, roles }), actual, NOW)
    expect(plan.changes.map(change => change.kind === 'assign-directory-role' && change.role.displayName)).toEqual([
      'Security Reader',
      'Exchange Administrator'
    ])
    expect(plan.roles.map(r => [r.displayName, r.assignedBefore])).toEqual([
      ['Security Reader', false],
      ['Global Reader', true],
      ['Exchange Administrator', false]
    ])
  })

  it('with roles: none, assigns nothing and leaves existing assignments alone', () => {
    const { held, actual } = steadyState()
    const plan = planProvisioning(desired({ held, roles: [] }), actual, NOW)
    expect(plan.changes).toEqual([])
    expect(plan.roles).toEqual([])

    const fresh = planProvisioning(desired({ roles: [] }), freshTenant(), NOW)
    expect(kinds(fresh.changes)).not.toContain('assign-directory-role')
    expect(phaseKinds(fresh)[2]).toEqual(['grant-exchange-manage-as-app'])
  })
})

describe('planCertificate', () => {
  const held = certificate('held', daysFromNow(200))
  const onApp = [credential(held, { keyId: 'k1', actionMade: true })]
  const hexBytes = Buffer.from(held.thumbprint, 'hex')

  it.each([
    { name: 'none held', heldCert: undefined, credentials: onApp, decision: 'add-new', reason: 'none-held' },
    { name: 'held and on the app', heldCert: held, credentials: onApp, decision: 'keep-held', reason: 'held-valid' },
    {
      name: 'held, matched by customKeyIdentifier as hex (no key read)',
      heldCert: held,
      credentials: [credential(held, { keyId: 'k1', withKey: false, customKeyIdentifier: held.thumbprint.toLowerCase() })],
      decision: 'keep-held',
      reason: 'held-valid'
    },
    {
      name: 'held, matched by customKeyIdentifier as base64 of the hash',
      heldCert: held,
      credentials: [credential(held, { keyId: 'k1', withKey: false, customKeyIdentifier: hexBytes.toString('base64') })],
      decision: 'keep-held',
      reason: 'held-valid'
    },
    {
      name: 'held, matched by customKeyIdentifier as base64 of the hex text',
      heldCert: held,
      credentials: [
        credential(held, { keyId: 'k1', withKey: false, customKeyIdentifier: Buffer.from(held.thumbprint).toString('base64') })
      ],
      decision: 'keep-held',
      reason: 'held-valid'
    },
    {
      name: 'held but not on the app',
      heldCert: held,
      credentials: [credential(certificate('other', daysFromNow(200)), { keyId: 'k2', actionMade: true })],
      decision: 'add-new',
      reason: 'held-not-on-app'
    },
    { name: 'held but the app has no certificates', heldCert: held, credentials: [], decision: 'add-new', reason: 'held-not-on-app' }
  ])('$name → $decision ($reason)', ({ heldCert, credentials, decision, reason }) => {
    const plan = planCertificate({ rotateBeforeDays: 30, ...(heldCert ? { held: heldCert } : {}) }, { keyCredentials: credentials }, NOW)
    expect(plan.decision).toBe(decision)
    expect(plan.reason).toBe(reason)
  })

  it.each([
    { daysLeft: 200, rotateBeforeDays: 30, decision: 'keep-held', reason: 'held-valid' },
    { daysLeft: 31, rotateBeforeDays: 30, decision: 'keep-held', reason: 'held-valid' },
    { daysLeft: 30, rotateBeforeDays: 30, decision: 'add-new', reason: 'held-expiring' },
    { daysLeft: 10, rotateBeforeDays: 30, decision: 'add-new', reason: 'held-expiring' },
    { daysLeft: 10, rotateBeforeDays: 5, decision: 'keep-held', reason: 'held-valid' },
    { daysLeft: -3, rotateBeforeDays: 0, decision: 'add-new', reason: 'held-expiring' }
  ])('held on the app with $daysLeft days left, rotate-before-days $rotateBeforeDays → $decision', ({ daysLeft, rotateBeforeDays, decision, reason }) => {
    const cert = certificate('aging', daysFromNow(daysLeft))
    const plan = planCertificate({ rotateBeforeDays, held: cert }, { keyCredentials: [credential(cert, { keyId: 'k', actionMade: true })] }, NOW)
    expect(plan).toEqual({
      decision,
      reason,
      rotateBeforeDays,
      held: { thumbprint: cert.thumbprint, notAfter: cert.notAfter.toISOString(), daysLeft, onApp: true }
    })
  })

  describe("the key credential's end date on the app (what Entra enforces)", () => {
    const longLived = certificate('long-lived', daysFromNow(300))
    const withAppEnd = (end: Date | string, keyId = 'k') => ({
      ...credential(longLived, { keyId, actionMade: true }),
      endDateTime: typeof end === 'string' ? end : end.toISOString()
    })

    it('rotates when the app ends the certificate within rotate-before-days, though the certificate itself runs on', () => {
      const plan = planCertificate({ rotateBeforeDays: 30, held: longLived }, { keyCredentials: [withAppEnd(daysFromNow(10))] }, NOW)
      expect(plan).toEqual({
        decision: 'add-new',
        reason: 'held-expiring',
        rotateBeforeDays: 30,
        held: {
          thumbprint: longLived.thumbprint,
          notAfter: daysFromNow(10).toISOString(),
          daysLeft: 10,
          onApp: true,
          appEndDateTime: daysFromNow(10).toISOString()
        }
      })
    })

    it('keeps the certificate when the app-side end date is beyond rotate-before-days', () => {
      const plan = planCertificate({ rotateBeforeDays: 30, held: longLived }, { keyCredentials: [withAppEnd(daysFromNow(45))] }, NOW)
      expect(plan).toMatchObject({ decision: 'keep-held', held: { daysLeft: 45, appEndDateTime: daysFromNow(45).toISOString() } })
    })

    it("uses the certificate's own notAfter when the app allows it longer", () => {
      const soon = certificate('short', daysFromNow(5))
      const credentials = [{ ...credential(soon, { keyId: 'k', actionMade: true }), endDateTime: daysFromNow(400).toISOString() }]
      const plan = planCertificate({ rotateBeforeDays: 30, held: soon }, { keyCredentials: credentials }, NOW)
      expect(plan).toEqual({
        decision: 'add-new',
        reason: 'held-expiring',
        rotateBeforeDays: 30,
        held: { thumbprint: soon.thumbprint, notAfter: soon.notAfter.toISOString(), daysLeft: 5, onApp: true }
      })
    })

    it('takes the later end date when the same certificate is on the app twice', () => {
      const plan = planCertificate(
        { rotateBeforeDays: 30, held: longLived },
        { keyCredentials: [withAppEnd(daysFromNow(3), 'k1'), withAppEnd(daysFromNow(100), 'k2')] },
        NOW
      )
      expect(plan).toMatchObject({ decision: 'keep-held', held: { daysLeft: 100 } })
    })

    it('rotates a certificate the app has already expired', () => {
      const plan = planCertificate({ rotateBeforeDays: 0, held: longLived }, { keyCredentials: [withAppEnd(daysFromNow(-1))] }, NOW)
      expect(plan).toMatchObject({ decision: 'add-new', reason: 'held-expiring', held: { daysLeft: -1 } })
    })

    it("falls back to the certificate's notAfter when the app-side end date cannot be read", () => {
      const plan = planCertificate({ rotateBeforeDays: 30, held: longLived }, { keyCredentials: [withAppEnd('not a date')] }, NOW)
      expect(plan).toMatchObject({ decision: 'keep-held', held: { daysLeft: 300, notAfter: longLived.notAfter.toISOString() } })
      expect(plan.decision === 'keep-held' ? Object.keys(plan.held) : []).not.toContain('appEndDateTime')
    })
  })

  it('has no app to be on when the app is not created yet', () => {
    expect(planCertificate({ rotateBeforeDays: 30, held }, undefined, NOW)).toMatchObject({ decision: 'add-new', reason: 'held-not-on-app' })
  })

  it.each([
    { name: 'expiring', heldCert: certificate('soon', daysFromNow(5)), onTheApp: true, reason: 'held-expiring' },
    { name: 'not on the app', heldCert: certificate('gone', daysFromNow(200)), onTheApp: false, reason: 'held-not-on-app' }
  ])('planProvisioning adds a certificate when the held one is $name, and nothing else', ({ heldCert, onTheApp, reason }) => {
    const actual = completeTenant(onTheApp ? [credential(heldCert, { keyId: 'k-held', actionMade: true })] : [])
    const plan = planProvisioning(desired({ held: heldCert }), actual, NOW)
    expect(plan.phases).toEqual([[{ kind: 'add-certificate', reason, appObjectId: APP_OBJECT_ID }]])
  })
})

describe('planProvisioning: pruning expired certificates', () => {
  const held = certificate('held', daysFromNow(200))
  const actionExpired1 = certificate('action expired 1', daysFromNow(-40))
  const actionExpired2 = certificate('action expired 2', daysFromNow(-1))
  const actionValid = certificate('action still valid', daysFromNow(3))
  const foreignExpired = certificate('foreign expired', daysFromNow(-400))
  const credentials = [
    credential(actionExpired1, { keyId: 'k-a1', actionMade: true }),
    credential(foreignExpired, { keyId: 'k-foreign' }),
    credential(held, { keyId: 'k-held', actionMade: true }),
    credential(actionValid, { keyId: 'k-valid', actionMade: true }),
    credential(actionExpired2, { keyId: 'k-a2', actionMade: true }),
    // Looks like ours by name-in-the-middle only: not ours.
    credential(certificate('lookalike', daysFromNow(-5)), { keyId: 'k-lookalike', displayName: 'my exo-cba-action copy' })
  ]
  const plan = planProvisioning(desired({ held }), completeTenant(credentials), NOW)

  it('removes only expired certificates this action made, last and outside the apply phases', () => {
    expect(plan.prune).toEqual({
      kind: 'remove-expired-certificates',
      appObjectId: APP_OBJECT_ID,
      keyIds: ['k-a1', 'k-a2'],
      certificates: [
        { keyId: 'k-a1', displayName: credentials[0].displayName, endDateTime: actionExpired1.notAfter.toISOString() },
        { keyId: 'k-a2', displayName: credentials[4].displayName, endDateTime: actionExpired2.notAfter.toISOString() }
      ]
    })
    expect(plan.phases).toEqual([])
    expect(plan.changes).toEqual([plan.prune])
  })

  it('never removes the certificate this run holds, even expired and made by this action', () => {
    const expiredHeld = certificate('held, expired', daysFromNow(-2))
    const result = planProvisioning(
      desired({ held: expiredHeld }),
      completeTenant([credential(expiredHeld, { keyId: 'k-held', actionMade: true })]),
      NOW
    )
    expect(result.prune).toBeUndefined()
    expect(result.certificate).toMatchObject({ decision: 'add-new', reason: 'held-expiring' })
  })

  it('keeps a certificate whose end date cannot be read', () => {
    const odd = { ...credential(actionExpired1, { keyId: 'k-odd', actionMade: true }), endDateTime: 'not a date' }
    expect(planProvisioning(desired({ held }), completeTenant([credential(held, { keyId: 'k-held', actionMade: true }), odd]), NOW).prune).toBeUndefined()
  })

  it('comes after the new certificate when both happen', () => {
    const result = planProvisioning(desired(), completeTenant(credentials), NOW)
    expect(kinds(result.changes)).toEqual(['add-certificate', 'remove-expired-certificates'])
    expect(phaseKinds(result)).toEqual([['add-certificate']])
  })
})

describe('planProvisioning: errors the user can act on', () => {
  it('says the tenant has no Exchange Online when its service principal is missing', () => {
    const actual = freshTenant()
    delete actual.exchangeOnline
    expect(() => planProvisioning(desired(), actual, NOW)).toThrow(UserError)
    expect(() => planProvisioning(desired(), actual, NOW)).toThrow(/no Exchange Online.*license/s)
  })

  it('says so when Exchange Online does not offer Exchange.ManageAsApp', () => {
    const actual = freshTenant()
    actual.exchangeOnline = { id: EXO_SP_ID, appRoles: [{ id: EXO_FULL_ACCESS_AS_APP, value: 'full_access_as_app' }] }
    expect(() => planProvisioning(desired(), actual, NOW)).toThrow(/does not offer the Exchange\.ManageAsApp/)
  })

  it('never creates an app for an app-id that was not found', () => {
    const attempt = () => planProvisioning(desired({ appId: APP_ID }), freshTenant(), NOW)
    expect(attempt).toThrow(UserError)
    expect(attempt).toThrow(new RegExp(`app-id ${APP_ID}`))
  })

  it('adopts the app found by app-id without creating one', () => {
    const { held, actual } = steadyState()
    expect(planProvisioning(desired({ appId: APP_ID, held }), actual, NOW).changes).toEqual([])
  })
})

describe('the plan as data', () => {
  const cases: Array<[string, () => Plan]> = [
    ['fresh tenant', () => planProvisioning(desired(), freshTenant(), NOW)],
    [
      'rotation with prune',
      () => {
        const soon = certificate('soon', daysFromNow(3))
        const old = certificate('old', daysFromNow(-3))
        return planProvisioning(
          desired({ held: soon, roles: [EXCHANGE_ADMIN, GLOBAL_READER] }),
          completeTenant([credential(soon, { keyId: 'k1', actionMade: true }), credential(old, { keyId: 'k0', actionMade: true })]),
          NOW
        )
      }
    ]
  ]

  it.each(cases)('%s: survives a JSON round trip unchanged', (_name, make) => {
    const plan = make()
    expect(plan.changes.length).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan)
  })

  it.each(cases)('%s: is the same every time, and does not change its inputs', (_name, make) => {
    expect(make()).toEqual(make())
    const { held, actual } = steadyState()
    const before = structuredClone(actual)
    planProvisioning(desired({ held }), actual, NOW)
    expect(actual).toEqual(before)
  })

  it('never carries the held certificate itself', () => {
    const held = certificate('held', daysFromNow(5))
    const plan = planProvisioning(desired({ held }), completeTenant([credential(held, { keyId: 'k', actionMade: true })]), NOW)
    expect(JSON.stringify(plan)).not.toContain(held.derBase64)
  })
})

describe('desiredStateFromSettings', () => {
  const secrets = { target: 'repository', prefix: 'EXO_', repository: { owner: 'contoso', repo: 'exo-jobs' } } as const

  it('takes the app, roles, certificate policy and secret set from the settings', () => {
    const held = certificate('held', daysFromNow(100))
    const settings = {
      app: { id: APP_ID, name: 'My EXO app' },
      roles: [GLOBAL_READER],
      rotateBeforeDays: 14,
      connectIppsSession: true,
      held,
      secrets
    } as unknown as Settings
    expect(desiredStateFromSettings(settings)).toEqual({
      app: { id: APP_ID, name: 'My EXO app' },
      roles: [GLOBAL_READER],
      securityAndCompliance: true,
      certificate: { rotateBeforeDays: 14, held, secretSet: secretSetOf(secrets) },
      // Repository secrets under the default prefix: the repository's own set (earlier versions' federated credentials).
      earlierFederatedCredentialsOf: { owner: 'contoso', repo: 'exo-jobs' }
    })
    const noneHeld = { app: { name: 'x' }, roles: [], rotateBeforeDays: 30, connectIppsSession: false, secrets } as unknown as Settings
    expect(desiredStateFromSettings(noneHeld)).toEqual({
      app: { name: 'x' },
      roles: [],
      securityAndCompliance: false,
      certificate: { rotateBeforeDays: 30, secretSet: secretSetOf(secrets) },
      earlierFederatedCredentialsOf: { owner: 'contoso', repo: 'exo-jobs' }
    })
  })
})

describe('planProvisioning: Security & Compliance (connect-ippssession)', () => {
  const grantOf = (plan: Plan) => plan.changes.find(change => change.kind === 'grant-security-and-compliance')
  const requestsOf = (access: Array<{ resourceAppId: string; resourceAccess: Array<{ id: string }> }>) =>
    access.map(entry => `${entry.resourceAppId}: ${entry.resourceAccess.map(a => a.id).join(',')}`)

  it('a fresh tenant: the app is created requesting both permissions, and both are granted', () => {
    const plan = planProvisioning(desired({ securityAndCompliance: true }), withExchangeProtection(freshTenant()), NOW)
    const create = plan.changes.find(change => change.kind === 'create-app')
    expect(create?.kind === 'create-app' ? requestsOf(create.requiredResourceAccess) : []).toEqual([
      `${EXCHANGE_ONLINE_APP_ID}: ${EXCHANGE_MANAGE_AS_APP_ROLE_ID}`,
      `${EOP_APP_ID}: ${EOP_MANAGE_AS_APP}`
    ])
    // Beside the Exchange Online grant and the roles, in the phase after the new service principal.
    expect(phaseKinds(plan)[2]).toEqual(['grant-exchange-manage-as-app', 'grant-security-and-compliance', 'assign-directory-role'])
    expect(grantOf(plan)).toEqual({ kind: 'grant-security-and-compliance', resourceId: EOP_SP_ID, appRoleId: EOP_MANAGE_AS_APP })
    expect(plan.securityAndCompliance).toEqual({
      available: true,
      resourceId: EOP_SP_ID,
      appRoleId: EOP_MANAGE_AS_APP,
      requestedBefore: false,
      grantedBefore: false
    })
  })

  it('requested and granted: no change', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeSecurityAndComplianceTenant([credential(held, { keyId: 'k', actionMade: true })])
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), actual, NOW)
    expect(plan.changes).toEqual([])
    expect(plan.securityAndCompliance).toMatchObject({ available: true, requestedBefore: true, grantedBefore: true })
  })

  it('the grant missing: only the grant, to the existing service principal', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeSecurityAndComplianceTenant([credential(held, { keyId: 'k', actionMade: true })])
    actual.appRoleAssignments = actual.appRoleAssignments.filter(grant => grant.resourceId !== EOP_SP_ID)
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), actual, NOW)
    expect(plan.changes).toEqual([
      { kind: 'grant-security-and-compliance', resourceId: EOP_SP_ID, appRoleId: EOP_MANAGE_AS_APP, principalId: SP_ID }
    ])
    expect(plan.securityAndCompliance).toMatchObject({ requestedBefore: true, grantedBefore: false })
  })

  it('a grant in other letter case counts as granted', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeSecurityAndComplianceTenant([credential(held, { keyId: 'k', actionMade: true })])
    actual.appRoleAssignments = actual.appRoleAssignments.map(grant =>
      grant.resourceId === EOP_SP_ID ? { ...grant, resourceId: EOP_SP_ID.toUpperCase(), appRoleId: EOP_MANAGE_AS_APP.toUpperCase() } : grant
    )
    expect(planProvisioning(desired({ held, securityAndCompliance: true }), actual, NOW).changes).toEqual([])
  })

  it('not requested yet: one update of the whole collection, every other permission kept', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeSecurityAndComplianceTenant([credential(held, { keyId: 'k', actionMade: true })])
    actual.app!.requiredResourceAccess = [structuredClone(GRAPH_ENTRY), structuredClone(EXO_ENTRY)]
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), actual, NOW)
    expect(plan.changes).toEqual([
      {
        kind: 'set-required-resource-access',
        appObjectId: APP_OBJECT_ID,
        requiredResourceAccess: [GRAPH_ENTRY, EXO_ENTRY, EOP_ENTRY]
      }
    ])
    expect(plan.exchangeManageAsApp.requestedBefore).toBe(true)
    expect(plan.securityAndCompliance).toMatchObject({ requestedBefore: false, grantedBefore: true })
  })

  it('adds the role to an existing Exchange Online Protection entry instead of a second entry', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeSecurityAndComplianceTenant([credential(held, { keyId: 'k', actionMade: true })])
    const other = { id: 'c79b0778-99a8-4d45-9063-3f160ec2776d', type: 'Role' }
    actual.app!.requiredResourceAccess = [structuredClone(EXO_ENTRY), { resourceAppId: EOP_APP_ID, resourceAccess: [other] }]
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), actual, NOW)
    const update = plan.changes[0]
    expect(update?.kind === 'set-required-resource-access' ? update.requiredResourceAccess : []).toEqual([
      EXO_ENTRY,
      { resourceAppId: EOP_APP_ID, resourceAccess: [other, { id: EOP_MANAGE_AS_APP, type: 'Role' }] }
    ])
  })

  it('no Exchange Online Protection service principal: no change about it, and a note saying what to do', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeTenant([credential(held, { keyId: 'k', actionMade: true })])
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), actual, NOW)
    expect(plan.changes).toEqual([])
    expect(plan.securityAndCompliance?.available).toBe(false)
    const note = plan.securityAndCompliance?.available === false ? plan.securityAndCompliance.note : ''
    expect(note).toContain(EOP_APP_ID)
    expect(note).toMatch(/Connect-IPPSSession may work without it/)
    expect(note).toContain(`az ad sp create --id ${EOP_APP_ID}`)

    const fresh = planProvisioning(desired({ securityAndCompliance: true }), freshTenant(), NOW)
    expect(kinds(fresh.changes)).not.toContain('grant-security-and-compliance')
    const create = fresh.changes.find(change => change.kind === 'create-app')
    expect(create?.kind === 'create-app' ? create.requiredResourceAccess : []).toEqual([EXO_ENTRY])
  })

  it('reads the role id by value from the service principal', () => {
    const renumbered = '11111111-2222-4333-8444-555555555555'
    const actual = withExchangeProtection(freshTenant(), [
      { id: EOP_MANAGE_AS_APP, value: 'Something.Else' },
      { id: renumbered, value: 'exchange.manageasapp' }
    ])
    const plan = planProvisioning(desired({ securityAndCompliance: true }), actual, NOW)
    expect(grantOf(plan)).toMatchObject({ appRoleId: renumbered })
  })

  it('falls back to the documented role id only when the service principal lists it without that value', () => {
    const actual = withExchangeProtection(freshTenant(), [{ id: EOP_MANAGE_AS_APP, value: null }])
    expect(grantOf(planProvisioning(desired({ securityAndCompliance: true }), actual, NOW))).toMatchObject({ appRoleId: EOP_MANAGE_AS_APP })
  })

  it('a service principal without Exchange.ManageAsApp: no grant of an id it lacks, a note instead', () => {
    const actual = withExchangeProtection(freshTenant(), [{ id: 'c79b0778-99a8-4d45-9063-3f160ec2776d', value: 'EopPolicySync.AccessAsApp' }])
    const plan = planProvisioning(desired({ securityAndCompliance: true }), actual, NOW)
    expect(kinds(plan.changes)).not.toContain('grant-security-and-compliance')
    expect(plan.securityAndCompliance).toEqual({ available: false, note: expect.stringContaining(`(${EOP_SP_ID}) in this tenant does not offer Exchange.ManageAsApp`) })
  })

  it('leaves the Exchange Online grant and the directory roles as they would be without it', () => {
    const tenant = withExchangeProtection(freshTenant())
    const roles = [EXCHANGE_ADMIN, GLOBAL_READER]
    const without = planProvisioning(desired({ roles }), tenant, NOW)
    const withIt = planProvisioning(desired({ roles, securityAndCompliance: true }), tenant, NOW)
    const others = (plan: Plan) => plan.changes.filter(change => change.kind === 'assign-directory-role' || change.kind === 'grant-exchange-manage-as-app')
    expect(others(withIt)).toEqual(others(without))
    expect(withIt.roles).toEqual(without.roles)
    expect(withIt.exchangeManageAsApp).toEqual(without.exchangeManageAsApp)
  })

  it('connect-ippssession false: nothing about it, even when the service principal was read', () => {
    const tenant = withExchangeProtection(freshTenant())
    const plan = planProvisioning(desired(), tenant, NOW)
    expect(plan).not.toHaveProperty('securityAndCompliance')
    expect(kinds(plan.changes)).not.toContain('grant-security-and-compliance')
    expect(JSON.stringify(plan.changes)).not.toContain(EOP_APP_ID)
    expect(JSON.stringify(plan.changes)).not.toContain(EOP_SP_ID)
  })
})
