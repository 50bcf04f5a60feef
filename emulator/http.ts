/**
 * The emulator's HTTP plumbing, shared by every emulated service (Entra ID, Microsoft
 * Graph, GitHub). Each service listens on its own 127.0.0.1 port over HTTPS, so its
 * root is the URL root exactly as in production (`https://127.0.0.1:PORT/{tenant}/oauth2/...`).
 * Clients trust the emulator's CA through NODE_EXTRA_CA_CERTS, so the action has no
 * test-only TLS switch.
 */
import type { IncomingHttpHeaders } from 'node:http'

export interface EmulatorRequest {
  method: string
  /** Full URL as the client asked for it (path and query). */
  url: URL
  headers: IncomingHttpHeaders
  rawBody: Buffer
  /** Parsed JSON (application/json) or form fields (x-www-form-urlencoded); undefined otherwise. */
  body: unknown
}

export interface EmulatorResponse {
  status: number
  headers?: Record<string, string>
  /** Serialised as application/json. */
  json?: unknown
  /** Sent as-is (text/plain unless a content-type header is given). */
  text?: string
}

/**
 * One emulated service. `handle` answers a request or returns undefined for "no such
 * route" (the server then answers 404 in the service's own error shape via `notFound`).
 */
export interface EmulatedService {
  readonly name: string
  handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> | EmulatorResponse | undefined
  notFound(req: EmulatorRequest): EmulatorResponse
}
