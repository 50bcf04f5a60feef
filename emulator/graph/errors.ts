/**
 * Microsoft Graph's error shape:
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`,
 * with Entra's directory codes (Request_BadRequest, Request_ResourceNotFound,
 * Authorization_RequestDenied, …).
 */
import { randomUUID } from 'node:crypto'
import type { EmulatorRequest, EmulatorResponse } from '../http.js'

export interface GraphErrorDetail {
  code: string
  message: string
  target?: string
}

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: GraphErrorDetail[],
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

export const INSUFFICIENT_PRIVILEGES = 'Insufficient privileges to complete the operation.'

export function denied(): GraphError {
  return new GraphError(403, 'Authorization_RequestDenied', INSUFFICIENT_PRIVILEGES)
}

export function notFound(id: string): GraphError {
  return new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`)
}

export function badRequest(message: string, code = 'Request_BadRequest', details?: GraphErrorDetail[]): GraphError {
  return new GraphError(400, code, message, details)
}

/** Graph's response headers: request ids, and the OData JSON content type. */
export function graphHeaders(req: Pick<EmulatorRequest, 'headers'>, requestId: string = randomUUID()): Record<string, string> {
  const clientRequestId = headerValue(req, 'client-request-id') ?? requestId
  return {
    'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'request-id': requestId,
    'client-request-id': clientRequestId,
    'odata-version': '4.0',
    'strict-transport-security': 'max-age=31536000'
  }
}

export function graphErrorResponse(err: GraphError, req: Pick<EmulatorRequest, 'headers'>): EmulatorResponse {
  const requestId = randomUUID()
  const headers = { ...graphHeaders(req, requestId), ...err.headers }
  const error: Record<string, unknown> = { code: err.code, message: err.message }
  if (err.details) error.details = err.details
  error.innerError = {
    date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
    'request-id': requestId,
    'client-request-id': headers['client-request-id']
  }
  return { status: err.status, headers, json: { error } }
}

/** Graph's answer to an injected fault. */
export function graphFaultError(status: number, retryAfterSeconds?: number): GraphError {
  const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }
  switch (status) {
    case 429:
      return new GraphError(429, 'TooManyRequests', 'Too many requests. Wait and retry the request after the time given in the Retry-After header.', undefined, headers)
    case 503:
      return new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable for maintenance or is overloaded. You may repeat the request after a delay, which may be specified in a Retry-After header.', undefined, headers)
    case 504:
      return new GraphError(504, 'UnknownError', 'The server, while acting as a proxy, did not receive a timely response from the upstream server it needed to access in attempting to complete the request.', undefined, headers)
    default:
      return new GraphError(status, 'generalException', 'An unspecified error has occurred.', undefined, headers)
  }
}

export function headerValue(req: Pick<EmulatorRequest, 'headers'>, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}
