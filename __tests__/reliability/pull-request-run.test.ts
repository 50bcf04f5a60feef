/**
 * Issue 21: the reliability matrix's pull-request-triggered provisioning run. Refused before
 * any write (no Graph write, no secret, no app), nothing leaked; the next run from the default
 * branch trusts that branch's subject only, and one more run writes nothing.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { ActionUnderTest } from '../../scripts/reliability/action-under-test.js'
import { passed, type ScenarioResult } from '../../scripts/reliability/result.js'
import { pullRequestProvisioningScenario } from '../../scripts/reliability/scenarios.js'

let action: ActionUnderTest
let result: ScenarioResult

beforeAll(async () => {
  action = new ActionUnderTest()
  result = await pullRequestProvisioningScenario(action)
}, 180_000)

afterAll(() => action?.cleanup())

it('a pull-request-triggered provisioning run is refused before any write, and the default branch then converges', () => {
  expect(result.problems).toEqual([])
  expect(result.leaks).toEqual([])
  expect(result.rejectedBeforeWrite).toBe(true)
  expect(result.extraWrites).toBe(0)
  expect(result.notes?.[0]).toMatch(/runs for a pull request/)
  expect(passed(result)).toBe(true)
})
