/**
 * Sequential round trips from the emulator's request log, for `npm run bench`: what a
 * client waits for one after the other, which is what latency multiplies.
 */
import type { LoggedRequest } from '../../emulator/index.js'

/** A Graph `$batch` envelope (its steps are logged apart, with `batch: true`). */
export function isBatchEnvelope(entry: LoggedRequest): boolean {
  return entry.service === 'graph' && !entry.batch && /^\/v1\.0\/\$batch/.test(entry.path)
}

/** When the request arrived, in ms since the epoch. */
export function startOf(entry: LoggedRequest): number {
  return Date.parse(entry.timestamp)
}

/** When its answer was handed to the socket. */
export function endOf(entry: LoggedRequest): number {
  return startOf(entry) + entry.ms
}

/**
 * The HTTP requests (a $batch envelope once, never its steps) in order of arrival, grouped:
 * a request that arrives before the current group's last answer ran in parallel and joins
 * the group; any other starts the next round trip. The log has millisecond resolution, so
 * the grouping is only meaningful when requests last well over a millisecond (e.g. with
 * injected latency).
 */
export function roundTripGroups(entries: readonly LoggedRequest[]): LoggedRequest[][] {
  const requests = entries.filter(e => !e.batch).sort((a, b) => startOf(a) - startOf(b) || a.seq - b.seq)
  const groups: LoggedRequest[][] = []
  let end = -Infinity
  for (const request of requests) {
    if (groups.length > 0 && startOf(request) < end) {
      groups[groups.length - 1].push(request)
      end = Math.max(end, endOf(request))
    } else {
      groups.push([request])
      end = endOf(request)
    }
  }
  return groups
}

/**
 * How many leading round trips are the sign-in chain (GitHub OIDC token, discovery, token):
 * every group up to the token request must advance it (hold a login or OIDC request);
 * requests running beside it (say, reading the secrets' dates) do not lengthen it.
 */
export function signInRoundTrips(groups: readonly LoggedRequest[][]): number {
  let count = 0
  for (const group of groups) {
    if (!group.some(e => e.service === 'login' || e.service === 'oidc')) return 0
    count++
    if (group.some(e => e.service === 'login' && /\/oauth2\/v2\.0\/token/.test(e.path))) return count
  }
  return 0
}
