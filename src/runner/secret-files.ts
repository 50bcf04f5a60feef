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
  const directory = await privateDirectory(runnerTemp, 'cert-')
  const pfxPath = join(directory, 'certificate.pfx')
  const passwordPath = join(directory, 'certificate.pfx.password')
  await writePrivateFile(pfxPath, Buffer.from(pfxBase64, 'base64'))
  await writePrivateFile(passwordPath, pfxPassword)
  return { directory, pfxPath, passwordPath }
}

export interface TokenFiles {
  directory: string
  exchangeTokenPath: string
  /** With `connect-ippssession: true`. */
  complianceTokenPath?: string
}

/**
 * `credential: federated`: the access tokens the connect script signs in with, as
 * `exchange.token` (and `compliance.token`), 0600 in a new 0700 directory. A token is as good
 * as a password for an hour: it never goes to an output or a log, only here.
 */
export async function writeTokenFiles(runnerTemp: string, tokens: { exchange: string; compliance?: string }): Promise<TokenFiles> {
  const directory = await privateDirectory(runnerTemp, 'token-')
  const exchangeTokenPath = join(directory, 'exchange.token')
  await writePrivateFile(exchangeTokenPath, tokens.exchange)
  if (tokens.compliance === undefined) return { directory, exchangeTokenPath }
  const complianceTokenPath = join(directory, 'compliance.token')
  await writePrivateFile(complianceTokenPath, tokens.compliance)
  return { directory, exchangeTokenPath, complianceTokenPath }
}

/** A new 0700 directory under RUNNER_TEMP/exo-cba, remembered for the post step. */
async function privateDirectory(runnerTemp: string, prefix: string): Promise<string> {
  const parent = join(runnerTemp, 'exo-cba')
  await mkdir(parent, { recursive: true, mode: 0o700 })
  const directory = await mkdtemp(join(parent, prefix))
  await chmod(directory, 0o700)
  rememberForCleanup(directory)
  return directory
}

/** Creates or replaces a file readable only by this user (0600), whatever the umask. */
export async function writePrivateFile(path: string, data: string | Buffer): Promise<void> {
  await writeFile(path, data, { mode: 0o600 })
  // `mode` only applies when the file is created; an existing file keeps its own.
  await chmod(path, 0o600)
}
