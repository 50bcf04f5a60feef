/**
 * The test double of ExchangeOnlineManagement must refuse what the real module refuses,
 * or the other PowerShell tests would prove less than they claim.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { psSingleQuoted } from '../../src/powershell/connect-script.js'
import { describeIfPwsh, runPwshFile, SHIM_MODULES_DIR } from '../helpers/pwsh.js'
import { makeOpensslPfx, type OpensslPfx } from './openssl-pfx.js'

const PASSWORD = 'shim-password'

describeIfPwsh('the ExchangeOnlineManagement test double', (pwsh) => {
  let dir: string
  let pfx: OpensslPfx
  let keyless: OpensslPfx
  const outcomes = new Map<string, string>()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-shim-'))
    ;[pfx, keyless] = await Promise.all([
      makeOpensslPfx(dir, { name: 'shim', password: PASSWORD, encryption: 'aes256' }),
      makeOpensslPfx(dir, { name: 'shim-keyless', password: PASSWORD, encryption: 'aes256', withoutKey: true })
    ])
    const cases: Record<string, string> = {
      filePath: `Connect-ExchangeOnline -CertificateFilePath ${psSingleQuoted(pfx.path)} -CertificatePassword (ConvertTo-SecureString ${psSingleQuoted(PASSWORD)} -AsPlainText -Force) -AppId a -Organization contoso.onmicrosoft.com -ShowBanner:$false`,
      wrongPassword: `Connect-ExchangeOnline -CertificateFilePath ${psSingleQuoted(pfx.path)} -CertificatePassword (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -AppId a -Organization contoso.onmicrosoft.com`,
      thumbprint: `Connect-ExchangeOnline -CertificateThumbprint ${psSingleQuoted(pfx.thumbprint)} -AppId a -Organization contoso.onmicrosoft.com`,
      noKey: `Connect-ExchangeOnline -Certificate ([System.Security.Cryptography.X509Certificates.X509Certificate2]::new(${psSingleQuoted(keyless.path)}, ${psSingleQuoted(PASSWORD)})) -AppId a -Organization contoso.onmicrosoft.com`,
      noOrganization: `Connect-ExchangeOnline -CertificateFilePath ${psSingleQuoted(pfx.path)} -AppId a`,
      badEnvironment: `Connect-ExchangeOnline -CertificateFilePath ${psSingleQuoted(pfx.path)} -AppId a -Organization o -ExchangeEnvironmentName O365Nowhere`
    }
    const script = [
      `$env:PSModulePath = ${psSingleQuoted(SHIM_MODULES_DIR)} + [System.IO.Path]::PathSeparator + $env:PSModulePath`,
      'Import-Module ExchangeOnlineManagement',
      '$outcomes = [ordered]@{}',
      ...Object.entries(cases).map(
        ([name, command]) => `try { ${command}; $outcomes[${psSingleQuoted(name)}] = 'connected' } catch { $outcomes[${psSingleQuoted(name)}] = $_.Exception.Message }`
      ),
      '$outcomes | ConvertTo-Json -Compress'
    ].join('\n')
    await writeFile(join(dir, 'cases.ps1'), script, 'utf8')
    const env = { ...process.env }
    delete env.EXO_CBA_TEST_AUTHORITY
    delete env.EXO_CBA_SHIM_RECORD
    const result = await runPwshFile(pwsh, join(dir, 'cases.ps1'), [], { env })
    expect(result.stderr).toBe('')
    for (const [name, outcome] of Object.entries(JSON.parse(result.stdout) as Record<string, string>)) outcomes.set(name, outcome)
  }, 60_000)

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('connects with -CertificateFilePath and the right -CertificatePassword', () => {
    expect(outcomes.get('filePath')).toBe('connected')
  })

  it('refuses a wrong -CertificatePassword', () => {
    expect(outcomes.get('wrongPassword')).toMatch(/password/i)
  })

  const outsideWindows = process.platform === 'win32' ? it.skip : it

  outsideWindows('refuses -CertificateThumbprint outside Windows, as the real module does', () => {
    expect(outcomes.get('thumbprint')).toContain('CertificateThumbprint is supported only on Windows')
  })

  it('refuses a certificate without its private key', () => {
    expect(outcomes.get('noKey')).toContain('has no private key')
  })

  it('requires -Organization with -AppId', () => {
    expect(outcomes.get('noOrganization')).toContain('The Organization parameter is required when AppId is used')
  })

  it('accepts only the real -ExchangeEnvironmentName values', () => {
    expect(outcomes.get('badEnvironment')).toMatch(/O365Nowhere/)
  })
})
