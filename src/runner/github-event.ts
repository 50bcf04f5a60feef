/**
 * What the runner tells a job about where it runs, for deciding whether this job's own OIDC
 * subject is one a reviewer guards. The runner exposes no default-branch variable; the
 * event payload at GITHUB_EVENT_PATH carries it as `repository.default_branch` for events
 * that come from a repository (push, pull_request, workflow_dispatch, …; github/docs
 * webhooks/webhook-events-and-payloads.md). A scheduled run's payload has none.
 */
import { readFileSync } from 'node:fs'

/** What this job knows about where it runs (the runner's variables and event payload). */
export interface JobFacts {
  /** GITHUB_EVENT_NAME, e.g. `push`, `pull_request`, `schedule`. */
  eventName?: string
  /** GITHUB_REF, e.g. `refs/heads/main`. */
  ref?: string
  /** `repository.default_branch` of the event payload (GITHUB_EVENT_PATH), e.g. `main`. */
  defaultBranch?: string
  /** GITHUB_REPOSITORY (`owner/name`), GITHUB_REPOSITORY_OWNER_ID, GITHUB_REPOSITORY_ID. */
  repository?: string
  repositoryOwnerId?: string
  repositoryId?: string
}

export function readJobFacts(env: NodeJS.ProcessEnv = process.env): JobFacts {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined
  const defaultBranch = readDefaultBranch(value('GITHUB_EVENT_PATH'))
  const facts: JobFacts = {}
  const set = <K extends keyof JobFacts>(key: K, v: JobFacts[K] | undefined): void => {
    if (v !== undefined) facts[key] = v
  }
  set('eventName', value('GITHUB_EVENT_NAME'))
  set('ref', value('GITHUB_REF'))
  set('defaultBranch', defaultBranch)
  set('repository', value('GITHUB_REPOSITORY'))
  set('repositoryOwnerId', value('GITHUB_REPOSITORY_OWNER_ID'))
  set('repositoryId', value('GITHUB_REPOSITORY_ID'))
  return facts
}

function readDefaultBranch(path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  try {
    const payload = JSON.parse(readFileSync(path, 'utf8')) as { repository?: { default_branch?: unknown } }
    const branch = payload.repository?.default_branch
    return typeof branch === 'string' && branch !== '' ? branch : undefined
  } catch {
    // No payload (outside Actions) or not JSON: the default branch stays unknown, which refuses
    // a default subject rather than trusting a branch nobody confirmed.
    return undefined
  }
}
