/**
 * The rules of a run's steps (src/run-steps.ts): what is taken back, in which order, what a
 * failed taking-back does to the error, and that nothing is taken back once the run settled.
 */
import { describe, expect, it } from '@jest/globals'
import { runSteps, StepsFailedError, type RunStep } from '../../src/run-steps.js'
import { UserError } from '../../src/errors.js'

/** Steps that record what happened, in order. */
function recorder(): { events: string[]; step(name: string, options?: Partial<RunStep> & { fails?: Error; undoFails?: Error }): RunStep } {
  const events: string[] = []
  return {
    events,
    step(name, options = {}) {
      return {
        name,
        ...(options.settles === undefined ? {} : { settles: options.settles }),
        ...(options.bestEffort === undefined ? {} : { bestEffort: options.bestEffort }),
        run: async () => {
          events.push(`run ${name}`)
          if (options.fails !== undefined) throw options.fails
        },
        undo: async () => {
          events.push(`undo ${name}`)
          if (options.undoFails !== undefined) throw options.undoFails
        }
      }
    }
  }
}

const noWarnings = (message: string): void => {
  throw new Error(`unexpected warning: ${message}`)
}

describe('runSteps', () => {
  it('runs every step in order when nothing fails, and takes nothing back', async () => {
    const { events, step } = recorder()
    await runSteps([step('a'), step('b'), step('c')], noWarnings)
    expect(events).toEqual(['run a', 'run b', 'run c'])
  })

  it('a failing step takes back its own partial work first, then the finished steps newest first', async () => {
    const { events, step } = recorder()
    const failure = new UserError('GitHub refused EXO_CERT_PASSWORD')
    await expect(runSteps([step('apply'), step('verify'), step('store secrets', { fails: failure }), step('files')], noWarnings)).rejects.toBe(failure)
    expect(events).toEqual(['run apply', 'run verify', 'run store secrets', 'undo store secrets', 'undo verify', 'undo apply'])
  })

  it('a taking-back that fails does not stop the others, and the error names both causes', async () => {
    const { events, step } = recorder()
    const failure = new UserError('GitHub refused EXO_CERT_PASSWORD')
    const undoFailure = new Error('Graph answered 503 to PATCH /applications/abc')
    const run = runSteps([step('apply', { undoFails: undoFailure }), step('store secrets', { fails: failure, undoFails: new Error('could not restore EXO_APP_ID') })], noWarnings)
    const error = await run.then(() => undefined, (thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(StepsFailedError)
    const message = (error as Error).message
    expect(message).toMatch(/^GitHub refused EXO_CERT_PASSWORD\n/)
    expect(message).toContain('- take back "store secrets": could not restore EXO_APP_ID')
    expect(message).toContain('- take back "apply": Graph answered 503 to PATCH /applications/abc')
    expect((error as StepsFailedError).failure).toBe(failure)
    expect(events).toEqual(['run apply', 'run store secrets', 'undo store secrets', 'undo apply'])
  })

  it('once a settling step succeeded, a later failure takes nothing before it back', async () => {
    const { events, step } = recorder()
    const failure = new Error('disk full')
    await expect(runSteps([step('apply'), step('store secrets', { settles: true }), step('files', { fails: failure })], noWarnings)).rejects.toBe(failure)
    expect(events).toEqual(['run apply', 'run store secrets', 'run files', 'undo files'])
  })

  it('a best-effort step that fails is a warning, and the run goes on without taking anything back', async () => {
    const { events, step } = recorder()
    const warnings: string[] = []
    await runSteps([step('apply'), step('remove old certificates', { bestEffort: true, fails: new Error('Graph answered 503') }), step('check')], message => warnings.push(message))
    expect(events).toEqual(['run apply', 'run remove old certificates', 'run check'])
    expect(warnings).toEqual(["Could not remove old certificates: Graph answered 503. The run's result stands; the next run tries again."])
  })
})
