/** What every scenario reports; the figures table sums these. */
export type Group = 'crash' | 'faults' | 'concurrency' | 'bad input' | 'fuzz' | 'hygiene'

export interface ScenarioResult {
  group: Group
  name: string
  runs: number
  faultsInjected: number
  /** Ended in the correct state (directly or after the allowed reruns). */
  converged: boolean
  /** Writes made by one more run after convergence (0 = no churn). */
  extraWrites: number
  /** Secret hygiene problems (must be none). */
  leaks: string[]
  /** Why it did not converge, or what a failing run said. */
  problems: string[]
  /** Bad-input cases: the input was rejected before any write (undefined elsewhere). */
  rejectedBeforeWrite?: boolean
  /** Set when this is a recorded bug someone else owns (see known-failures.ts). */
  knownFailure?: string
  notes?: string[]
}

export function passed(result: ScenarioResult): boolean {
  return result.converged && result.leaks.length === 0 && result.extraWrites === 0 && result.rejectedBeforeWrite !== false
}
