/**
 * The envelope of a JSON batch request, as OData JSON Format 4.01 §19 defines it: an object
 * whose only member is `requests`, an array of request objects with `id`, `method`, `url`
 * (required, strings), and optionally `atomicityGroup`, `dependsOn` (ids or atomicity groups
 * of preceding requests only), `headers` (an object of strings), `body`, `if`. Each step is
 * then checked as a request in its own right (graph-request.ts).
 */

const REQUEST_MEMBERS = new Set(['id', 'method', 'url', 'atomicityGroup', 'dependsOn', 'headers', 'body', 'if'])
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])

export function jsonBatchProblems(body: unknown): string[] {
  const rule = 'OData JSON batch (JSON Format 4.01 §19)'
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [`The ${rule} body must be a JSON object with a 'requests' array.`]
  const problems: string[] = []
  const envelope = body as Record<string, unknown>
  for (const name of Object.keys(envelope)) {
    if (name !== 'requests') problems.push(`The ${rule} envelope has one member, 'requests'; '${name}' is not allowed.`)
  }
  if (!Array.isArray(envelope.requests)) return [...problems, `The ${rule} body needs a 'requests' array.`]
  const seen = new Set<string>()
  envelope.requests.forEach((raw, index) => {
    const where = `requests[${index}]`
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where} must be a JSON object (${rule}).`)
      return
    }
    const request = raw as Record<string, unknown>
    for (const name of Object.keys(request)) {
      if (!REQUEST_MEMBERS.has(name)) problems.push(`${where} has '${name}', which is not a member of a batch request object (${[...REQUEST_MEMBERS].join(', ')}).`)
    }
    for (const name of ['id', 'method', 'url'] as const) {
      if (typeof request[name] !== 'string' || request[name] === '') problems.push(`${where} needs '${name}' as a non-empty string (${rule}).`)
    }
    if (typeof request.method === 'string' && !METHODS.has(request.method.toUpperCase())) problems.push(`${where}: '${request.method}' is not an HTTP method.`)
    if (typeof request.id === 'string') {
      if (seen.has(request.id)) problems.push(`${where}: the id '${request.id}' is used by an earlier request; ids are unique in a batch.`)
    }
    if (request.atomicityGroup !== undefined && typeof request.atomicityGroup !== 'string') problems.push(`${where}: atomicityGroup must be a string.`)
    if (request.dependsOn !== undefined) {
      if (!Array.isArray(request.dependsOn) || !request.dependsOn.every(d => typeof d === 'string')) {
        problems.push(`${where}: dependsOn must be an array of strings.`)
      } else {
        for (const d of request.dependsOn as string[]) {
          if (!seen.has(d)) problems.push(`${where}: dependsOn '${d}' is not the id or atomicityGroup of a preceding request (forward references are not allowed).`)
        }
      }
    }
    if (request.headers !== undefined) {
      const headers = request.headers
      if (headers === null || typeof headers !== 'object' || Array.isArray(headers) || !Object.values(headers).every(v => typeof v === 'string')) {
        problems.push(`${where}: headers must be an object whose values are strings.`)
      }
    }
    if (request.if !== undefined && typeof request.if !== 'string') problems.push(`${where}: 'if' must be a string.`)
    if (typeof request.id === 'string') seen.add(request.id)
    if (typeof request.atomicityGroup === 'string') seen.add(request.atomicityGroup)
  })
  return problems
}
