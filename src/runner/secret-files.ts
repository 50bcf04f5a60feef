/**
 * Files that hold secrets (the PFX and its password, federated access tokens) live under
 * RUNNER_TEMP in a directory only this user can read, and are removed by the post step.
 * Every path created here is remembered in the action's state for `cleanup.ts`.
 *
 * "Only this user" means mode 0700/0600 on Linux and macOS. On Windows modes mean nothing
 * (chmod only toggles the read-only flag) and a new file inherits its folder's ACL, which on
 * self-hosted runners often lets BUILTIN\Users read it; there the directory gets an ACL of its
 * own, set with icacls before anything is written into it: full control for the runner's user
 * (by SID), nothing inherited, so the files created in it inherit only that.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join, win32 } from 'node:path'
import { UserError } from '../errors.js'
import { rememberForCleanup } from './state.js'

/** What making a file private depends on: the OS, its environment, and running a program. */
export interface FileAccessHost {
  platform: NodeJS.Platform
  env: NodeJS.ProcessEnv
  /** Runs `file` with `args`, no shell; resolves with its standard output, rejects when it fails. */
  run(file: string, args: readonly string[]): Promise<string>
}

/** The runner this process runs on. */
export const thisRunner: FileAccessHost = {
  platform: process.platform,
  env: process.env,
  run: (file, args) =>
    new Promise((resolve, reject) => {
      execFile(file, [...args], { windowsHide: true, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${stderr.trim() || stdout.trim() || error.message}`.replace(/\s+/g, ' ')))
        else resolve(stdout)
      })
    })
}

export interface CertificateFiles {
  directory: string
  pfxPath: string
  passwordPath: string
}

/** Writes `certificate.pfx` and `certificate.pfx.password` (0600) in a new private directory. */
export async function writeCertificateFiles(
  runnerTemp: string,
  pfxBase64: string,
  pfxPassword: string,
  host: FileAccessHost = thisRunner
): Promise<CertificateFiles> {
  const directory = await privateDirectory(runnerTemp, 'cert-', host)
  const pfxPath = join(directory, 'certificate.pfx')
  const passwordPath = join(directory, 'certificate.pfx.password')
  await writeNewPrivateFile(pfxPath, Buffer.from(pfxBase64, 'base64'))
  await writeNewPrivateFile(passwordPath, pfxPassword)
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
 * `exchange.token` (and `compliance.token`), 0600 in a new private directory. A token is as good
 * as a password for an hour: it never goes to an output or a log, only here.
 */
export async function writeTokenFiles(
  runnerTemp: string,
  tokens: { exchange: string; compliance?: string },
  host: FileAccessHost = thisRunner
): Promise<TokenFiles> {
  const directory = await privateDirectory(runnerTemp, 'token-', host)
  const exchangeTokenPath = join(directory, 'exchange.token')
  await writeNewPrivateFile(exchangeTokenPath, tokens.exchange)
  if (tokens.compliance === undefined) return { directory, exchangeTokenPath }
  const complianceTokenPath = join(directory, 'compliance.token')
  await writeNewPrivateFile(complianceTokenPath, tokens.compliance)
  return { directory, exchangeTokenPath, complianceTokenPath }
}

/**
 * A new directory under RUNNER_TEMP/exo-cba that only this user can open (0700; on Windows an
 * owner-only ACL), remembered for the post step before anything is written into it.
 */
async function privateDirectory(runnerTemp: string, prefix: string, host: FileAccessHost): Promise<string> {
  const parent = join(runnerTemp, 'exo-cba')
  await mkdir(parent, { recursive: true, mode: 0o700 })
  const directory = await mkdtemp(join(parent, prefix))
  rememberForCleanup(directory)
  await chmod(directory, 0o700)
  // Object inherit + container inherit: what is created inside gets the same single entry.
  if (host.platform === 'win32') await grantOnlyCurrentUser(directory, '(OI)(CI)F', host)
  return directory
}

/**
 * A file that must not exist yet (`wx`): on Windows another local user could otherwise have
 * slipped a file of their own, with their own ACL, into the new directory before it was locked.
 */
async function writeNewPrivateFile(path: string, data: string | Buffer): Promise<void> {
  await writeFile(path, data, { mode: 0o600, flag: 'wx' })
  await chmod(path, 0o600)
}

/** Creates or replaces a file readable only by this user (0600), whatever the umask. */
export async function writePrivateFile(path: string, data: string | Buffer, host: FileAccessHost = thisRunner): Promise<void> {
  await writeFile(path, data, { mode: 0o600 })
  await protectFile(path, host)
}

/**
 * Makes an existing file readable only by this user: mode 0600 (`writeFile`'s `mode` only
 * applies when it creates the file), and on Windows an owner-only ACL.
 */
export async function protectFile(path: string, host: FileAccessHost = thisRunner): Promise<void> {
  await chmod(path, 0o600)
  if (host.platform === 'win32') await grantOnlyCurrentUser(path, 'F', host)
}

/**
 * `icacls <path> /inheritance:r /grant:r *<SID>:<rights>`: drops every inherited entry and
 * leaves one, full control for the user this process runs as. By SID, because a bare user
 * name can resolve to another account (a local one named like a domain user), and the
 * service accounts runners often use (NETWORK SERVICE) have no USERDOMAIN to qualify it with.
 * Programs by absolute path: Windows would look in the working directory (the workspace) first.
 */
async function grantOnlyCurrentUser(path: string, rights: string, host: FileAccessHost): Promise<void> {
  const icacls = win32.join(systemDirectory(host), 'icacls.exe')
  try {
    const sid = await currentUserSid(host)
    await host.run(icacls, [path, '/inheritance:r', '/grant:r', `*${sid}:${rights}`])
  } catch (error) {
    throw new UserError(
      `Could not make ${path} readable by the runner's user only (${(error as Error).message}). The action does not leave the certificate or tokens where other accounts on this Windows runner could read them; check that ${icacls} and whoami.exe work for the runner's account.`,
      { cause: error }
    )
  }
}

function systemDirectory(host: FileAccessHost): string {
  return win32.join(host.env.SystemRoot ?? host.env.SYSTEMROOT ?? 'C:\\Windows', 'System32')
}

const sids = new WeakMap<FileAccessHost, Promise<string>>()

/** The SID of the user this process runs as, from `whoami /user` (asked once per host). */
function currentUserSid(host: FileAccessHost): Promise<string> {
  let sid = sids.get(host)
  if (sid === undefined) {
    sid = host.run(win32.join(systemDirectory(host), 'whoami.exe'), ['/user', '/fo', 'csv', '/nh']).then(output => {
      // "machine\user","S-1-5-21-…"
      const match = /"(S-1-\d+(?:-\d+)+)"\s*$/m.exec(output)
      if (match === null) throw new Error(`whoami /user did not name a SID: ${JSON.stringify(output.trim())}`)
      return match[1]
    })
    // A failure is not remembered: the next file asks again.
    sid.catch(() => sids.delete(host))
    sids.set(host, sid)
  }
  return sid
}
