import { describe, expect, it } from '@jest/globals'
import {
  describePlan,
  describePlanLines,
  describePlanRows,
  SECURITY_AND_COMPLIANCE_ROW,
  type ResourceRow
} from '../../src/entra/describe-plan.js'
import { federatedCredentialDescription, federatedCredentialName } from '../../src/entra/federated-credentials.js'
import { planProvisioning, uniqueNameFor } from '../../src/entra/plan.js'
import {
  APP_ID,
  certificate,
  completeSecurityAndComplianceTenant,
  completeTenant,
  credential,
  daysFromNow,
  desired,
  EXCHANGE_ADMIN,
  THIS_SET,
  freshTenant,
  GLOBAL_READER,
  NOW,
  SP_ID,
  withExchangeProtection
} from './plan-fixtures.js'

const outcomes = (rows: ResourceRow[]) => Object.fromEntries(rows.map(row => [row.resource, row.after]))

describe('describePlan: a fresh tenant', () => {
  const plan = planProvisioning(desired({ roles: [EXCHANGE_ADMIN, GLOBAL_READER] }), freshTenant(), NOW)
  const { lines, rows } = describePlan(plan)

  it('lists each change in apply order, then the certificate', () => {
    expect(lines).toEqual([
      'Plan: 6 changes.',
      `+ create app "EXO Background Process" (uniqueName ${uniqueNameFor('EXO Background Process')}, single tenant, requesting Exchange.ManageAsApp)`,
      '+ create the service principal of app "EXO Background Process"',
      '+ add a new certificate to app "EXO Background Process", beside the existing ones',
      '+ grant Exchange.ManageAsApp of Office 365 Exchange Online (admin consent)',
      `+ assign directory role Exchange Administrator (${EXCHANGE_ADMIN.templateId}) over the whole directory`,
      `+ assign directory role Global Reader (${GLOBAL_READER.templateId}) over the whole directory`,
      'Certificate: this run holds no certificate (pfx-base64 is empty), so a new one is made.'
    ])
  })

  it('has a row per resource, each created', () => {
    expect(outcomes(rows)).toEqual({
      'App registration': 'created',
      'Service principal': 'created',
      'Exchange.ManageAsApp permission + consent': 'created',
      'Directory role: Exchange Administrator': 'created',
      'Directory role: Global Reader': 'created',
      Certificate: 'created'
    })
    expect(rows.map(row => row.before)).toEqual([
      'absent',
      'absent',
      'not requested, not consented',
      'not assigned over the whole directory',
      'not assigned over the whole directory',
      'none held'
    ])
  })
})

describe('describePlan: everything in place', () => {
  const held = certificate('held', daysFromNow(200))
  const plan = planProvisioning(desired({ held }), completeTenant([credential(held, { keyId: 'k', actionMade: true })]), NOW)

  it('says there is nothing to do and which certificate stays in use', () => {
    expect(describePlanLines(plan)).toEqual([
      'No changes: the app, its service principal, Exchange.ManageAsApp and the roles are in place.',
      `Certificate: keeping the held certificate ${held.thumbprint}, which expires on ${held.notAfter.toISOString().slice(0, 10)} (200 days left).`,
      "Certificates on the app (this pipeline's secret set is 1a2b3c4d: repository secrets of contoso/exo-jobs, prefix EXO_):",
      `  ${held.thumbprint}: this pipeline's (set 1a2b3c4d), expires ${held.notAfter.toISOString().slice(0, 10)}; held by this run`
    ])
  })

  it('shows every resource as present, with its ids', () => {
    const rows = describePlanRows(plan)
    expect(new Set(rows.map(row => row.after))).toEqual(new Set(['present']))
    expect(rows.find(row => row.resource === 'App registration')?.detail).toContain(`appId ${APP_ID}`)
    expect(rows.find(row => row.resource === 'Service principal')?.detail).toBe(`id ${SP_ID}`)
    expect(rows.find(row => row.resource === 'Certificate')?.before).toBe(`held ${held.thumbprint}, expires ${held.notAfter.toISOString().slice(0, 10)}`)
  })

  it('has no role rows with roles: none', () => {
    const none = planProvisioning(desired({ held, roles: [] }), completeTenant([credential(held, { keyId: 'k', actionMade: true })]), NOW)
    expect(describePlanRows(none).map(row => row.resource)).toEqual([
      'App registration',
      'Service principal',
      'Exchange.ManageAsApp permission + consent',
      'Certificate'
    ])
  })
})

describe('describePlan: partial states', () => {
  it('calls a requested but not consented permission updated', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeTenant([credential(held, { keyId: 'k', actionMade: true })])
    actual.appRoleAssignments = []
    const row = describePlanRows(planProvisioning(desired({ held }), actual, NOW)).find(r => r.resource.startsWith('Exchange.ManageAsApp'))
    expect(row).toMatchObject({ before: 'requested, not consented', after: 'updated' })
  })

  it('calls a consented permission that the app does not request updated, and says the other permissions stay', () => {
    const held = certificate('held', daysFromNow(200))
    const actual = completeTenant([credential(held, { keyId: 'k', actionMade: true })])
    actual.app!.requiredResourceAccess = []
    const plan = planProvisioning(desired({ held }), actual, NOW)
    expect(describePlanLines(plan)[1]).toBe('~ request Exchange.ManageAsApp on app "EXO Background Process" (its other API permissions are kept)')
    expect(outcomes(describePlanRows(plan))['Exchange.ManageAsApp permission + consent']).toBe('updated')
  })

  it('explains a rotation and the certificates pruned afterwards', () => {
    const soon = certificate('soon', daysFromNow(10))
    const old = certificate('old', new Date('2026-05-20T00:00:00Z'))
    const plan = planProvisioning(
      desired({ held: soon }),
      completeTenant([credential(soon, { keyId: 'k-soon', actionMade: true }), credential(old, { keyId: 'k-old', actionMade: true })]),
      NOW
    )
    const { lines, rows } = describePlan(plan)
    expect(lines).toContain(
      `Certificate: the held certificate ${soon.thumbprint} expires on ${soon.notAfter.toISOString().slice(0, 10)} (10 days left), within rotate-before-days (30), so a new one is made; the old one stays on the app until it expires (revoke-previous: never).`
    )
    expect(lines).toContain(`- remove expired certificate "exo-cba-action set 1a2b3c4d ${old.thumbprint} expires 2026-05-20" (keyId k-old, expired 2026-05-20), after the new state is verified and stored`)
    expect(rows.find(row => row.resource === 'Expired certificates made by this action')).toEqual({
      resource: 'Expired certificates made by this action',
      before: '1 expired certificate on the app',
      after: 'removed',
      detail: 'keyId k-old (expired 2026-05-20)'
    })
  })

  it('says when the held certificate has already expired, or is not on the app', () => {
    const expired = certificate('expired', daysFromNow(-3))
    const expiredPlan = planProvisioning(desired({ held: expired }), completeTenant([credential(expired, { keyId: 'k', actionMade: true })]), NOW)
    expect(describePlanLines(expiredPlan).find(line => line.startsWith('Certificate: '))).toContain('expired on ' + expired.notAfter.toISOString().slice(0, 10) + ' (3 days ago)')
    expect(describePlanRows(expiredPlan).find(row => row.resource === 'Certificate')?.before).toMatch(/^held [0-9A-F]{40}, expired /)

    const missing = certificate('missing', daysFromNow(100))
    const missingPlan = planProvisioning(desired({ held: missing }), completeTenant([]), NOW)
    expect(describePlanLines(missingPlan).find(line => line.startsWith('Certificate: '))).toBe(`Certificate: the held certificate ${missing.thumbprint} is not on the app, so a new one is made.`)
    expect(describePlanRows(missingPlan).find(row => row.resource === 'Certificate')?.before).toContain('not on the app')
  })

  it('notes an app adopted by display name', () => {
    const actual = completeTenant([])
    actual.app!.foundBy = 'display-name'
    expect(describePlanRows(planProvisioning(desired(), actual, NOW))[0].before).toBe('present (found by display name)')
  })

  it('never prints a certificate body', () => {
    const held = certificate('held', daysFromNow(3))
    const plan = planProvisioning(desired({ held }), completeTenant([credential(held, { keyId: 'k', actionMade: true })]), NOW)
    expect(JSON.stringify(describePlan(plan))).not.toContain(held.derBase64)
  })
})

describe('describePlan: Security & Compliance (connect-ippssession)', () => {
  const held = certificate('held', daysFromNow(200))
  const keys = () => [credential(held, { keyId: 'k', actionMade: true })]

  it('a fresh tenant: the app requests both permissions, both are granted, and the row is created', () => {
    const plan = planProvisioning(desired({ securityAndCompliance: true }), withExchangeProtection(freshTenant()), NOW)
    const { lines, rows } = describePlan(plan)
    expect(lines[1]).toBe(
      `+ create app "EXO Background Process" (uniqueName ${uniqueNameFor('EXO Background Process')}, single tenant, requesting Exchange.ManageAsApp of Office 365 Exchange Online and of Microsoft Exchange Online Protection)`
    )
    expect(lines).toContain('+ grant Exchange.ManageAsApp of Microsoft Exchange Online Protection (admin consent, for Security & Compliance PowerShell)')
    expect(rows.find(row => row.resource === SECURITY_AND_COMPLIANCE_ROW)).toEqual({
      resource: 'Security & Compliance: Exchange.ManageAsApp permission + consent',
      before: 'not requested, not consented',
      after: 'created',
      detail: 'application permission of Microsoft Exchange Online Protection, for Connect-IPPSSession'
    })
  })

  it('everything in place: no changes, and the row is present', () => {
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), completeSecurityAndComplianceTenant(keys()), NOW)
    expect(describePlanLines(plan)[0]).toBe(
      'No changes: the app, its service principal, Exchange.ManageAsApp (of Office 365 Exchange Online and of Microsoft Exchange Online Protection) and the roles are in place.'
    )
    expect(outcomes(describePlanRows(plan))[SECURITY_AND_COMPLIANCE_ROW]).toBe('present')
  })

  it('names only the permission a requiredResourceAccess update adds', () => {
    const actual = completeSecurityAndComplianceTenant(keys())
    actual.app!.requiredResourceAccess = actual.app!.requiredResourceAccess.slice(0, 1)
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), actual, NOW)
    expect(describePlanLines(plan)[1]).toBe(
      '~ request Exchange.ManageAsApp of Microsoft Exchange Online Protection on app "EXO Background Process" (its other API permissions are kept)'
    )
    expect(describePlanRows(plan).find(row => row.resource === SECURITY_AND_COMPLIANCE_ROW)).toMatchObject({
      before: 'not requested, consented',
      after: 'updated'
    })
  })

  it('no such service principal: a warning line in the plan and a skipped row saying what to do', () => {
    const plan = planProvisioning(desired({ held, securityAndCompliance: true }), completeTenant(keys()), NOW)
    const lines = describePlanLines(plan)
    expect(lines[0]).toBe('No changes: the app, its service principal, Exchange.ManageAsApp and the roles are in place.')
    expect(lines[1]).toMatch(/^! Security & Compliance: This tenant has no service principal for Microsoft Exchange Online Protection \(appId 00000007-0000-0ff1-ce00-000000000000\)/)
    expect(lines.filter(line => /^Certificate: /.test(line))).toHaveLength(1)
    const row = describePlanRows(plan).find(r => r.resource === SECURITY_AND_COMPLIANCE_ROW)
    expect(row).toMatchObject({ before: 'not available in this tenant', after: 'skipped' })
    expect(row?.detail).toContain('az ad sp create --id 00000007-0000-0ff1-ce00-000000000000')
  })

  it('connect-ippssession false: no row and no line about it', () => {
    const plan = planProvisioning(desired({ held }), withExchangeProtection(completeTenant(keys())), NOW)
    expect(describePlanRows(plan).map(row => row.resource)).not.toContain(SECURITY_AND_COMPLIANCE_ROW)
    expect(describePlanLines(plan).join('\n')).not.toMatch(/Security & Compliance|Protection/)
  })
})

describe('describePlan: the federated credentials on the app (issue 21)', () => {
  const MAIN = 'repo:contoso/exo-jobs:ref:refs/heads/main'
  const OLD = 'repo:contoso/exo-jobs:ref:refs/heads/old'
  const HAND = 'repo:contoso/other:ref:refs/heads/main'
  const ISSUER = 'https://token.actions.githubusercontent.com'
  /** A credential; this action's (exo-cba- name) record this pipeline's secret set, as this version writes them. */
  const fic = (name: string, subject: string) => ({
    id: `id-${name}`,
    name,
    issuer: ISSUER,
    subject,
    audiences: ['api://AzureADTokenExchange'],
    ...(name.startsWith('exo-cba-') ? { description: federatedCredentialDescription([THIS_SET.id]) } : {})
  })
  const federation = { subjects: [MAIN], issuer: ISSUER, audience: 'api://AzureADTokenExchange' }

  it('federated: one row per credential, each marked as this action\'s or not, with what happens to it', () => {
    const tenant = completeTenant([])
    tenant.app!.federatedCredentials = [fic(federatedCredentialName(OLD), OLD), fic('made-by-hand', HAND)]
    const plan = planProvisioning({ ...desired(), federation }, tenant, NOW)
    const rows = describePlanRows(plan).filter(row => row.resource.startsWith('Federated credential'))
    expect(rows.map(row => [row.resource, row.before, row.after])).toEqual([
      [`Federated credential: ${MAIN}`, 'absent', 'created'],
      [`Federated credential: ${OLD}`, 'present', 'removed'],
      [`Federated credential: ${HAND}`, 'present', 'present']
    ])
    expect(rows[0].detail).toMatch(/^this pipeline's \(set 1a2b3c4d\): exo-cba-[^;]*; .*added/)
    expect(rows[1].detail).toMatch(/^this pipeline's \(set 1a2b3c4d\): exo-cba-[^;]*; .*removed: its subject is no longer in 'federated-subjects'/)
    expect(rows[2].detail).toMatch(/^made by someone else: made-by-hand; .*kept: this action never removes a credential it did not make/)
    expect(describePlanRows(plan).map(row => row.resource)).not.toContain('Certificate')
  })

  it('after the run, a removal row says "removed" only for a credential that came off: postponed or kept ones stay "present" with why', () => {
    const tenant = completeTenant([])
    tenant.app!.federatedCredentials = [fic(federatedCredentialName(OLD), OLD)]
    const plan = planProvisioning({ ...desired(), federation }, tenant, NOW)
    const row = (outcome: Parameters<typeof describePlanRows>[1]) => describePlanRows(plan, outcome).find(r => r.resource === `Federated credential: ${OLD}`)!
    expect(row({ removed: new Set([`id-${federatedCredentialName(OLD)}`]), postponed: false })).toMatchObject({ after: 'removed' })
    expect(row({ removed: new Set(), postponed: false })).toMatchObject({ after: 'present', detail: expect.stringMatching(/kept: another pipeline recorded its secret set on it while this run went on$/) })
    expect(row({ removed: new Set(), postponed: true })).toMatchObject({ after: 'present', detail: expect.stringMatching(/kept until this pipeline's certificate signs in, then removed/) })
  })

  it('the dry-run log lists the removal (after the new state is stored) and warns about the hand-made one', () => {
    const tenant = completeTenant([])
    tenant.app!.federatedCredentials = [fic(federatedCredentialName(OLD), OLD), fic('made-by-hand', HAND)]
    const lines = describePlanLines(planProvisioning({ ...desired(), federation }, tenant, NOW))
    expect(lines).toContain(
      `- remove federated credential ${federatedCredentialName(OLD)} (subject '${OLD}') from app "EXO Background Process": its subject is no longer in 'federated-subjects'; after the new state is verified and stored`
    )
    expect(lines).toContainEqual(expect.stringMatching(/^! The app has a federated credential "made-by-hand" \(subject 'repo:contoso\/other:ref:refs\/heads\/main'.*\) that this action did not make/))
  })

  it('credential: certificate: the certificate row, then every federated credential (this action\'s removed, the hand-made kept)', () => {
    const tenant = completeTenant([])
    tenant.app!.federatedCredentials = [fic(federatedCredentialName(MAIN), MAIN), fic('made-by-hand', HAND)]
    const plan = planProvisioning(desired(), tenant, NOW)
    const rows = describePlanRows(plan)
    expect(outcomes(rows)).toMatchObject({ Certificate: 'created', [`Federated credential: ${MAIN}`]: 'removed', [`Federated credential: ${HAND}`]: 'present' })
    expect(describePlanLines(plan)).toContain(
      `- remove federated credential ${federatedCredentialName(MAIN)} (subject '${MAIN}') from app "EXO Background Process": the workflow uses credential: certificate; after the new state is verified and stored`
    )
  })
})
