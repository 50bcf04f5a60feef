/**
 * Where a step's time goes: one `::debug::` line per phase, shown when the workflow runs
 * with step debug logging (ACTIONS_STEP_DEBUG) and read by `npm run bench`. The clock is
 * `performance.now()`, which counts from the process's start: its value when run() begins
 * is the `start-up` phase (Node's start-up and loading the bundle).
 */
import * as core from '@actions/core'

/** The prefix the bench looks for: `::debug::timing <phase> <ms> ms`. */
export const TIMING_PREFIX = 'timing'

/** Logs one phase's duration. */
export function recordPhase(phase: string, ms: number): void {
  core.debug(`${TIMING_PREFIX} ${phase} ${ms.toFixed(1)} ms`)
}

/** Runs `work` and logs how long it took under `phase`, whether it succeeds or not. */
export async function timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await work()
  } finally {
    recordPhase(phase, performance.now() - started)
  }
}
