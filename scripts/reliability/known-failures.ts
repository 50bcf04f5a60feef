/**
 * Bugs the suite found in code other people own (src/github, src/provision.ts,
 * src/entra), recorded instead of fixed. A failing scenario that one of these matches is
 * printed as KNOWN FAILURE with the explanation and does not fail `npm run reliability`.
 * Remove an entry once the bug is fixed: its scenarios must then pass.
 */
export interface KnownFailure {
  id: string
  explanation: string
  matches(scenario: string): boolean
}

// None at present. The last one (a set of secrets left incomplete by an interrupted run
// stayed incomplete) was fixed by writing the thumbprint last and checking the stored
// set's dates (src/github/stored-secrets.ts storedSetIncomplete).
export const KNOWN_FAILURES: KnownFailure[] = []

export function knownFailure(scenario: string): string | undefined {
  const known = KNOWN_FAILURES.find(entry => entry.matches(scenario))
  return known === undefined ? undefined : `${known.id}: ${known.explanation}`
}
