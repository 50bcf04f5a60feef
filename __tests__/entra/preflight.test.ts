/**
 * The preflight (src/entra/preflight.ts), as a pure function: from what the plan needs and
 * what the provisioning identity's token says, granted / missing / cannot tell, and the one
 * message that names everything missing with the commands to grant it.
 */
import { describe, expect, it } from '@jest/globals'
import { federatedCredentialDescription, federatedCredentialName } from '../../src/entra/federated-credentials.js'
import {
  checkPreflight,
  describePreflight,
  identityClaimsOf,
  identityReadsFor,
  needsOfFirstRun,
  needsOfPlan,
  permissionsToGrant,
  preflightFailure,
  skippedWarning,
  withoutSkippedTasks,
  type IdentityClaims,
  type IdentityEvidence
} from '../../src/entra/preflight.js'
import { describeCertificatesOnApp, describePlanLines, previousCertificateFate } from '../../src/entra/describe-plan.js'
import { planProvisioning } from '../../src/entra/plan.js'
import { UserError } from '../../src/errors.js'
import {
  APP_ID,
  APP_OBJECT_ID,
  certificate,
  completeTenant,
  credential,
  daysFromNow,
  desired,
  EXCHANGE_ADMIN,
  freshTenant,
  NOW,
  THIS_SET
} from './plan-fixtures.js'

// Ids written out here, not imported from src/: a wrong id in the table must fail a test.
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10'
const PRIVILEGED_ROLE_ADMIN = 'e8611ab8-c189-46e8-94e1-60213ab1f814'
const APPLICATION_ADMIN = '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3'
const CLOUD_APPLICATION_ADMIN = '158c047a-c907-4556-b7ef-446551a6b5f7'
const DEFAULT_WID = '0997a1d0-0d1d-4acb-b408-d5ca73121e90'
const IDENTITY_SP = 'cccccccc-0000-4000-8000-000000000001'
const CLIENT_ID = 'dddddddd-0000-4000-8000-000000000001'

const ALL = ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'Organization.Read.All']

/** A token's claims; `wids: null` is a token without the claim. */
function claims(roles: string[], wids: string[] | null = []): IdentityClaims {
  return { servicePrincipalId: IDENTITY_SP, roles, ...(wids === null ? {} : { wids }) }
}

function evidence(roles: string[], more: Partial<IdentityEvidence> & { wids?: string[] | null } = {}): IdentityEvidence {
  const { wids, ...rest } = more
  return { claims: claims(roles, wids === undefined ? [] : wids), roleAssignments: [], ...rest }
}

const firstRunPlan = () => planProvisioning(desired(), freshTenant(), NOW)
const EXISTING_APP = { objectId: APP_OBJECT_ID, appId: APP_ID, displayName: 'EXO Background Process' }

function verdictOf(report: ReturnType<typeof checkPreflight>, capability: string): string | undefined {
  return report.requirements.find(requirement => requirement.capability === capability)?.verdict
}

describe('needs of a plan', () => {
  it('a first run needs to manage the app, grant consent and assign the role', () => {
    const needs = needsOfPlan(firstRunPlan())
    expect(needs.map(need => need.capability)).toEqual(['manage-app', 'manage-app', 'manage-app', 'grant-consent', 'assign-role'])
    expect(needs.map(need => need.task)).toEqual([
      'create the app "EXO Background Process"',
      'create the service principal of "EXO Background Process"',
      'add the new certificate to "EXO Background Process"',
      'grant Exchange.ManageAsApp of Office 365 Exchange Online',
      'assign the directory role Exchange Administrator'
    ])
  })

  it('a no-op rerun needs nothing, so any token passes', () => {
    const held = certificate('held', daysFromNow(200))
    const plan = planProvisioning(desired({ held }), completeTenant([credential(held, { keyId: 'k1', actionMade: true })]), NOW)
    expect(needsOfPlan(plan)).toEqual([])
    const report = checkPreflight(needsOfPlan(plan), evidence([]))
    expect(report.ok).toBe(true)
    expect(describePreflight(report)).toEqual(['Preflight: nothing to write, so no write permission is needed.'])
  })

  it('a rotation of a still-valid certificate uses addKey, which needs no Graph permission', () => {
    const held = certificate('held', daysFromNow(10))
    const plan = planProvisioning(desired({ held }), completeTenant([credential(held, { keyId: 'k1', actionMade: true })]), NOW)
    expect(plan.changes.map(change => change.kind)).toEqual(['add-certificate'])
    expect(needsOfPlan(plan)).toEqual([])
  })

  it("removing this action's federated credential needs the app permission, like adding one; without it the run goes on and tries it last", () => {
    const held = certificate('held', daysFromNow(200))
    const tenant = completeTenant([credential(held, { keyId: 'k1', actionMade: true })])
    const subject = 'repo:contoso/exo-jobs:ref:refs/heads/main'
    tenant.app!.federatedCredentials = [{ id: 'f1', name: federatedCredentialName(subject), issuer: 'https://token.actions.githubusercontent.com', subject, audiences: ['api://AzureADTokenExchange'], description: federatedCredentialDescription([THIS_SET.id]) }]
    const plan = planProvisioning(desired({ held }), tenant, NOW)
    const task = `remove the federated credential for '${subject}' from "EXO Background Process"`
    expect(needsOfPlan(plan)).toEqual([{ capability: 'manage-app', task, bestEffort: true, triedLast: true }])
    const report = checkPreflight(needsOfPlan(plan), evidence([]), { app: EXISTING_APP })
    expect(report.ok).toBe(true)
    expect(report.skipped.map(requirement => [requirement.capability, requirement.triedLast])).toEqual([['manage-app', [task]]])
  })

  it('a held certificate already expired cannot prove addKey: the certificate needs the app permission', () => {
    const held = certificate('held', daysFromNow(-1))
    const plan = planProvisioning(desired({ held }), completeTenant([credential(held, { keyId: 'k1', actionMade: true })]), NOW)
    expect(needsOfPlan(plan).map(need => need.capability)).toContain('manage-app')
  })

  it('pruning expired certificates needs the app permission', () => {
    const held = certificate('held', daysFromNow(200))
    const old = certificate('old', daysFromNow(-5))
    const plan = planProvisioning(
      desired({ held }),
      completeTenant([credential(held, { keyId: 'k1', actionMade: true }), credential(old, { keyId: 'k0', actionMade: true })]),
      NOW
    )
    expect(needsOfPlan(plan)).toEqual([{ capability: 'manage-app', task: 'remove the expired certificates of "EXO Background Process"', bestEffort: true }])
  })
})

describe('best-effort removals (issue 21)', () => {
  const held = certificate('held', daysFromNow(10))
  const old = certificate('old', daysFromNow(-5))
  /** A rotation by addKey that would also prune an expired certificate and revoke the held one (revoke-previous 0). */
  const rotationPlan = () =>
    planProvisioning(
      desired({ held, revokePreviousAfterHours: 0 }),
      completeTenant([credential(held, { keyId: 'k1', actionMade: true }), credential(old, { keyId: 'k0', actionMade: true })]),
      NOW
    )
  const WITHOUT_APP_MANAGEMENT = ['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']

  it('without the app permission, a rotation by addKey is not stopped: the removals are skipped', () => {
    const plan = rotationPlan()
    expect(plan.changes.map(change => change.kind)).toEqual(['add-certificate', 'remove-expired-certificates', 'revoke-previous-certificates'])
    const report = checkPreflight(needsOfPlan(plan), evidence(WITHOUT_APP_MANAGEMENT), { app: EXISTING_APP })
    expect(report.ok).toBe(true)
    expect(report.missing).toEqual([])
    expect(report.skipped.map(requirement => [requirement.capability, requirement.grant])).toEqual([['manage-app', 'Application.ReadWrite.All']])
    const kept = withoutSkippedTasks(plan, report)
    expect(kept.changes.map(change => change.kind)).toEqual(['add-certificate'])
    expect(kept.prune).toBeUndefined()
    expect(kept.revokePrevious).toBeUndefined()
    expect(kept.phases).toEqual(plan.phases)
    expect(describePreflight(report).join('\n')).toMatch(/SKIPPED change the app registration and its service principal \(remove the expired certificates/)
  })

  it('the dry run and the summary say the skipped certificates are left, not removed or revoked', () => {
    const plan = rotationPlan()
    const kept = withoutSkippedTasks(plan, checkPreflight(needsOfPlan(plan), evidence(WITHOUT_APP_MANAGEMENT), { app: EXISTING_APP }))
    const rows = describeCertificatesOnApp(kept)
    expect(rows.map(row => [row.thumbprint, row.thisRun])).toEqual([
      [held.thumbprint.toUpperCase(), 'left: superseded, but the provisioning identity may not remove it (Application.ReadWrite.All; see the warning)'],
      [old.thumbprint.toUpperCase(), 'left: expired, but the provisioning identity may not remove it (Application.ReadWrite.All; see the warning)']
    ])
    expect(previousCertificateFate(kept)).toBe('stays on the app: the provisioning identity may not remove it (Application.ReadWrite.All), so this run leaves it (see the warning)')
    // After the run (revoke-previous 0 reports whether the revocation happened): still no revocation.
    expect(previousCertificateFate(kept, false)).not.toMatch(/revoked|later run revokes/)
    const dryRun = describePlanLines(kept).join('\n')
    expect(dryRun).not.toMatch(/revoke|removed \(expired\)/i)
    expect(dryRun).toMatch(/the old one stays on the app: the provisioning identity may not remove it/)
  })

  it("a federated credential to remove does not stop a rotation by addKey: the removal stays in the plan, tried last, and the warning says the job then fails", () => {
    const subject = 'repo:contoso/exo-jobs:ref:refs/heads/main'
    const tenant = completeTenant([credential(held, { keyId: 'k1', actionMade: true })])
    tenant.app!.federatedCredentials = [{ id: 'f1', name: federatedCredentialName(subject), issuer: 'https://token.actions.githubusercontent.com', subject, audiences: ['api://AzureADTokenExchange'], description: federatedCredentialDescription([THIS_SET.id]) }]
    const plan = planProvisioning(desired({ held }), tenant, NOW)
    expect(plan.changes.map(change => change.kind)).toEqual(['add-certificate', 'remove-federated-credential'])
    const report = checkPreflight(needsOfPlan(plan), evidence(WITHOUT_APP_MANAGEMENT), { app: EXISTING_APP })
    expect(report.ok).toBe(true)
    expect(report.missing).toEqual([])
    const kept = withoutSkippedTasks(plan, report)
    expect(kept.changes.map(change => change.kind)).toEqual(['add-certificate', 'remove-federated-credential'])
    expect(kept.removeFederatedCredentials?.map(change => change.credential.subject)).toEqual([subject])
    const warning = skippedWarning(report, { clientId: CLIENT_ID }) ?? ''
    expect(warning).not.toMatch(/certificates stay on the app/)
    expect(warning).toMatch(/federated credentials this action no longer wants are still tried last, once everything else is done and stored/)
    expect(warning).toMatch(/the job fails and names them with the command that removes them/)
    expect(warning).toMatch(/^- Application\.ReadWrite\.All \(or [^)]*\), needed to remove the federated credential for 'repo:contoso\/exo-jobs:ref:refs\/heads\/main'/m)
    expect(describePreflight(report).join('\n')).toMatch(/federated credentials to remove: tried last; if Graph refuses, the job fails at the end/)
  })

  it('the warning names what stays, the permission, and the commands (and ownership, for OwnedBy)', () => {
    const report = checkPreflight(needsOfPlan(rotationPlan()), evidence(['Application.ReadWrite.OwnedBy', ...WITHOUT_APP_MANAGEMENT], { ownedObjectIds: [] }), { app: EXISTING_APP })
    const warning = skippedWarning(report, { clientId: CLIENT_ID, servicePrincipalId: IDENTITY_SP })
    expect(warning).toMatch(/skipped what it can do without: the certificates stay on the app until they expire \(a superseded one still signs in until then\)/)
    expect(warning).toMatch(/^- Application\.ReadWrite\.All, needed to remove the expired certificates of "EXO Background Process"; remove the previous certificates/m)
    expect(warning).toContain(`az ad app permission add --id ${CLIENT_ID} --api 00000003-0000-0000-c000-000000000000 --api-permissions 1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9=Role`)
    expect(warning).toContain(`az ad app owner add --id ${APP_ID} --owner-object-id ${IDENTITY_SP}`)
  })

  it('with the permission nothing is skipped, and the plan is the same object', () => {
    const plan = rotationPlan()
    const report = checkPreflight(needsOfPlan(plan), evidence(ALL), { app: EXISTING_APP })
    expect(report.skipped).toEqual([])
    expect(withoutSkippedTasks(plan, report)).toBe(plan)
    expect(skippedWarning(report, { clientId: CLIENT_ID })).toBeUndefined()
  })

  it('when the app permission is also needed for the certificate itself, the run stops as before', () => {
    const expiredHeld = certificate('held', daysFromNow(-1))
    const plan = planProvisioning(
      desired({ held: expiredHeld }),
      completeTenant([credential(expiredHeld, { keyId: 'k1', actionMade: true }), credential(old, { keyId: 'k0', actionMade: true })]),
      NOW
    )
    const report = checkPreflight(needsOfPlan(plan), evidence(WITHOUT_APP_MANAGEMENT), { app: EXISTING_APP })
    expect(report.ok).toBe(false)
    expect(report.skipped).toEqual([])
    expect(report.missing[0].tasks).toEqual(expect.arrayContaining(['add the new certificate to "EXO Background Process"']))
  })

  it('when the run stops for another permission, the skipped ones are named in the same message', () => {
    // The same rotation, plus a role assignment the token cannot make.
    const stopped = checkPreflight(
      [...needsOfPlan(rotationPlan()), { capability: 'assign-role', task: 'assign the directory role Exchange Administrator' }],
      evidence(['Application.Read.All', 'AppRoleAssignment.ReadWrite.All']),
      { app: EXISTING_APP }
    )
    expect(stopped.ok).toBe(false)
    expect(stopped.skipped).toEqual([])
    expect(stopped.missing.map(requirement => requirement.capability).sort()).toEqual(['assign-role', 'manage-app'])
  })
})

describe('verdicts', () => {
  it('every permission in the token: all granted', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence(ALL))
    expect(report.ok).toBe(true)
    expect(report.requirements.map(r => [r.capability, r.verdict, r.because])).toEqual([
      ['manage-app', 'granted', 'Application.ReadWrite.All in its token'],
      ['grant-consent', 'granted', 'AppRoleAssignment.ReadWrite.All in its token'],
      ['assign-role', 'granted', 'RoleManagement.ReadWrite.Directory in its token']
    ])
  })

  it.each([
    ['Application.ReadWrite.All', 'manage-app', 'Application.ReadWrite.OwnedBy'],
    ['AppRoleAssignment.ReadWrite.All', 'grant-consent', 'AppRoleAssignment.ReadWrite.All'],
    ['RoleManagement.ReadWrite.Directory', 'assign-role', 'RoleManagement.ReadWrite.Directory']
  ])('without %s: %s is missing, and the least-privilege grant is %s', (removed, capability, grant) => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence(ALL.filter(p => p !== removed)))
    expect(report.ok).toBe(false)
    expect(report.missing.map(r => [r.capability, r.grant])).toEqual([[capability, grant]])
  })

  it('Global Administrator alone allows everything', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence([], { wids: [GLOBAL_ADMIN] }))
    expect(report.ok).toBe(true)
    expect(report.requirements.every(r => r.because === 'the Global Administrator role in its token')).toBe(true)
  })

  it('Application Administrator manages the app and consents to Exchange; Privileged Role Administrator assigns roles', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence([], { wids: [APPLICATION_ADMIN, PRIVILEGED_ROLE_ADMIN] }))
    expect(report.requirements.map(r => [r.capability, r.because])).toEqual([
      ['manage-app', 'the Application Administrator role in its token'],
      ['grant-consent', 'the Privileged Role Administrator role in its token'],
      ['assign-role', 'the Privileged Role Administrator role in its token']
    ])
  })

  it('Cloud Application Administrator cannot assign directory roles', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence([], { wids: [CLOUD_APPLICATION_ADMIN] }))
    expect(report.missing.map(r => r.capability)).toEqual(['assign-role'])
  })

  describe('Application.ReadWrite.OwnedBy', () => {
    const ownedBy = ['Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']
    const existingAppPlan = () => planProvisioning(desired(), { ...completeTenant([]), servicePrincipal: undefined, appRoleAssignments: [], directoryRoleAssignments: [] }, NOW)

    it('is enough for a new app: the identity will own what it creates', () => {
      expect(verdictOf(checkPreflight(needsOfPlan(firstRunPlan()), evidence(ownedBy)), 'manage-app')).toBe('granted')
    })

    it('is enough for an existing app it owns', () => {
      const report = checkPreflight(needsOfPlan(existingAppPlan()), evidence(ownedBy, { ownedObjectIds: [APP_OBJECT_ID.toUpperCase()] }), { app: EXISTING_APP })
      expect(verdictOf(report, 'manage-app')).toBe('granted')
    })

    it('is not enough for an existing app it does not own: Application.ReadWrite.All, or become an owner', () => {
      const report = checkPreflight(needsOfPlan(existingAppPlan()), evidence(ownedBy, { ownedObjectIds: ['other'] }), { app: EXISTING_APP })
      expect(report.missing).toEqual([
        expect.objectContaining({ capability: 'manage-app', grant: 'Application.ReadWrite.All', notOwned: EXISTING_APP })
      ])
      const message = preflightFailure(report, { clientId: CLIENT_ID, servicePrincipalId: IDENTITY_SP }).message
      expect(message).toContain('it is not an owner of "EXO Background Process"')
      expect(message).toContain(`az ad app owner add --id ${APP_ID} --owner-object-id ${IDENTITY_SP}`)
      expect(message).toContain(`New-MgApplicationOwnerByRef -ApplicationId ${APP_OBJECT_ID}`)
    })

    it('cannot tell when its owned objects could not be read', () => {
      const report = checkPreflight(needsOfPlan(existingAppPlan()), evidence(ownedBy), { app: EXISTING_APP })
      expect(verdictOf(report, 'manage-app')).toBe('unknown')
      expect(report.ok).toBe(true)
    })
  })

  describe('what the token cannot show', () => {
    it('a token without wids: cannot tell, so the run goes on', () => {
      const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence([], { wids: null }))
      expect(report.requirements.map(r => r.verdict)).toEqual(['unknown', 'unknown', 'unknown'])
      expect(report.ok).toBe(true)
      expect(report.requirements[0].because).toMatch(/no wids claim/)
    })

    it('a custom directory role could allow managing the app: cannot tell while its role assignments are unread', () => {
      const report = checkPreflight(needsOfPlan(firstRunPlan()), { claims: claims(['RoleManagement.ReadWrite.Directory']) })
      expect(verdictOf(report, 'manage-app')).toBe('unknown')
      expect(verdictOf(report, 'grant-consent')).toBe('unknown')
      expect(report.ok).toBe(true)
    })

    it('an assignment the token does not show (custom or scoped): cannot tell', () => {
      const report = checkPreflight(
        needsOfPlan(firstRunPlan()),
        evidence(['RoleManagement.ReadWrite.Directory'], { roleAssignments: [{ roleDefinitionId: 'f00f00f0-custom', directoryScopeId: '/' }] })
      )
      expect(verdictOf(report, 'manage-app')).toBe('unknown')
      expect(report.requirements[0].because).toMatch(/custom or scoped: f00f00f0-custom/)
    })

    it('built-in roles the token shows explain their assignments: still certain', () => {
      const report = checkPreflight(
        needsOfPlan(firstRunPlan()),
        evidence(['RoleManagement.ReadWrite.Directory'], { wids: [EXCHANGE_ADMIN.templateId], roleAssignments: [{ roleDefinitionId: EXCHANGE_ADMIN.templateId, directoryScopeId: '/' }] })
      )
      expect(verdictOf(report, 'manage-app')).toBe('missing')
    })

    it('custom roles cannot hold role management: a missing RoleManagement.ReadWrite.Directory is certain even so', () => {
      const report = checkPreflight(needsOfPlan(firstRunPlan()), { claims: claims(['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']) })
      expect(report.missing.map(r => r.capability)).toEqual(['assign-role'])
    })
  })

  it('refused reads are certain, and named with the rest', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence(['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']), {
      refusedReads: [{ capability: 'read-organization', request: 'GET /organization', task: "discover the tenant's initial domain (or pass 'organization')" }]
    })
    expect(report.missing).toEqual([
      expect.objectContaining({ capability: 'read-organization', grant: 'Organization.Read.All', because: 'Microsoft Graph refused GET /organization (403)' })
    ])
  })
})

describe('the message', () => {
  it('names every missing permission at once, why, and one grant command for all of them', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence(['Application.Read.All']), {
      refusedReads: [{ capability: 'read-organization', request: 'GET /organization', task: "discover the tenant's initial domain (or pass 'organization')" }]
    })
    expect(permissionsToGrant(report)).toEqual(['Organization.Read.All', 'Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory'])
    const error = preflightFailure(report, { clientId: CLIENT_ID, servicePrincipalId: IDENTITY_SP })
    expect(error).toBeInstanceOf(UserError)
    const message = error.message
    expect(message).toMatch(/cannot finish this run, so it stopped before changing anything in the tenant/)
    expect(message).toContain(
      '- Application.ReadWrite.OwnedBy (or the Global Administrator, Application Administrator or Cloud Application Administrator role), needed to create the app "EXO Background Process"'
    )
    expect(message).toContain(
      '- AppRoleAssignment.ReadWrite.All (or the Global Administrator, Privileged Role Administrator, Application Administrator or Cloud Application Administrator role), needed to grant Exchange.ManageAsApp of Office 365 Exchange Online'
    )
    expect(message).toContain(
      '- RoleManagement.ReadWrite.Directory (or the Global Administrator or Privileged Role Administrator role), needed to assign the directory role Exchange Administrator: its token has no permission or admin role that allows it.'
    )
    // A refused read is refused whatever role: no "or the ... role" there.
    expect(message).toContain("- Organization.Read.All, needed to discover the tenant's initial domain (or pass 'organization'): Microsoft Graph refused GET /organization (403).")
    expect(message).not.toMatch(/It may lack these too/)
    expect(message).toContain(
      `az ad app permission add --id ${CLIENT_ID} --api 00000003-0000-0000-c000-000000000000 --api-permissions ` +
        '498476ce-e0fe-48b0-b801-37ba7e2685c6=Role 18a4783c-866b-4cc7-a460-3d5e5662c884=Role 06b708a9-e830-4db3-a914-8e69da51d44f=Role 9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8=Role' +
        ` && az ad app permission admin-consent --id ${CLIENT_ID}`
    )
    expect(message).toContain(`$identity = '${IDENTITY_SP}'`)
    expect(message).toContain(
      'New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $identity -PrincipalId $identity -ResourceId $graph.Id -AppRoleId 9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8'
    )
  })

  it('when the run stops anyway, what the token cannot settle is listed and granted in the same go', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), { claims: claims(['Application.Read.All']) })
    expect(report.missing.map(r => r.capability)).toEqual(['assign-role'])
    const message = preflightFailure(report, { clientId: CLIENT_ID }).message
    expect(message).toMatch(/It may lack these too \(its token cannot settle them; they are granted below as well, so the next run does not stop at them\):\n- Application\.ReadWrite\.OwnedBy .*a custom directory role could allow it/)
    expect(permissionsToGrant(report)).toEqual(['RoleManagement.ReadWrite.Directory', 'Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All'])
  })

  it('Application.Read.All is not asked for when an Application.ReadWrite permission is', () => {
    const report = checkPreflight(needsOfFirstRun('EXO Background Process', [EXCHANGE_ADMIN]), evidence(['RoleManagement.ReadWrite.Directory', 'AppRoleAssignment.ReadWrite.All']), {
      refusedReads: [{ capability: 'read-tenant', request: 'GET /applications', task: 'find the app and the Exchange Online service principal' }]
    })
    expect(permissionsToGrant(report)).toEqual(['Application.ReadWrite.OwnedBy'])
  })

  it('in another cloud, the commands select it first', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence(['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']))
    const message = preflightFailure(report, { clientId: CLIENT_ID, cloud: 'usgov' }).message
    expect(message).toContain('az cloud set --name AzureUSGovernment')
    expect(message).toContain('Connect-MgGraph -Environment USGov')
    // Without the service principal's id, PowerShell looks it up by the client id.
    expect(message).toContain(`$identity = (Get-MgServicePrincipal -Filter "appId eq '${CLIENT_ID}'").Id`)
  })

  it('a dry run says a real run would stop', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), evidence([]))
    expect(preflightFailure(report, { clientId: CLIENT_ID }, { dryRun: true }).message).toMatch(/a real run would stop before changing anything/)
  })

  it('the log marks each requirement', () => {
    const report = checkPreflight(needsOfPlan(firstRunPlan()), { claims: claims(['Application.ReadWrite.All']) })
    expect(describePreflight(report)).toEqual([
      "Preflight (from the provisioning identity's Graph token, before any write):",
      expect.stringMatching(/^ {2}ok {6}change the app registration and its service principal \(create the app/),
      expect.stringMatching(/^ {2}\? {7}grant admin consent \(grant Exchange\.ManageAsApp of Office 365 Exchange Online\): /),
      expect.stringMatching(/^ {2}MISSING assign directory roles \(assign the directory role Exchange Administrator\): /),
      '  ? = cannot tell from the token; the run goes on, and a refusal is explained where it happens.'
    ])
  })
})

describe('reading the token', () => {
  it('takes oid, roles and wids; drops the default app-only wid; lower-cases ids', () => {
    expect(identityClaimsOf({ oid: IDENTITY_SP, roles: ['Application.ReadWrite.All', 7], wids: [DEFAULT_WID, GLOBAL_ADMIN.toUpperCase()] })).toEqual({
      servicePrincipalId: IDENTITY_SP,
      roles: ['Application.ReadWrite.All'],
      wids: [GLOBAL_ADMIN]
    })
  })

  it('no roles claim (nothing granted) is no permission; no wids claim is "roles unknown"', () => {
    expect(identityClaimsOf({ oid: IDENTITY_SP })).toEqual({ servicePrincipalId: IDENTITY_SP, roles: [] })
  })
})

describe('which of its own entries the first read fetches', () => {
  it('a fully permitted identity: none (the first read stays as it was)', () => {
    expect(identityReadsFor(claims(ALL))).toEqual({ ownedObjects: false, roleAssignments: false })
  })

  it('Application.ReadWrite.OwnedBy: its owned objects, and its role assignments (a custom role could allow more)', () => {
    expect(identityReadsFor(claims(['Application.ReadWrite.OwnedBy', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']))).toEqual({
      ownedObjects: true,
      roleAssignments: true
    })
  })

  it('without consent rights: its role assignments only', () => {
    expect(identityReadsFor(claims(['Application.ReadWrite.All', 'RoleManagement.ReadWrite.Directory']))).toEqual({ ownedObjects: false, roleAssignments: true })
  })

  it('a token without wids or oid: nothing could make the verdict certain, so nothing extra is read', () => {
    expect(identityReadsFor(claims([], null))).toEqual({ ownedObjects: false, roleAssignments: false })
    expect(identityReadsFor({ roles: [], wids: [] })).toEqual({ ownedObjects: false, roleAssignments: false })
  })
})
