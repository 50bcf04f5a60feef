/**
 * The post step: removes every file with a secret that the main step wrote (the PFX,
 * its password, the connect script), so nothing is left on a self-hosted runner.
 */
import * as core from '@actions/core'
import { rm, rmdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { pathsToCleanUp } from './runner/state.js'

export async function cleanup(): Promise<void> {
  const paths = pathsToCleanUp()
  const parents = new Set<string>()
  for (const path of paths) {
    try {
      await rm(path, { recursive: true, force: true })
      parents.add(dirname(path))
      core.info(`Removed ${path}`)
    } catch (error) {
      // Keep going: one stuck file must not leave the others behind.
      core.warning(`Could not remove ${path}: ${(error as Error).message}. Delete it by hand on self-hosted runners.`)
    }
  }
  for (const parent of parents) {
    // Only the action's own folder, and only when nothing else is left in it.
    if (!parent.endsWith('exo-cba')) continue
    await rmdir(parent).catch(() => undefined)
  }
}
