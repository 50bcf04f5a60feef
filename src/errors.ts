/**
 * An error the user can act on: its message says what is wrong and what to do.
 * `main.ts` reports these with `core.setFailed(message)` and no stack trace; anything
 * else is a bug and is reported with its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError'
  /** The action input the problem is about, when there is one. */
  readonly input?: string

  constructor(message: string, options?: { input?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.input = options?.input
  }
}
