/**
 * The post step: removes every file with a secret that the main step wrote (the PFX,
 * its password, the connect script), so nothing is left on a self-hosted runner, and
 * gives back the provisioning lease if the main step died holding it.
 */
import * as core from '@actions/core'
import { rm, rmdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { releaseLeftLease } from './github/lease.js'
import { leaseToGiveBack, pathsToCleanUp } from './runner/state.js'

export async function cleanup(): Promise<void> {
  await removeFiles()
  await giveBackLease()
}

async function removeFiles(): Promise<void> {
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

/**
 * The main step gives the lease back itself; a record left here means it was killed or
 * crashed while holding (or taking) it. Without this, other runs would wait until the
 * lease is stale.
 */
async function giveBackLease(): Promise<void> {
  const record = leaseToGiveBack()
  if (record === undefined) return
  // The post step gets the same inputs as the main step.
  const token = core.getInput('github-token')
  if (token !== '') core.setSecret(token)
  try {
    const outcome = await releaseLeftLease(record, { token })
    if (outcome === 'released') core.info(`Gave back the provisioning lease ${record.name} the main step left.`)
  } catch (error) {
    core.warning(
      `Could not give back the provisioning lease ${record.name} (${(error as Error).message}). Later provisioning runs wait for it until it is stale; delete the secret ${record.name} to free it now.`
    )
  }
}
