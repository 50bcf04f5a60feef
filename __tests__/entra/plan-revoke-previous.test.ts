/**
 * `revoke-previous` (issue 16): the planner takes this action's earlier certificates off the
 * app once the current one has been there for the grace period, or — with a grace of 0 — in
 * the rotating run itself (apply removes them only after the new one signed in and is stored).
 * Never a foreign certificate, the held one, an expired one (prune's), or a newer one.
 */
import { describe, expect, it } from '@jest/globals'
import { planProvisioning } from '../../src/entra/plan.js'
import { describePlanLines } from '../../src/entra/describe-plan.js'
import { needsOfPlan } from '../../src/entra/preflight.js'
import type { KeyCredential } from '../../src/entra/tenant-state.js'
import { APP_OBJECT_ID, certificate, completeTenant, credential, DAY, daysFromNow, desired, NOW, type TestCertificate } from './plan-fixtures.js'

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
