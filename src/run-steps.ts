/**
 * The steps of a run after its plan, as an explicit list: what each does, and how to take
 * it back when the run cannot finish. The rules live here once, instead of in the care of
 * every caller:
 *
 * - A failing step takes back its own partial work first (a secret set half written), then
 *   the finished steps are taken back, newest first. Each taking-back runs in its own try:
 *   one that fails neither stops the others nor hides the failure that stopped the run —
 *   the error names both.
 * - Once a step marked `settles` has finished (the secrets name the new certificate), the
 *   run's result stands: nothing before it is taken back any more, and later failures are
 *   reported without undoing a finished rotation.
 * - A `bestEffort` step (removing old certificates, a last check) that fails is a warning;
 *   the run goes on.
 */
import { UserError } from './errors.js'

export interface RunStep {
  /** In the user's words, e.g. "store the secrets"; it names the step in errors and warnings. */
  name: string
  run(): Promise<void>
  /**
   * Takes the step's work back. Called when the step itself fails (for its partial work)
   * or a later step does, before the run settles. It must be safe after a partial run.
   */
  undo?(failure: unknown): Promise<void>
  /** After this step succeeds, no earlier step is taken back. */
  settles?: boolean
  /** Its failure is a warning; the run goes on. */
  bestEffort?: boolean
}

/** A step failed, and taking the run's work back failed too: both are named. */
export class StepsFailedError extends UserError {
  constructor(
    readonly failure: unknown,
    readonly undoFailures: ReadonlyArray<{ step: string; error: unknown }>
  ) {
    super(
      `${messageOf(failure)}\n\nTaking back this run's changes did not fully succeed:\n${undoFailures
        .map(({ step, error }) => `- ${step}: ${messageOf(error)}`)
        .join('\n')}`,
      { cause: failure }
    )
  }
}

export async function runSteps(steps: readonly RunStep[], warn: (message: string) => void): Promise<void> {
  let finished: RunStep[] = []
  for (const step of steps) {
    try {
      await step.run()
    } catch (failure) {
      if (step.bestEffort === true) {
        warn(`Could not ${step.name}: ${messageOf(failure)}. The run's result stands; the next run tries again.`)
        continue
      }
      const undoFailures: Array<{ step: string; error: unknown }> = []
      for (const done of [step, ...[...finished].reverse()]) {
        if (done.undo === undefined) continue
        try {
          await done.undo(failure)
        } catch (error) {
          undoFailures.push({ step: `take back "${done.name}"`, error })
        }
      }
      if (undoFailures.length > 0) throw new StepsFailedError(failure, undoFailures)
      throw failure
    }
    finished = step.settles === true ? [] : [...finished, step]
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
