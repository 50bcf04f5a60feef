import { describe, expect, it } from '@jest/globals'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { findPwsh, pwshRequired } from '../helpers/pwsh.js'

describe('finding pwsh for the PowerShell tests', () => {
  async function withTree(body: (root: string) => Promise<void>): Promise<void> {
    const root = await mkdtemp(join(tmpdir(), 'exo-cba-find-pwsh-'))
    try {
      await body(root)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  }

  async function executable(path: string): Promise<string> {
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, '#!/bin/sh\n')
    await chmod(path, 0o755)
    return path
  }

  const posixOnly = process.platform === 'win32' ? it.skip : it

  posixOnly('prefers PWSH, then PATH, then ~/.dotnet/tools', () =>
    withTree(async (root) => {
      const explicit = await executable(join(root, 'explicit', 'pwsh'))
      const onPath = await executable(join(root, 'bin', 'pwsh'))
      const tool = await executable(join(root, 'home', '.dotnet', 'tools', 'pwsh'))
      const home = join(root, 'home')
      const path = [join(root, 'empty'), join(root, 'bin')].join(delimiter)
      expect(findPwsh({ PWSH: explicit, PATH: path }, home)).toBe(explicit)
      expect(findPwsh({ PATH: path }, home)).toBe(onPath)
      expect(findPwsh({ PATH: join(root, 'empty') }, home)).toBe(tool)
      expect(findPwsh({ PATH: '' }, join(root, 'nobody'))).toBeUndefined()
    })
  )

  posixOnly('skips files that are not executable', () =>
    withTree(async (root) => {
      await mkdir(join(root, 'bin'))
      await writeFile(join(root, 'bin', 'pwsh'), 'not executable', { mode: 0o644 })
      expect(findPwsh({ PATH: join(root, 'bin') }, join(root, 'nobody'))).toBeUndefined()
    })
  )

  it('treats a PWSH that does not work as an error rather than looking elsewhere', () => {
    expect(() => findPwsh({ PWSH: '/nonexistent/pwsh', PATH: '' }, '/nonexistent')).toThrow('PWSH=/nonexistent/pwsh is not an executable file')
  })

  it('requires pwsh in CI or when EXO_CBA_REQUIRE_PWSH=1', () => {
    expect(pwshRequired({ CI: 'true' })).toBe(true)
    expect(pwshRequired({ EXO_CBA_REQUIRE_PWSH: '1' })).toBe(true)
    expect(pwshRequired({ CI: 'false' })).toBe(false)
    expect(pwshRequired({})).toBe(false)
  })
})
