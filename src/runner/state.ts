/**
 * What the main step tells the post step: the files to remove (the folders with secrets,
 * and the connect script) and the provisioning lease to give back. The runner passes saved
 * state to the post step as STATE_<name> variables.
 */
import * as core from '@actions/core'
import type { LeaseRecord } from '../github/lease.js'

const CLEANUP_PATHS = 'cleanup-paths'
const remembered: string[] = []

/** Records a file or directory for the post step to remove, with everything in it. */
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

const CONNECT_SCRIPT = 'connect-script'

/**
 * In the first line of every connect script this action writes. The action overwrites, and
 * the post step deletes, a file at `connect-script-path` only when it carries this mark.
 */
export const CONNECT_SCRIPT_MARK = 'written by exo-cba-action'

/**
 * Records the connect script for the post step. It is removed like the other remembered
 * paths, but only while it is still the file this action wrote ({@link CONNECT_SCRIPT_MARK}):
 * it may live in a folder of the user's (`connect-script-path`), where a later step could
 * have put something else.
 */
export function rememberConnectScript(path: string): void {
  rememberForCleanup(path)
  core.saveState(CONNECT_SCRIPT, path)
}

/** The connect script the main step recorded, read in the post step. */
export function connectScriptToCleanUp(): string | undefined {
  const saved = core.getState(CONNECT_SCRIPT)
  return saved === '' ? undefined : saved
}

/**
 * Written by the connect script on Windows beside the PFX: the key files Windows made for the
 * certificate, one path a line. The post step deletes those a killed process left behind.
 */
export const KEY_FILES_RECORD = 'key-files.txt'

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
