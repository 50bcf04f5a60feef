/**
 * Files with secrets (runner/secret-files.ts), what the main step tells the post step
 * (runner/state.ts), and the post step's cleanup (post.ts).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseFileCommands } from '../../scripts/lib/local-runner.js'
import { cleanup } from '../../src/post.js'
import { writeCertificateFiles, writePrivateFile } from '../../src/runner/secret-files.js'
import { connectScriptToCleanUp, pathsToCleanUp, rememberConnectScript, rememberForCleanup } from '../../src/runner/state.js'

const root = mkdtempSync(join(tmpdir(), 'exo-cba-secret-files-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const PFX = Buffer.from('a PKCS#12 file, as far as this module cares')
const PASSWORD = 'pfx-password-0123456789abcdef'
let runnerTemp: string
let stateFile: string
let stdout: string[]
const savedEnv = { ...process.env }

beforeEach(() => {
  runnerTemp = mkdtempSync(join(root, 'runner-temp-'))
  stateFile = join(root, `state-${Math.random().toString(36).slice(2)}`)
  writeFileSync(stateFile, '')
  process.env.GITHUB_STATE = stateFile
  stdout = []
  // @actions/core logs with process.stdout.write: keep it for assertions, out of the test output.
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(chunk.toString())
    return true
  })
})
afterEach(() => {
  jest.restoreAllMocks()
  process.env = { ...savedEnv }
})

const mode = (path: string) => statSync(path).mode & 0o777

describe('writeCertificateFiles', () => {
  it('writes the PFX and its password 0600 in a new 0700 folder under RUNNER_TEMP/exo-cba', async () => {
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    expect(dirname(files.directory)).toBe(join(runnerTemp, 'exo-cba'))
    expect(files.pfxPath).toBe(join(files.directory, 'certificate.pfx'))
    expect(files.passwordPath).toBe(join(files.directory, 'certificate.pfx.password'))
    expect(mode(join(runnerTemp, 'exo-cba'))).toBe(0o700)
    expect(mode(files.directory)).toBe(0o700)
    expect(mode(files.pfxPath)).toBe(0o600)
    expect(mode(files.passwordPath)).toBe(0o600)
    expect(readFileSync(files.pfxPath).equals(PFX)).toBe(true)
    expect(readFileSync(files.passwordPath, 'utf8')).toBe(PASSWORD)
  })

  it('keeps those modes under a permissive umask', async () => {
    const previous = process.umask(0o000)
    try {
      const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
      expect(mode(files.directory)).toBe(0o700)
      expect(mode(files.pfxPath)).toBe(0o600)
      expect(mode(files.passwordPath)).toBe(0o600)
    } finally {
      process.umask(previous)
    }
  })

  it('uses a fresh folder each time, so two runs on one runner never share files', async () => {
    const first = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    const second = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    expect(second.directory).not.toBe(first.directory)
  })

  it('remembers the folder for the post step in GITHUB_STATE', async () => {
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    const saved = JSON.parse(parseFileCommands(readFileSync(stateFile, 'utf8'))['cleanup-paths']) as string[]
    expect(saved).toContain(files.directory)
  })
})

describe('writePrivateFile', () => {
  it('makes an existing world-readable file private', async () => {
    const path = join(runnerTemp, 'existing.txt')
    writeFileSync(path, 'old', { mode: 0o644 })
    await writePrivateFile(path, 'new')
    expect(mode(path)).toBe(0o600)
    expect(readFileSync(path, 'utf8')).toBe('new')
  })
})

describe('state for the post step', () => {
  it('saves every remembered path once, as JSON, and reads it back from STATE_cleanup-paths', () => {
    const a = join(runnerTemp, 'a')
    const b = join(runnerTemp, 'b')
    rememberForCleanup(a)
    rememberForCleanup(b)
    rememberForCleanup(a)
    const saved = parseFileCommands(readFileSync(stateFile, 'utf8'))['cleanup-paths']
    const paths = JSON.parse(saved) as string[]
    expect(paths.filter(p => p === a)).toHaveLength(1)
    expect(paths).toEqual(expect.arrayContaining([a, b]))
    process.env['STATE_cleanup-paths'] = saved
    expect(pathsToCleanUp()).toEqual(paths)
  })

  it('reads nothing when the main step saved nothing', () => {
    delete process.env['STATE_cleanup-paths']
    expect(pathsToCleanUp()).toEqual([])
  })
})

describe('cleanup (the post step)', () => {
  /** What the main step saved, handed to the post step as the runner does (STATE_<name>). */
  function handOverState(): void {
    const saved = parseFileCommands(readFileSync(stateFile, 'utf8'))
    for (const [name, value] of Object.entries(saved)) process.env[`STATE_${name}`] = value
  }
  const SCRIPT = '\uFEFF# Connect-ExoCba.ps1, written by exo-cba-action. Dot-source it in a later step of the same job:\n'

  it('removes the remembered files and folders, then the empty exo-cba folder', async () => {
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    const script = join(runnerTemp, 'exo-cba', 'Connect-ExoCba.ps1')
    rememberConnectScript(script)
    writeFileSync(script, SCRIPT)
    handOverState()
    await cleanup()
    expect(existsSync(files.pfxPath)).toBe(false)
    expect(existsSync(files.directory)).toBe(false)
    expect(existsSync(script)).toBe(false)
    expect(existsSync(join(runnerTemp, 'exo-cba'))).toBe(false)
    expect(stdout.join('')).toContain(`Removed ${files.directory}`)
    expect(stdout.join('')).toContain(`Removed ${script}`)
  })

  it('removes the connect script at a custom connect-script-path, never its folder, even one named exo-cba', async () => {
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    const someoneElses = join(runnerTemp, 'exo-cba', 'keep-me.txt')
    writeFileSync(someoneElses, 'not ours')
    const workspaceDir = join(runnerTemp, 'workspace', 'exo-cba')
    mkdirSync(workspaceDir, { recursive: true })
    const script = join(workspaceDir, 'Connect.ps1')
    rememberConnectScript(script)
    writeFileSync(script, SCRIPT)
    handOverState()
    expect(connectScriptToCleanUp()).toBe(script)
    await cleanup()
    expect(existsSync(files.directory)).toBe(false)
    expect(existsSync(script)).toBe(false)
    expect(existsSync(someoneElses)).toBe(true)
    expect(existsSync(workspaceDir)).toBe(true)
  })

  it('leaves what a later step put at the connect script path: another file, or a folder with its contents', async () => {
    const replaced = join(runnerTemp, 'workspace', 'Connect.ps1')
    mkdirSync(dirname(replaced), { recursive: true })
    rememberConnectScript(replaced)
    writeFileSync(replaced, '# a script of the workflow\n')
    handOverState()
    await cleanup()
    expect(readFileSync(replaced, 'utf8')).toBe('# a script of the workflow\n')

    const folder = join(runnerTemp, 'workspace', 'Connect-Folder.ps1')
    process.env.GITHUB_STATE = join(root, `state-${Math.random().toString(36).slice(2)}`)
    writeFileSync(process.env.GITHUB_STATE, '')
    stateFile = process.env.GITHUB_STATE
    rememberConnectScript(folder)
    mkdirSync(folder)
    writeFileSync(join(folder, 'report.csv'), 'data')
    handOverState()
    await cleanup()
    expect(readdirSync(folder)).toEqual(['report.csv'])
    expect(stdout.join('')).not.toContain('::warning')
  })

  it('deletes the key files Windows kept for the certificate that the connect script named, and nothing outside the key folders', async () => {
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    const appData = join(runnerTemp, 'AppData', 'Roaming')
    const capiKey = join(appData, 'Microsoft', 'Crypto', 'RSA', 'S-1-5-21-1-2-3-1001', '6c1ef0a3d1b0c2b4_7f4e')
    const cngKey = join(appData, 'Microsoft', 'Crypto', 'Keys', '9a8b7c6d5e4f_2a3b')
    const outside = join(runnerTemp, 'important.txt')
    const sneaky = join(appData, 'Microsoft', 'Crypto', 'Other', 'x')
    const sneakyRecorded = `${dirname(capiKey)}/../../Other/x`
    for (const path of [capiKey, cngKey, outside, sneaky]) {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, 'key')
    }
    const gone = join(appData, 'Microsoft', 'Crypto', 'Keys', 'already-deleted')
    // As Add-Content writes it in Windows PowerShell 5.1: a BOM and CRLF.
    writeFileSync(join(files.directory, 'key-files.txt'), `\uFEFF${[capiKey, cngKey, outside, sneakyRecorded, gone].join('\r\n')}\r\n`)
    handOverState()
    await cleanup({ APPDATA: appData })
    expect(existsSync(capiKey)).toBe(false)
    expect(existsSync(cngKey)).toBe(false)
    expect(existsSync(outside)).toBe(true)
    expect(existsSync(sneaky)).toBe(true)
    expect(existsSync(files.directory)).toBe(false)
    const log = stdout.join('')
    expect(log).toContain(`Removed the key file ${capiKey}`)
    expect(log).toContain(`::warning::Did not delete ${outside}`)
    expect(log).not.toContain('already-deleted')
  })

  it('does not fail when the files are already gone', async () => {
    const gone = join(runnerTemp, 'exo-cba', 'cert-gone')
    process.env['STATE_cleanup-paths'] = JSON.stringify([gone])
    await expect(cleanup()).resolves.toBeUndefined()
    expect(stdout.join('')).not.toContain('::warning')
  })
})
