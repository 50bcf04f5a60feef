/**
 * Files that hold secrets (the PFX and its password) live under RUNNER_TEMP in a
 * directory only this user can read, and are removed by the post step. Every path
 * created here is remembered in the action's state for `cleanup.ts`.
 */
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { rememberForCleanup } from './state.js'

export interface CertificateFiles {
  directory: string
  pfxPath: string
  passwordPath: string
}

/** Writes `certificate.pfx` and `certificate.pfx.password` (0600) in a new 0700 directory. */
export async function writeCertificateFiles(
  runnerTemp: string,
  pfxBase64: string,
  pfxPassword: string
): Promise<CertificateFiles> {
  const parent = join(runnerTemp, 'exo-cba')
  await mkdir(parent, { recursive: true, mode: 0o700 })
  const directory = await mkdtemp(join(parent, 'cert-'))
  await chmod(directory, 0o700)
  rememberForCleanup(directory)
  const pfxPath = join(directory, 'certificate.pfx')
  const passwordPath = join(directory, 'certificate.pfx.password')
  await writePrivateFile(pfxPath, Buffer.from(pfxBase64, 'base64'))
  await writePrivateFile(passwordPath, pfxPassword)
  return { directory, pfxPath, passwordPath }
}

/** Creates or replaces a file readable only by this user (0600), whatever the umask. */
export async function writePrivateFile(path: string, data: string | Buffer): Promise<void> {
  await writeFile(path, data, { mode: 0o600 })
  // `mode` only applies when the file is created; an existing file keeps its own.
  await chmod(path, 0o600)
}
