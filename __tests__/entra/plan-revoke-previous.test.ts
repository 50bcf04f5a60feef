/**
 * `revoke-previous` (issue 16): the planner takes this action's earlier certificates off the
 * app once the current one has been there for the grace period, or — with a grace of 0 — in
 * the rotating run itself (apply removes them only after the new one signed in and is stored).
 * Never a foreign certificate, the held one, an expired one (prune's), or a newer one.
 */
import { describe, expect, it } from '@jest/globals'
import { planProvisioning } from '../../src/entra/plan.js'
import { certificatesLeftAlone, describePlanLines, previousCertificateFate } from '../../src/entra/describe-plan.js'
import { needsOfPlan } from '../../src/entra/preflight.js'
import type { KeyCredential } from '../../src/entra/tenant-state.js'
import { APP_OBJECT_ID, certificate, completeTenant, credential, DAY, daysFromNow, desired, NOW, OTHER_SET, THIS_SET, type TestCertificate } from './plan-fixtures.js'

const HOUR = 3_600_000

/** A key credential of this action that started `startedAgoMs` before NOW. */
function ours(cert: TestCertificate, keyId: string, startedAgoMs: number): KeyCredential {
  return { ...credential(cert, { keyId, actionMade: true }), startDateTime: new Date(NOW.getTime() - startedAgoMs).toISOString() }
}

const held = certificate('held', daysFromNow(300))
const previous = certificate('previous', daysFromNow(20))
const older = certificate('older', daysFromNow(5))
const foreign = certificate('portal upload', daysFromNow(100))
const expired = certificate('expired', daysFromNow(-3))

describe('revoke-previous: keeping the held certificate', () => {
  it('revokes the older certificates of this action once the held one has been on the app for the grace period', () => {
    const keys = [
      ours(older, 'k-older', 700 * DAY),
      ours(previous, 'k-previous', 345 * DAY),
      ours(held, 'k-held', 25 * HOUR),
      { ...credential(foreign, { keyId: 'k-foreign' }), startDateTime: new Date(NOW.getTime() - 400 * DAY).toISOString() },
      ours(expired, 'k-expired', 368 * DAY)
    ]
    const plan = planProvisioning(desired({ held, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW)
    expect(plan.certificate.decision).toBe('keep-held')
    expect(plan.revokePrevious).toMatchObject({
      kind: 'revoke-previous-certificates',
      appObjectId: APP_OBJECT_ID,
      keyIds: ['k-older', 'k-previous'],
      supersededBy: 'held-for-grace',
      current: held.thumbprint,
      graceHours: 24
    })
    // The expired one is prune's; both come after everything else, prune first.
    expect(plan.prune?.keyIds).toEqual(['k-expired'])
    expect(plan.changes).toEqual([plan.prune, plan.revokePrevious])
    expect(plan.phases).toEqual([])
    expect(describePlanLines(plan).join('\n')).toContain(`- revoke previous certificate "${keys[0].displayName}" (keyId k-older`)
    expect(needsOfPlan(plan).map(need => need.task)).toContain(`remove the previous certificates of "EXO Background Process" (revoke-previous; 'never' keeps them until they expire)`)
  })

  it('waits while the held certificate has been on the app for less than the grace period (jobs may still run with the previous one)', () => {
    const keys = [ours(previous, 'k-previous', 340 * DAY), ours(held, 'k-held', 23 * HOUR)]
    expect(planProvisioning(desired({ held, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW).revokePrevious).toBeUndefined()
  })

  it('never revokes a certificate that started after the held one (a concurrent run made it, and its secrets may be elsewhere)', () => {
    const newer = certificate('newer', daysFromNow(364))
    const keys = [ours(held, 'k-held', 30 * DAY), ours(newer, 'k-newer', 1 * HOUR)]
    expect(planProvisioning(desired({ held, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW).revokePrevious).toBeUndefined()
  })

  it("keeps them all with 'never' (no revokePreviousAfterHours), as before", () => {
    const keys = [ours(previous, 'k-previous', 340 * DAY), ours(held, 'k-held', 30 * DAY)]
    const plan = planProvisioning(desired({ held }), completeTenant(keys), NOW)
    expect(plan.revokePrevious).toBeUndefined()
    expect(plan.changes).toEqual([])
  })

  it('keeps a certificate whose start date cannot be read: when unsure, keep', () => {
    const keys = [{ ...ours(previous, 'k-previous', 340 * DAY), startDateTime: null }, ours(held, 'k-held', 30 * DAY)]
    expect(planProvisioning(desired({ held, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW).revokePrevious).toBeUndefined()
  })
})

describe('revoke-previous: a run that adds a new certificate', () => {
  const expiring = certificate('held, expiring', daysFromNow(10))
  const keys = [ours(older, 'k-older', 700 * DAY), ours(expiring, 'k-held', 355 * DAY), credential(foreign, { keyId: 'k-foreign' })]

  it('with 0: every earlier certificate of this action (the held one too) goes in this run, once the new one signed in', () => {
    const plan = planProvisioning(desired({ held: expiring, revokePreviousAfterHours: 0 }), completeTenant(keys), NOW)
    expect(plan.certificate).toMatchObject({ decision: 'add-new', reason: 'held-expiring' })
    expect(plan.revokePrevious).toMatchObject({ keyIds: ['k-older', 'k-held'], supersededBy: 'this-run', graceHours: 0 })
    expect(plan.revokePrevious?.current).toBeUndefined()
    expect(describePlanLines(plan).join('\n')).toContain('once the new certificate has signed in and is stored (revoke-previous: 0)')
  })

  it('with 0: never a certificate that started after the held one (a concurrent run\'s or another pipeline\'s)', () => {
    const newer = certificate('newer, a concurrent run', daysFromNow(364))
    const plan = planProvisioning(desired({ held: expiring, revokePreviousAfterHours: 0 }), completeTenant([...keys, ours(newer, 'k-newer', 1 * HOUR)]), NOW)
    expect(plan.revokePrevious?.keyIds).toEqual(['k-older', 'k-held'])
  })

  it('with 0 but no held certificate on the app (none given, or not on the app): nothing is revoked', () => {
    expect(planProvisioning(desired({ revokePreviousAfterHours: 0 }), completeTenant(keys), NOW).revokePrevious).toBeUndefined()
    const elsewhere = certificate('held, not on this app', daysFromNow(10))
    const plan = planProvisioning(desired({ held: elsewhere, revokePreviousAfterHours: 0 }), completeTenant(keys), NOW)
    expect(plan.certificate).toMatchObject({ decision: 'add-new', reason: 'held-not-on-app' })
    expect(plan.revokePrevious).toBeUndefined()
  })

  it('with a grace above 0: nothing in this run; a later run revokes them once the grace is over', () => {
    expect(planProvisioning(desired({ held: expiring, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW).revokePrevious).toBeUndefined()
  })
})

/**
 * Issue 21, point 3: pipelines that share one app (the default app-name) each keep their own
 * certificate. A run revokes only certificates of its own secret set; another set's, and those
 * made before certificates recorded a set, are reported and left on the app.
 */
describe('revoke-previous: only the certificates of this run\'s secret set', () => {
  const theirs = certificate('another pipeline\'s, live', daysFromNow(200))
  const unrecorded = certificate('made by an earlier version', daysFromNow(150))

  it('keeping the held certificate: revokes its own older one, leaves another set\'s and an unrecorded one, and says so', () => {
    const keys = [
      ours(previous, 'k-previous', 345 * DAY),
      { ...credential(theirs, { keyId: 'k-theirs', actionMade: true, secretSet: OTHER_SET.id }), startDateTime: new Date(NOW.getTime() - 100 * DAY).toISOString() },
      { ...credential(unrecorded, { keyId: 'k-unrecorded', unrecorded: true }), startDateTime: new Date(NOW.getTime() - 200 * DAY).toISOString() },
      ours(held, 'k-held', 25 * HOUR)
    ]
    const plan = planProvisioning(desired({ held, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW)
    expect(plan.revokePrevious?.keyIds).toEqual(['k-previous'])
    expect(plan.certificatesOnApp.map(c => [c.keyId, c.maker, c.secretSet, c.outcome, c.held])).toEqual([
      ['k-previous', 'this-set', THIS_SET.id, 'revoke', false],
      ['k-theirs', 'other-set', OTHER_SET.id, 'left-alone', false],
      ['k-unrecorded', 'unrecorded', undefined, 'left-alone', false],
      ['k-held', 'this-set', THIS_SET.id, 'keep', true]
    ])
    const { warnings, notes } = certificatesLeftAlone(plan)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`${unrecorded.thumbprint} (keyId k-unrecorded`)
    expect(warnings[0]).toContain('az ad app credential delete --id aaaaaaaa-0000-4000-8000-000000000002 --key-id k-unrecorded')
    expect(notes).toEqual([expect.stringContaining(`${theirs.thumbprint} (keyId k-theirs, valid until`)])
    expect(notes[0]).toContain(`another pipeline's (set ${OTHER_SET.id})`)
    const lines = describePlanLines(plan).join('\n')
    expect(lines).toContain(`this pipeline's secret set is ${THIS_SET.id}: ${THIS_SET.description}`)
    expect(lines).toContain(`${theirs.thumbprint}: another pipeline's (set ${OTHER_SET.id}), expires ${theirs.notAfter.toISOString().slice(0, 10)}; left alone`)
  })

  it('with only another set\'s certificates before the held one: nothing to revoke', () => {
    const keys = [
      { ...credential(theirs, { keyId: 'k-theirs', actionMade: true, secretSet: OTHER_SET.id }), startDateTime: new Date(NOW.getTime() - 100 * DAY).toISOString() },
      ours(held, 'k-held', 30 * DAY)
    ]
    const plan = planProvisioning(desired({ held, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW)
    expect(plan.revokePrevious).toBeUndefined()
    expect(plan.changes).toEqual([])
    expect(plan.certificatesOnApp.find(c => c.keyId === 'k-theirs')?.outcome).toBe('left-alone')
  })

  it('with 0: the held certificate and its own older ones go; another set\'s and an unrecorded one as old stay', () => {
    const expiring = certificate('held, expiring', daysFromNow(10))
    const keys = [
      ours(older, 'k-older', 700 * DAY),
      { ...credential(theirs, { keyId: 'k-theirs', actionMade: true, secretSet: OTHER_SET.id }), startDateTime: new Date(NOW.getTime() - 400 * DAY).toISOString() },
      { ...credential(unrecorded, { keyId: 'k-unrecorded', unrecorded: true }), startDateTime: new Date(NOW.getTime() - 500 * DAY).toISOString() },
      ours(expiring, 'k-held', 355 * DAY)
    ]
    const plan = planProvisioning(desired({ held: expiring, revokePreviousAfterHours: 0 }), completeTenant(keys), NOW)
    expect(plan.revokePrevious?.keyIds).toEqual(['k-older', 'k-held'])
    expect(plan.certificatesOnApp.filter(c => c.outcome === 'left-alone').map(c => c.keyId)).toEqual(['k-theirs', 'k-unrecorded'])
  })

  it('with 0: a held certificate recorded for another set is not this run\'s to revoke', () => {
    const expiring = certificate('held, expiring', daysFromNow(10))
    const keys = [{ ...credential(expiring, { keyId: 'k-held', actionMade: true, secretSet: OTHER_SET.id }), startDateTime: new Date(NOW.getTime() - 355 * DAY).toISOString() }]
    const plan = planProvisioning(desired({ held: expiring, revokePreviousAfterHours: 0 }), completeTenant(keys), NOW)
    expect(plan.revokePrevious).toBeUndefined()
    expect(describePlanLines(plan).join('\n')).toContain(`the old one stays on the app until it expires: it belongs to another secret set (${OTHER_SET.id})`)
  })

  it('with 0: a held certificate made before sets were recorded stays too (it may be shared), and the plan says so', () => {
    const expiring = certificate('held, expiring', daysFromNow(10))
    const keys = [{ ...credential(expiring, { keyId: 'k-held', unrecorded: true }), startDateTime: new Date(NOW.getTime() - 355 * DAY).toISOString() }]
    const plan = planProvisioning(desired({ held: expiring, revokePreviousAfterHours: 0 }), completeTenant(keys), NOW)
    expect(plan.revokePrevious).toBeUndefined()
    expect(describePlanLines(plan).join('\n')).toContain("its name records no secret set, so revoke-previous leaves it")
  })

  it('prune still removes any set\'s expired certificates (an expired certificate is no one\'s live one), never a foreign one', () => {
    const keys = [
      ours(held, 'k-held', 30 * DAY),
      credential(expired, { keyId: 'k-theirs-expired', actionMade: true, secretSet: OTHER_SET.id }),
      credential(certificate('unrecorded, expired', daysFromNow(-1)), { keyId: 'k-unrecorded-expired', unrecorded: true }),
      credential(certificate('portal, expired', daysFromNow(-1)), { keyId: 'k-portal-expired' })
    ]
    const plan = planProvisioning(desired({ held, revokePreviousAfterHours: 24 }), completeTenant(keys), NOW)
    expect(plan.prune?.keyIds).toEqual(['k-theirs-expired', 'k-unrecorded-expired'])
  })
})

describe('previousCertificateFate: what the summary says of the certificate a rotation replaces', () => {
  const expiring = certificate('held, expiring', daysFromNow(10))
  const planWith = (hours: number | undefined, options: { secretSet?: string; unrecorded?: boolean } = {}) =>
    planProvisioning(
      desired({ held: expiring, ...(hours === undefined ? {} : { revokePreviousAfterHours: hours }) }),
      completeTenant([{ ...credential(expiring, { keyId: 'k-held', actionMade: true, ...options }), startDateTime: new Date(NOW.getTime() - 355 * DAY).toISOString() }]),
      NOW
    )

  it('follows revoke-previous, and never promises to revoke a certificate that is not this set\'s', () => {
    expect(previousCertificateFate(planWith(undefined))).toBe('stays on the app until it expires (revoke-previous: never)')
    expect(previousCertificateFate(planWith(24))).toBe(
      'stays on the app so jobs that already loaded it keep working; the first run 24 h or more after this one revokes it (revoke-previous: 24)'
    )
    expect(previousCertificateFate(planWith(0))).toBe('is revoked in this run once the new one has signed in and is stored (revoke-previous: 0)')
    expect(previousCertificateFate(planWith(0), true)).toBe('was revoked in this run, once the new one had signed in and was stored (revoke-previous: 0)')
    expect(previousCertificateFate(planWith(0), false)).toMatch(/^stays on the app for now: it was not revoked in this run/)
    expect(previousCertificateFate(planWith(0, { secretSet: OTHER_SET.id }))).toBe(
      `stays on the app until it expires: it belongs to another secret set (${OTHER_SET.id}), which revokes its own`
    )
    expect(previousCertificateFate(planWith(24, { unrecorded: true }))).toMatch(/^stays on the app until it expires: its name records no secret set/)
  })
})
