/**
 * An InputSource for unit tests of readSettings: inputs from a plain object (action.yml
 * defaults applied, as the runner does) and a journal of every get() and mask() call, so
 * tests can check that secrets are masked before anything else is read.
 */
import { actionDefaults } from '../../scripts/lib/local-runner.js'
import type { InputSource } from '../../src/settings.js'

export type InputEvent = { kind: 'get'; name: string } | { kind: 'mask'; value: string }

export class FakeInputs implements InputSource {
  readonly events: InputEvent[] = []
  private readonly values: Record<string, string>

  constructor(inputs: Record<string, string>, options: { withDefaults?: boolean } = {}) {
    this.values = { ...(options.withDefaults === false ? {} : actionDefaults()), ...inputs }
  }

  get(name: string): string {
    this.events.push({ kind: 'get', name })
    return this.values[name] ?? ''
  }

  mask(value: string): void {
    this.events.push({ kind: 'mask', value })
  }

  get masks(): string[] {
    return this.events.flatMap(event => (event.kind === 'mask' ? [event.value] : []))
  }

  /** Index of the first read of an input that is not in `secretNames` (-1 if none). */
  firstReadOtherThan(secretNames: readonly string[]): number {
    return this.events.findIndex(event => event.kind === 'get' && !secretNames.includes(event.name))
  }

  /** Index of the mask() call that registered `value` (-1 if never). */
  maskIndex(value: string): number {
    return this.events.findIndex(event => event.kind === 'mask' && event.value === value)
  }
}
