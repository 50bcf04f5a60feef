/**
 * What the main step tells the post step: the files to remove and the provisioning lease
 * to give back. The runner passes saved state to the post step as STATE_<name> variables.
 */
import * as core from '@actions/core'
import type { LeaseRecord } from '../github/lease.js'

const CLEANUP_PATHS = 'cleanup-paths'
const remembered: string[] = []

/** Records a file or directory for the post step to remove. */
export function rememberForCleanup(path: string): void {
  if (remembered.includes(path)) return
  remembered.push(path)
  // Each save appends to GITHUB_STATE; the runner keeps the last value of a name.
  core.saveState(CLEANUP_PATHS, JSON.stringify(remembered))
}

/** The paths the main step recorded, read in the post step. */
export function pathsToCleanUp(): string[] {
  const saved = core.getState(CLEANUP_PATHS)
  if (saved === '') return []
  const parsed: unknown = JSON.parse(saved)
  return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : []
}

const LEASE = 'provisioning-lease'

/**
 * Records the provisioning lease this run holds or is taking (undefined: none), so the
 * post step can give it back if the main step dies. Names and dates only, no token.
 */
export function rememberLease(record: LeaseRecord | undefined): void {
  core.saveState(LEASE, record === undefined ? '' : JSON.stringify(record))
}

/** The lease the main step left, read in the post step. */
export function leaseToGiveBack(): LeaseRecord | undefined {
  const saved = core.getState(LEASE)
  if (saved === '') return undefined
  return JSON.parse(saved) as LeaseRecord
}
