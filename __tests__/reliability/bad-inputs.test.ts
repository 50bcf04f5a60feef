/**
 * Malformed inputs across every input of the action: each is rejected before any
 * request (the emulator saw no write, RUNNER_TEMP is empty) with an error naming the
 * input. Odd but valid values (a quote in app-name, Unicode, an expired held certificate
 * in provision mode) must be accepted and passed on intact instead.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ActionUnderTest } from '../../scripts/reliability/action-under-test.js'
import { badInputCases, badInputScenario, makeCertificates, type BadInputCase } from '../../scripts/reliability/bad-inputs.js'
import { ACTION_INPUTS } from '../../scripts/reliability/fuzz.js'
import { inPool } from '../../scripts/reliability/pool.js'
import type { ScenarioResult } from '../../scripts/reliability/result.js'

const certs = makeCertificates()
const cases = badInputCases(certs)
const rejected = cases.filter(c => c.expect === 'rejected')
const accepted = cases.filter(c => c.expect === 'accepted')

let action: ActionUnderTest
const results = new Map<string, ScenarioResult>()

beforeAll(async () => {
  action = new ActionUnderTest()
  await inPool(cases, 4, async (testCase: BadInputCase) => results.set(testCase.name, await badInputScenario(action, testCase, certs)))
}, 600_000)

afterAll(() => action?.cleanup())

describe('the bad-input matrix', () => {
  it('has at least 40 rejected cases and covers every input the user sets by hand', () => {
    expect(rejected.length).toBeGreaterThanOrEqual(40)
    const covered = new Set(cases.flatMap(c => [c.input, ...Object.keys(c.inputs)]))
    // audience is free text (any OIDC audience Entra accepts); secret-repositories is a free list.
    const uncovered = ACTION_INPUTS.filter(name => !covered.has(name) && name !== 'audience' && name !== 'secret-repositories')
    expect(uncovered).toEqual([])
  })
})

describe('rejected before any write, naming the input', () => {
  it.each(rejected.map(c => [c.name, c] as const))('%s', (_name, testCase) => {
    const result = results.get(testCase.name)!
    expect(result.problems).toEqual([])
    expect(result.leaks).toEqual([])
    expect(result.rejectedBeforeWrite).toBe(true)
    expect(result.notes?.[0]).toContain(testCase.input)
  })
})

describe('valid values that only look dangerous are accepted and passed on intact', () => {
  it.each(accepted.map(c => [c.name, c] as const))('%s', (_name, testCase) => {
    const result = results.get(testCase.name)!
    expect(result.problems).toEqual([])
    expect(result.leaks).toEqual([])
    expect(result.converged).toBe(true)
  })
})
