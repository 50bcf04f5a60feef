/**
 * The connect script dot-sourced in real PowerShell 7 against the test double of
 * ExchangeOnlineManagement (__fixtures__/powershell), which records what it was called with.
 * Proves: parameters arrive intact (quoting), the PFX opens as an X509Certificate2 with its
 * private key (AES-256 and 3DES PFX files from openssl), the failure messages, the
 * install-the-module branch, and that the password shows up nowhere.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConnectScriptOptions } from '../../src/powershell/connect-script.js'
import { describeIfPwsh } from '../helpers/pwsh.js'
import { dotSourceConnectScript, type DotSourceOptions, type DotSourceRun } from './dot-source.js'
import { connectScriptOptionsFor, makeOpensslPfx, type OpensslPfx } from './openssl-pfx.js'

/** A password that breaks any naive quoting: quotes of every kind, `$`, backtick, space, non-ASCII. */
const PASSWORD = "p@ss'w$rd `x` \"q\" \u2019ü 1"

describeIfPwsh('the connect script dot-sourced in PowerShell 7', (pwsh) => {
  let dir: string
  let aes: OpensslPfx
  let tripleDes: OpensslPfx
  let keyless: OpensslPfx
  let passwordFiles = 0

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-pwsh-'))
    ;[aes, tripleDes, keyless] = await Promise.all([
      makeOpensslPfx(dir, { name: 'aes', password: PASSWORD, encryption: 'aes256' }),
      makeOpensslPfx(dir, { name: 'tripledes', password: PASSWORD, encryption: '3des' }),
      makeOpensslPfx(dir, { name: 'keyless', password: PASSWORD, encryption: 'aes256', withoutKey: true })
    ])
  }, 60_000)

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  async function passwordFile(content: string): Promise<string> {
    const path = join(dir, `password-${++passwordFiles}.txt`)
    await writeFile(path, content, { mode: 0o600 })
    return path
  }

  const optionsFor = connectScriptOptionsFor

  const dotSource = (options: ConnectScriptOptions, run: DotSourceOptions = {}) => dotSourceConnectScript(pwsh, dir, options, run)

  function expectNoPassword(run: DotSourceRun, password = PASSWORD): void {
    for (const text of [run.stdout, run.stderr, run.transcript]) {
      expect(text).not.toContain(password)
    }
  }

  it.each([
    ['AES-256', () => aes],
    ['3DES', () => tripleDes]
  ])('opens a %s PFX from openssl and calls Connect-ExchangeOnline with the certificate object', async (_, pfx) => {
    const run = await dotSource(optionsFor(pfx(), await passwordFile(`${PASSWORD}\n`)))
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.records).toEqual([
      {
        command: 'Connect-ExchangeOnline',
        parameters: {
          Certificate: {
            type: 'System.Security.Cryptography.X509Certificates.X509Certificate2',
            thumbprint: pfx().thumbprint,
            hasPrivateKey: true
          },
          AppId: '11111111-2222-3333-4444-555555555555',
          Organization: 'contoso.onmicrosoft.com',
          ShowBanner: false
        }
      }
    ])
    expect(run.stdout).toContain(
      `Connected to Exchange Online PowerShell as app 11111111-2222-3333-4444-555555555555 in contoso.onmicrosoft.com with certificate ${pfx().thumbprint}`
    )
    expectNoPassword(run)
  })

  it('delivers app id and organization with quotes and $ intact, and leaves only $global:ExoCba behind', async () => {
    const appId = "app'$(Write-Host pwned)\u2019$env:HOME"
    const organization = "o'brien$x\u2018`\".onmicrosoft.com"
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD), { appId, organization }))
    expect(run.code).toBe(0)
    expect(run.records[0].parameters).toMatchObject({ AppId: appId, Organization: organization })
    // Had a value escaped its quotes, `Write-Host pwned` would have printed this line.
    expect(run.stdout.split('\n').map((line) => line.trim())).not.toContain('pwned')
    expect(run.after).toEqual({
      exoCba: {
        AppId: appId,
        Organization: organization,
        CertificateThumbprint: aes.thumbprint,
        CertificateNotAfter: expect.any(String),
        ExchangeEnvironmentName: 'O365Default',
        SecurityAndCompliance: false
      },
      leftovers: [],
      errorActionPreference: 'Stop',
      certificateType: 'System.Security.Cryptography.X509Certificates.X509Certificate2'
    })
    // The expiry it reports is the certificate's own, to the second.
    expect(new Date(run.after!.exoCba!.CertificateNotAfter as string).getTime()).toBe(aes.notAfter.getTime())
  })

  it.each([
    ['usgov', 'O365USGovGCCHigh', 'https://ps.compliance.protection.office365.us/powershell-liveid/', 'https://login.microsoftonline.us/common'],
    ['china', 'O365China', 'https://ps.compliance.protection.partner.outlook.cn/powershell-liveid', 'https://login.chinacloudapi.cn/common']
  ] as const)('in cloud %s connects both services with the environment name and endpoints', async (cloud, environment, connectionUri, authorizationUri) => {
    const run = await dotSource(
      optionsFor(tripleDes, await passwordFile(PASSWORD), { cloud, exchangeEnvironmentName: environment, connectIppsSession: true })
    )
    expect(run.stderr).toBe('')
    expect(run.records.map((r) => r.command)).toEqual(['Connect-ExchangeOnline', 'Connect-IPPSSession'])
    expect(run.records[0].parameters).toMatchObject({ ExchangeEnvironmentName: environment, ShowBanner: false })
    expect(run.records[1].parameters).toEqual({
      Certificate: expect.objectContaining({ thumbprint: tripleDes.thumbprint, hasPrivateKey: true }),
      AppId: '11111111-2222-3333-4444-555555555555',
      Organization: 'contoso.onmicrosoft.com',
      ConnectionUri: connectionUri,
      AzureADAuthorizationEndpointUri: authorizationUri
    })
    expect(run.after?.exoCba).toMatchObject({ SecurityAndCompliance: true, ExchangeEnvironmentName: environment })
  })

  it('works for a caller that runs under Set-StrictMode -Version Latest', async () => {
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD), { connectIppsSession: true }), {
      prelude: ['Set-StrictMode -Version Latest']
    })
    expect(run.stderr).toBe('')
    expect(run.records.map((r) => r.command)).toEqual(['Connect-ExchangeOnline', 'Connect-IPPSSession'])
  })

  it('prefers $env:EXO_CBA_PFX_PASSWORD over the password file, which then need not exist', async () => {
    const run = await dotSource(optionsFor(aes, join(dir, 'no-such-password-file')), {
      env: { EXO_CBA_PFX_PASSWORD: PASSWORD }
    })
    expect(run.stderr).toBe('')
    expect(run.records).toHaveLength(1)
    expectNoPassword(run)
  })

  it('fails with a clear message, and without the password, when the password is wrong', async () => {
    const wrong = 'not-the-password-0123'
    const run = await dotSource(optionsFor(aes, await passwordFile(wrong)))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`Could not open the certificate file '${aes.path}' with its password (from the file '`)
    expect(run.stderr).toContain('Check that the password belongs to this PFX')
    expect(run.records).toEqual([])
    expectNoPassword(run, wrong)
  })

  it('explains a missing password file', async () => {
    const missing = join(dir, 'gone.password')
    const run = await dotSource(optionsFor(aes, missing))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`The PFX password file '${missing}' does not exist`)
    expect(run.stderr).toContain('$env:EXO_CBA_PFX_PASSWORD')
  })

  it('refuses a PFX without a private key', async () => {
    const run = await dotSource(optionsFor(keyless, await passwordFile(PASSWORD)))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`The certificate file '${keyless.path}' holds no private key`)
    expect(run.records).toEqual([])
  })

  it('refuses a PFX holding another certificate than the script was written for', async () => {
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD), { thumbprint: tripleDes.thumbprint }))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`holds certificate ${aes.thumbprint}, but this script was written for ${tripleDes.thumbprint}`)
    expect(run.records).toEqual([])
  })

  it('installs ExchangeOnlineManagement for the current user when it is missing, then connects', async () => {
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD)), { moduleInstalled: false, shimInstallModule: true })
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('ExchangeOnlineManagement 3.0.0 or later is not installed; installing it from the PowerShell Gallery for the current user.')
    expect(run.records).toEqual([
      {
        command: 'Install-Module',
        parameters: { Name: 'ExchangeOnlineManagement', MinimumVersion: '3.0.0', Scope: 'CurrentUser', Force: true, AllowClobber: true }
      },
      expect.objectContaining({ command: 'Connect-ExchangeOnline' })
    ])
  })

  it('does not install anything when a new enough module is there', async () => {
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD)), { shimInstallModule: true })
    expect(run.records.map((r) => r.command)).toEqual(['Connect-ExchangeOnline'])
    expect(run.stdout).not.toContain('is not installed')
  })

  it('installs when the installed module is older than the minimum version', async () => {
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD), { minimumModuleVersion: '99.0' }), {
      shimInstallModule: true
    })
    // The test double (3.10.1) is too old for 99.0, so the script installs, then Import-Module
    // still finds nothing new enough and fails: the message names the module and version.
    expect(run.records[0]).toMatchObject({ command: 'Install-Module', parameters: { MinimumVersion: '99.0' } })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/ExchangeOnlineManagement/)
  })

  it('reports a failed installation with what to do', async () => {
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD)), {
      moduleInstalled: false,
      // The real Install-Module, with the PowerShell Gallery made unreachable.
      env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' }
    })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('Could not install ExchangeOnlineManagement 3.0.0 or later from the PowerShell Gallery')
    expect(run.stderr).toContain('Install-Module ExchangeOnlineManagement -MinimumVersion 3.0.0 -Scope CurrentUser')
  }, 120_000)

  it('keeps the password out of the transcript, stdout and stderr when both services connect', async () => {
    const run = await dotSource(optionsFor(tripleDes, await passwordFile(PASSWORD), { connectIppsSession: true }), {
      env: { EXO_CBA_PFX_PASSWORD: PASSWORD }
    })
    expect(run.code).toBe(0)
    expect(run.transcript).toContain('Connected to Exchange Online PowerShell and Security & Compliance PowerShell')
    expectNoPassword(run)
  })

  it('the password file may be unreadable by others (0600) and still be read', async () => {
    const path = await passwordFile(`${PASSWORD}\r\n`)
    await chmod(path, 0o600)
    const run = await dotSource(optionsFor(aes, path))
    expect(run.stderr).toBe('')
    expect(run.records).toHaveLength(1)
  })
})
