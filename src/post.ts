/**
 * The post step: removes the files the main step wrote (the folders with the PFX, its
 * password or the access tokens; the connect script, wherever `connect-script-path` put it,
 * while it is still the action's own file) and the key files Windows kept for certificates
 * the connect script loaded in processes that were killed before they could dispose them, so
 * nothing is left on a self-hosted runner; and gives back the provisioning lease if the main
 * step died holding it.
 */
import * as core from '@actions/core'
import { open, readFile, rm, rmdir, unlink } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { releaseLeftLease } from './github/lease.js'
import { CONNECT_SCRIPT_MARK, KEY_FILES_RECORD, connectScriptToCleanUp, leaseToGiveBack, pathsToCleanUp } from './runner/state.js'

export async function cleanup(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await removeFiles(env)
  await giveBackLease()
}

async function removeFiles(env: NodeJS.ProcessEnv): Promise<void> {
  const script = connectScriptToCleanUp()
  const parents = new Set<string>()
  for (const path of pathsToCleanUp()) {
    try {
      if (path === script) {
        await removeConnectScript(path)
        continue
      }
      await removeKeyFilesRecordedIn(path, env)
      await rm(path, { recursive: true, force: true })
      // The folder the action made these in (RUNNER_TEMP/exo-cba): removed below when empty.
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
 * The connect script may sit in a folder of the user's. It is removed only while it is still
 * the file this action wrote (its first line says so): a later step may have replaced it with
 * a file or a folder of its own. Its folder is never removed.
 */
async function removeConnectScript(path: string): Promise<void> {
  let head: string
  try {
    const file = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(200)
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0)
      head = buffer.subarray(0, bytesRead).toString('utf8')
    } finally {
      await file.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    if (code === 'EISDIR') {
      core.info(`Left ${path}: it is a folder now, not the connect script this action wrote.`)
      return
    }
    throw error
  }
  if (!head.split('\n', 1)[0].includes(CONNECT_SCRIPT_MARK)) {
    core.info(`Left ${path}: it no longer holds the connect script this action wrote.`)
    return
  }
  await unlink(path)
  core.info(`Removed ${path}`)
}

/**
 * On Windows the connect script names, beside the PFX, the key file Windows keeps for the
 * certificate until it is disposed. A step that was killed never disposed it: delete it.
 * Only plain file names in the user's own key folders (%APPDATA%\Microsoft\Crypto\RSA\<SID>
 * and \Keys) are deleted, whatever the record says.
 */
async function removeKeyFilesRecordedIn(directory: string, env: NodeJS.ProcessEnv): Promise<void> {
  let record: string
  try {
    record = await readFile(join(directory, KEY_FILES_RECORD), 'utf8')
  } catch {
    return
  }
  const appData = env.APPDATA
  if (appData === undefined || appData === '') return
  const crypto = resolve(appData, 'Microsoft', 'Crypto')
  for (const line of record.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const keyFile = line.trim()
    if (keyFile === '') continue
    const inside = relative(crypto, resolve(keyFile)).split(/[\\/]/)
    const folder = inside[0].toLowerCase()
    const isKeyFile = (inside.length === 3 && folder === 'rsa') || (inside.length === 2 && folder === 'keys')
    if (!isKeyFile || inside.some(part => part === '' || part === '..')) {
      core.warning(`Did not delete ${keyFile}: it is not a key file in ${crypto}.`)
      continue
    }
    try {
      await unlink(keyFile)
      core.info(`Removed the key file ${keyFile} Windows kept for the certificate.`)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      core.warning(`Could not remove the key file ${keyFile}: ${(error as Error).message}. Delete it by hand on self-hosted runners.`)
    }
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
    const outcome = await releaseLeftLease(record, { token, log: line => core.info(line) })
    if (outcome === 'released') core.info(`Gave back the provisioning lease ${record.name} the main step left.`)
  } catch (error) {
    core.warning(
      `Could not give back the provisioning lease ${record.name} (${(error as Error).message}). Later provisioning runs wait for it until it is stale; delete the secret ${record.name} to free it now.`
    )
  }
}
