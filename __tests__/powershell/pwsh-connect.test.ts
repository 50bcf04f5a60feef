/**
 * The connect script dot-sourced in real PowerShell 7 against the test double of
 * ExchangeOnlineManagement (__fixtures__/powershell), which records what it was called with.
 * Proves: parameters arrive intact (quoting), the PFX opens as an X509Certificate2 with its
 * private key (AES-256 and 3DES PFX files from openssl), the failure messages, the
 * install-the-module branch, and that the password shows up nowhere.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { psSingleQuoted, renderConnectScript, type ConnectScriptOptions } from '../../src/powershell/connect-script.js'
import { describeIfPwsh, runPwshFile, SHIM_MODULES_DIR, type PwshResult } from '../helpers/pwsh.js'
import { makeOpensslPfx, type OpensslPfx } from './openssl-pfx.js'

/** A password that breaks any naive quoting: quotes of every kind, `$`, backtick, space, non-ASCII. */
const PASSWORD = "p@ss'w$rd `x` \"q\" \u2019ü 1"

interface Recorded {
  command: string
  parameters: Record<string, unknown>
}

interface Run extends PwshResult {
  records: Recorded[]
  transcript: string
  /** What the wrapper printed about the caller's scope after dot-sourcing (JSON), when it got there. */
  after?: {
    exoCba: Record<string, unknown> | null
    leftovers: string[]
    errorActionPreference: string
  }
}

interface RunOptions {
  /** Put the test double on PSModulePath (default true). */
  moduleInstalled?: boolean
  /** Define Install-Module in the session to record the call and "install" the test double. */
  shimInstallModule?: boolean
  env?: Record<string, string>
}

describeIfPwsh('the connect script dot-sourced in PowerShell 7', (pwsh) => {
  let dir: string
  let aes: OpensslPfx
  let tripleDes: OpensslPfx
  let keyless: OpensslPfx
  let runCount = 0

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
    const path = join(dir, `password-${++runCount}.txt`)
    await writeFile(path, content, { mode: 0o600 })
    return path
  }

  function optionsFor(pfx: OpensslPfx, passwordPath: string, extra: Partial<ConnectScriptOptions> = {}): ConnectScriptOptions {
    return {
      appId: '11111111-2222-3333-4444-555555555555',
      organization: 'contoso.onmicrosoft.com',
      pfxPath: pfx.path,
      pfxPasswordPath: passwordPath,
      exchangeEnvironmentName: 'O365Default',
      connectIppsSession: false,
      cloud: 'global',
      thumbprint: pfx.thumbprint,
      notAfter: pfx.notAfter,
      ...extra
    }
  }

  /**
   * Writes the script, then runs a wrapper that sets PSModulePath, starts a transcript,
   * dot-sources the script, and prints the caller's scope afterwards as one JSON line.
   */
  async function dotSource(options: ConnectScriptOptions, run: RunOptions = {}): Promise<Run> {
    const n = ++runCount
    const work = join(dir, `run-${n}`)
    const home = join(work, 'home')
    await mkdir(home, { recursive: true })
    const scriptPath = join(work, 'Connect-ExoCba.ps1')
    const recordPath = join(work, 'calls.jsonl')
    const transcriptPath = join(work, 'transcript.txt')
    await writeFile(scriptPath, renderConnectScript(options), 'utf8')
    await writeFile(recordPath, '')

    const moduleDirs = [...(run.moduleInstalled === false ? [] : [SHIM_MODULES_DIR])]
    const wrapper = [
      // Only the test double and PowerShell's own modules: a real ExchangeOnlineManagement
      // installed on this machine must not take part.
      `$env:PSModulePath = (@(${moduleDirs.map(psSingleQuoted).join(', ')}) + @(Join-Path $PSHOME 'Modules')) -join [System.IO.Path]::PathSeparator`,
      `Start-Transcript -LiteralPath ${psSingleQuoted(transcriptPath)} | Out-Null`,
      ...(run.shimInstallModule
        ? [
            'function Install-Module {',
            '  param([string]$Name, [string]$MinimumVersion, [string]$Scope, [switch]$Force, [switch]$AllowClobber)',
            "  $parameters = [ordered]@{ Name = $Name; MinimumVersion = $MinimumVersion; Scope = $Scope; Force = $Force.IsPresent; AllowClobber = $AllowClobber.IsPresent }",
            "  $call = [ordered]@{ command = 'Install-Module'; parameters = $parameters }",
            '  [System.IO.File]::AppendAllText($env:EXO_CBA_SHIM_RECORD, (($call | ConvertTo-Json -Compress) + "`n"))',
            `  $env:PSModulePath = ${psSingleQuoted(SHIM_MODULES_DIR)} + [System.IO.Path]::PathSeparator + $env:PSModulePath`,
            '}'
          ]
        : []),
      'try {',
      `  . ${psSingleQuoted(scriptPath)}`,
      '  $leftovers = @(Get-Variable -Scope 0 | Where-Object { $_.Name -in @(' +
        "'pfxPassword', 'certificate', 'pfxPath', 'pfxPasswordPath', 'appId', 'organization', 'keyStorageFlags', 'passwordSource') } | ForEach-Object Name)",
      // (-File runs the wrapper in the global scope: a variable named like ExoCba would replace it.)
      '  $snapshot = if ($global:ExoCba) { $global:ExoCba | Select-Object -Property * -ExcludeProperty Certificate } else { $null }',
      "  Write-Output ('AFTER ' + (ConvertTo-Json -Compress -Depth 3 -InputObject ([ordered]@{ exoCba = $snapshot; leftovers = $leftovers; errorActionPreference = [string]$ErrorActionPreference; certificateType = $global:ExoCba.Certificate.GetType().FullName })))",
      '} catch {',
      // One plain line per failure, so tests can match the message without colours or wrapping.
      "  [Console]::Error.WriteLine('ERROR: ' + $_.Exception.Message)",
      '  exit 1',
      '} finally {',
      '  Stop-Transcript | Out-Null',
      '}'
    ].join('\n')
    const wrapperPath = join(work, 'wrapper.ps1')
    await writeFile(wrapperPath, wrapper, 'utf8')

    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, EXO_CBA_SHIM_RECORD: recordPath, ...run.env }
    delete env.EXO_CBA_TEST_AUTHORITY
    if (!run.env?.EXO_CBA_PFX_PASSWORD) delete env.EXO_CBA_PFX_PASSWORD
    const result = await runPwshFile(pwsh, wrapperPath, [], { env })
    const records = (await readFile(recordPath, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Recorded)
    const transcript = await readFile(transcriptPath, 'utf8').catch(() => '')
    const afterLine = result.stdout.split('\n').find((line) => line.startsWith('AFTER '))
    return { ...result, records, transcript, after: afterLine ? JSON.parse(afterLine.slice(6)) : undefined }
  }

  function expectNoPassword(run: Run, password = PASSWORD): void {
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
    // The test double (3.7.2) is too old for 99.0, so the script installs, then Import-Module
    // still finds nothing new enough and fails: the message names the module and version.
    expect(run.records[0]).toMatchObject({ command: 'Install-Module', parameters: { MinimumVersion: '99.0' } })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/ExchangeOnlineManagement/)
  })

  it('reports a failed installation with what to do', async () => {
    const work = join(dir, 'failing-install')
    await mkdir(work, { recursive: true })
    const run = await dotSource(optionsFor(aes, await passwordFile(PASSWORD)), {
      moduleInstalled: false,
      // No Install-Module shim and no network: use a PSModulePath without PowerShellGet is not
      // portable, so make the gallery unreachable instead.
      env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' }
    })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('Could not install ExchangeOnlineManagement 3.0.0 or later from the PowerShell Gallery')
    expect(run.stderr).toContain('Install-Module ExchangeOnlineManagement -MinimumVersion 3.0.0 -Scope CurrentUser')
  }, 120_000)

  it('keeps the password out of a transcript even when the module prints verbosely', async () => {
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

  it('the module path it uses is ours alone', () => {
    expect(SHIM_MODULES_DIR.split(delimiter)).toHaveLength(1)
  })
})
