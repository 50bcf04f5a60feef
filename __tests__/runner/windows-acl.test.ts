/**
 * Files with secrets on Windows runners (issue 16): modes mean nothing there, so the action
 * sets owner-only ACLs with icacls. These tests run on Linux with the platform and the
 * program runner injected: they prove the exact commands and their order, not that Windows
 * honours them (the windows-latest job in ci.yml reads the ACLs back).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeConnectScript } from '../../src/powershell/connect-script.js'
import { protectFile, writeCertificateFiles, writeTokenFiles, type FileAccessHost } from '../../src/runner/secret-files.js'

const root = mkdtempSync(join(tmpdir(), 'exo-cba-windows-acl-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SID = 'S-1-5-21-1004336348-1177238915-682003330-1001'
const WHOAMI = 'C:\\Windows\\System32\\whoami.exe'
const ICACLS = 'C:\\Windows\\System32\\icacls.exe'
const PFX = Buffer.from('a PKCS#12 file, as far as this module cares')
const PASSWORD = 'pfx-password-0123456789abcdef'

interface Call {
  file: string
  args: string[]
  /** What the folder or file named first held when the program ran. */
  contents?: string[]
}

/** A Windows runner: whoami answers as it does there; each call is recorded. */
function windowsRunner(behaviour: { whoami?: string; icacls?: (args: readonly string[]) => void } = {}): { host: FileAccessHost; calls: Call[] } {
  const calls: Call[] = []
  const host: FileAccessHost = {
    platform: 'win32',
    env: { SystemRoot: 'C:\\Windows' },
    run: async (file, args) => {
      const target = args[0]
      const contents = target !== undefined && existsSync(target) && statSync(target).isDirectory() ? readdirSync(target) : undefined
      calls.push({ file, args: [...args], ...(contents === undefined ? {} : { contents }) })
      if (file === WHOAMI) return behaviour.whoami ?? `"runner-7\\runneradmin","${SID}"\r\n`
      behaviour.icacls?.(args)
      return `processed file: ${target}\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n`
    }
  }
  return { host, calls }
}

let runnerTemp: string
const savedEnv = { ...process.env }
beforeEach(() => {
  runnerTemp = mkdtempSync(join(root, 'runner-temp-'))
  // rememberForCleanup appends to GITHUB_STATE.
  process.env.GITHUB_STATE = join(runnerTemp, 'state')
  writeFileSync(process.env.GITHUB_STATE, '')
})
afterEach(() => {
  process.env = { ...savedEnv }
})

describe('on Windows', () => {
  it('locks the new folder to the runner user by SID (nothing inherited) before the PFX and password are written into it', async () => {
    const { host, calls } = windowsRunner()
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD, host)
    expect(calls).toEqual([
      { file: WHOAMI, args: ['/user', '/fo', 'csv', '/nh'] },
      { file: ICACLS, args: [files.directory, '/inheritance:r', '/grant:r', `*${SID}:(OI)(CI)F`], contents: [] }
    ])
    // Created after the ACL, the files inherit its single entry.
    expect(readFileSync(files.pfxPath).equals(PFX)).toBe(true)
    expect(readFileSync(files.passwordPath, 'utf8')).toBe(PASSWORD)
  })

  it('does the same for the federated access tokens', async () => {
    const { host, calls } = windowsRunner()
    const files = await writeTokenFiles(runnerTemp, { exchange: 'exchange-token', compliance: 'compliance-token' }, host)
    expect(calls.map(call => call.args)).toEqual([
      ['/user', '/fo', 'csv', '/nh'],
      [files.directory, '/inheritance:r', '/grant:r', `*${SID}:(OI)(CI)F`]
    ])
    expect(calls[1].contents).toEqual([])
    expect(readFileSync(files.exchangeTokenPath, 'utf8')).toBe('exchange-token')
  })

  it('asks whoami once per runner', async () => {
    const { host, calls } = windowsRunner()
    await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD, host)
    await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD, host)
    expect(calls.map(call => call.file)).toEqual([WHOAMI, ICACLS, ICACLS])
  })

  it('gives the connect script an owner-only ACL of its own (it may be written to a folder of the user)', async () => {
    const { host, calls } = windowsRunner()
    const path = join(runnerTemp, 'workspace', 'Connect.ps1')
    await writeConnectScript(path, 'Write-Host connect', host)
    expect(calls).toEqual([
      { file: WHOAMI, args: ['/user', '/fo', 'csv', '/nh'] },
      { file: ICACLS, args: [path, '/inheritance:r', '/grant:r', `*${SID}:F`] }
    ])
  })

  it('writes no secret and fails with an actionable message when icacls fails', async () => {
    const { host } = windowsRunner({
      icacls: () => {
        throw new Error('Access is denied.')
      }
    })
    await expect(writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD, host)).rejects.toThrow(
      /^Could not make .*cert-\w+ readable by the runner's user only \(Access is denied\.\)\. .*icacls\.exe/
    )
    const folders = readdirSync(join(runnerTemp, 'exo-cba'))
    expect(folders).toHaveLength(1)
    expect(readdirSync(join(runnerTemp, 'exo-cba', folders[0]))).toEqual([])
  })

  it('fails when whoami names no SID, rather than guessing the user', async () => {
    const { host, calls } = windowsRunner({ whoami: 'ERROR: Unable to get user claims information.\r\n' })
    const path = join(runnerTemp, 'x')
    writeFileSync(path, 'x')
    await expect(protectFile(path, host)).rejects.toThrow(/whoami \/user did not name a SID/)
    expect(calls.map(call => call.file)).toEqual([WHOAMI])
  })

  it('refuses to write the PFX into a file another account slipped into the new folder before it was locked', async () => {
    const { host } = windowsRunner({
      icacls: args => writeFileSync(join(args[0], 'certificate.pfx'), 'theirs')
    })
    await expect(writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD, host)).rejects.toThrow(/EEXIST/)
    const folder = join(runnerTemp, 'exo-cba', readdirSync(join(runnerTemp, 'exo-cba'))[0])
    expect(readFileSync(join(folder, 'certificate.pfx'), 'utf8')).toBe('theirs')
    expect(existsSync(join(folder, 'certificate.pfx.password'))).toBe(false)
  })
})

describe('on Linux and macOS', () => {
  it('runs no program: modes 0700 and 0600 do the job', async () => {
    const calls: string[] = []
    const host: FileAccessHost = {
      platform: 'linux',
      env: {},
      run: async file => {
        calls.push(file)
        return ''
      }
    }
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD, host)
    await writeConnectScript(join(runnerTemp, 'exo-cba', 'Connect-ExoCba.ps1'), 'Write-Host connect', host)
    expect(calls).toEqual([])
    expect(statSync(files.directory).mode & 0o777).toBe(0o700)
    expect(statSync(files.passwordPath).mode & 0o777).toBe(0o600)
  })
})
