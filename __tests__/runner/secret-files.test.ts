/**
 * Files with secrets (runner/secret-files.ts), what the main step tells the post step
 * (runner/state.ts), and the post step's cleanup (post.ts).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseFileCommands } from '../../scripts/lib/local-runner.js'
import { cleanup } from '../../src/post.js'
import { writeCertificateFiles, writePrivateFile } from '../../src/runner/secret-files.js'
import { pathsToCleanUp, rememberForCleanup } from '../../src/runner/state.js'

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
  it('removes the remembered files and folders, then the empty exo-cba folder', async () => {
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    const script = join(runnerTemp, 'exo-cba', 'Connect-ExoCba.ps1')
    writeFileSync(script, '# script')
    process.env['STATE_cleanup-paths'] = JSON.stringify([files.directory, script])
    await cleanup()
    expect(existsSync(files.pfxPath)).toBe(false)
    expect(existsSync(files.directory)).toBe(false)
    expect(existsSync(script)).toBe(false)
    expect(existsSync(join(runnerTemp, 'exo-cba'))).toBe(false)
    expect(stdout.join('')).toContain(`Removed ${files.directory}`)
  })

  it("leaves other people's files: a non-empty exo-cba folder and the workspace folder of a custom script path", async () => {
    const files = await writeCertificateFiles(runnerTemp, PFX.toString('base64'), PASSWORD)
    const someoneElses = join(runnerTemp, 'exo-cba', 'keep-me.txt')
    writeFileSync(someoneElses, 'not ours')
    const workspaceDir = join(runnerTemp, 'workspace-ci')
    mkdirSync(workspaceDir)
    const script = join(workspaceDir, 'Connect.ps1')
    writeFileSync(script, '# script')
    process.env['STATE_cleanup-paths'] = JSON.stringify([files.directory, script])
    await cleanup()
    expect(existsSync(files.directory)).toBe(false)
    expect(existsSync(script)).toBe(false)
    expect(existsSync(someoneElses)).toBe(true)
    expect(existsSync(workspaceDir)).toBe(true)
  })

  it('does not fail when the files are already gone', async () => {
    const gone = join(runnerTemp, 'exo-cba', 'cert-gone')
    process.env['STATE_cleanup-paths'] = JSON.stringify([gone])
    await expect(cleanup()).resolves.toBeUndefined()
    expect(stdout.join('')).not.toContain('::warning')
  })
})
