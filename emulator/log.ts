/**
 * The request log: what reached the emulator and what it answered, for assertions
 * ("no write happened in dry-run") and benchmarks (counts, timings).
 */
import type { ServiceName } from './faults.js'

export interface LoggedRequest {
  seq: number
  /** ISO 8601 time the request arrived. */
  timestamp: string
  service: ServiceName
  method: string
  /** Path with query, as the client sent it (a $batch sub-request: its own URL under /v1.0). */
  path: string
  status: number
  /** `read` for GET/HEAD and for sign-ins (they change no directory state), else `write`. */
  kind: 'read' | 'write'
  /** Time spent answering, including injected latency. */
  ms: number
  /** True for a sub-request of a Graph $batch. */
  batch?: boolean
  /** Set when an injected fault produced the answer: `status:429`, `reset`, … */
  fault?: string
}

export type RecordListener = (entry: LoggedRequest) => void

export class RequestLog {
  private entries: LoggedRequest[] = []
  private seq = 0
  private readonly listeners = new Set<RecordListener>()

  record(entry: Omit<LoggedRequest, 'seq'>): LoggedRequest {
    const logged = { seq: ++this.seq, ...entry }
    this.entries.push(logged)
    for (const listener of this.listeners) {
      // A listener's bug must not turn into an answer the client sees.
      try {
        listener(logged)
      } catch (error) {
        console.error('emulator log listener failed:', error)
      }
    }
    return logged
  }

  /**
   * Calls `listener` synchronously with each entry as it is recorded: right after the
   * answer was handed to the socket (a $batch step: right after the step was carried
   * out). Crash tests use it to kill a client right after a given write. Returns a
   * function that removes the listener.
   */
  onRecord(listener: RecordListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** All entries, or those matching a filter. */
  list(filter: { service?: ServiceName; method?: string; path?: RegExp; kind?: 'read' | 'write' } = {}): LoggedRequest[] {
    return this.entries.filter(e =>
      (!filter.service || e.service === filter.service) &&
      (!filter.method || e.method === filter.method.toUpperCase()) &&
      (!filter.path || filter.path.test(e.path)) &&
      (!filter.kind || e.kind === filter.kind))
  }

  clear(): void {
    this.entries = []
  }
}
