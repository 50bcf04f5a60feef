/**
 * GitHub's retry rules, in one place: server errors (5xx, or no answer at all) are retried
 * a couple of times with exponential backoff; a rate limit (429, or 403 with `retry-after`,
 * an exhausted `x-ratelimit-remaining`, or the "secondary rate limit" message) is retried
 * after the wait GitHub asks for, unless that wait is longer than we are willing to block a
 * job. Everything else (401, 403 permission, 404, 422) is final and returned at once.
 */

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  retries: number
  /** First backoff for server errors; doubles on each retry. */
  baseDelayMs: number
  /** A rate limit asking for a longer wait than this fails instead of blocking the job. */
  maxWaitSeconds: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, baseDelayMs: 1000, maxWaitSeconds: 60 }

/** The parts of an Octokit RequestError this module reads. */
export interface HttpFailure {
  status: number
  message: string
  response?: { headers: Record<string, string | number | undefined>; data?: unknown }
}

export function isHttpFailure(error: unknown): error is HttpFailure {
  return error instanceof Error && typeof (error as Partial<HttpFailure>).status === 'number'
}

/** GitHub's own error text (`{"message": …}`), without Octokit's " - https://docs…" suffix. */
export function gitHubMessage(error: HttpFailure): string {
  const data = error.response?.data
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message
  }
  return error.message
}

/** Seconds GitHub asks us to wait before retrying, or undefined when this is not a rate limit. */
export function rateLimitWaitSeconds(error: HttpFailure, now = Date.now()): number | undefined {
  if (error.status !== 403 && error.status !== 429) return undefined
  const headers = error.response?.headers ?? {}
  const retryAfter = headers['retry-after']
  if (retryAfter !== undefined && retryAfter !== '') {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return Math.max(0, seconds)
    const date = Date.parse(String(retryAfter))
    if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - now) / 1000))
  }
  if (String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined) {
    return Math.max(0, Number(headers['x-ratelimit-reset']) - Math.floor(now / 1000))
  }
  // GitHub's guidance for a secondary rate limit without retry-after: wait at least a minute.
  if (error.status === 429 || /secondary rate limit/i.test(gitHubMessage(error))) return 60
  return undefined
}

function isServerError(error: HttpFailure): boolean {
  return error.status >= 500
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs `call`, retrying it under GitHub's rules; the last failure is rethrown unchanged. */
export async function withGitHubRetries<T>(call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (!isHttpFailure(error) || attempt >= policy.retries) throw error
      const wait = rateLimitWaitSeconds(error)
      if (wait !== undefined) {
        if (wait > policy.maxWaitSeconds) throw error
        await sleep(wait * 1000)
      } else if (isServerError(error)) {
        await sleep(policy.baseDelayMs * 2 ** attempt)
      } else {
        throw error
      }
    }
  }
}
