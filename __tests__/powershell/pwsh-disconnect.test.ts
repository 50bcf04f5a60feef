/**
 * Disconnect-ExoCba and the certificate's lifetime (issue 16), in real PowerShell 7 against
 * the test double of ExchangeOnlineManagement. The certificate matters on Windows: loaded from
 * a PFX without PersistKeySet, its private key sits in a file in the user profile until the
 * X509Certificate2 is disposed. Here a disposed certificate shows as Handle = 0, the same on
 * every OS; that Windows then deletes the key file is checked by the windows-latest CI job.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { psSingleQuoted, renderConnectScript, renderFederatedConnectScript, type ConnectScriptOptions } from '../../src/powershell/connect-script.js'
import { describeIfPwsh } from '../helpers/pwsh.js'
import { dotSourceConnectScript, type DotSourceRun } from './dot-source.js'
import { connectScriptOptionsFor, makeOpensslPfx, type OpensslPfx } from './openssl-pfx.js'

const PASSWORD = 'disconnect-test-password'

/** Prints `value` as one line `<tag> <json>` for the test to read back. */
const report = (tag: string, value: string) => `Write-Output (${psSingleQuoted(`${tag} `)} + (ConvertTo-Json -Compress -InputObject ${value}))`

function reported<T>(run: DotSourceRun, tag: string): T {
  const line = run.stdout.split('\n').find(l => l.startsWith(`${tag} `))
  if (line === undefined) throw new Error(`no ${tag} line; code ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`)
  return JSON.parse(line.slice(tag.length + 1)) as T
}

/** The PowerShell expression: is this certificate disposed? */
const disposed = (variable: string) => `(${variable}.Handle -eq [IntPtr]::Zero)`

describeIfPwsh('Disconnect-ExoCba and the certificate the connect script loads', pwsh => {
  let dir: string
  let pfx: OpensslPfx
  let passwordPath: string
  let scripts = 0

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-disconnect-'))
    pfx = await makeOpensslPfx(dir, { name: 'disconnect', password: PASSWORD, encryption: 'aes256' })
    passwordPath = join(dir, 'password.txt')
    await writeFile(passwordPath, PASSWORD, { mode: 0o600 })
  }, 60_000)

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  function options(extra: Partial<ConnectScriptOptions> = {}): ConnectScriptOptions {
    return connectScriptOptionsFor(pfx, passwordPath, extra)
  }

  async function scriptFile(text: string): Promise<string> {
    const path = join(dir, `Connect-ExoCba-${++scripts}.ps1`)
    await writeFile(path, text, 'utf8')
    return path
  }

  it('ends the Exchange Online and Security & Compliance connections, disposes the certificate and removes $global:ExoCba (strict mode)', async () => {
    const run = await dotSourceConnectScript(pwsh, dir, options({ connectIppsSession: true }), {
      prelude: ['Set-StrictMode -Version Latest'],
      then: [
        '$loaded = $global:ExoCba.Certificate',
        '$before = @(Get-ConnectionInformation | ForEach-Object { if ($_.IsEopSession) { "compliance" } else { "exchange" } })',
        'Disconnect-ExoCba',
        report(
          'DISCONNECT',
          `([ordered]@{ before = $before; after = @(Get-ConnectionInformation).Count; disposed = ${disposed('$loaded')}; exoCba = [bool](Get-Variable -Name ExoCba -Scope Global -ErrorAction SilentlyContinue) })`
        ),
        // The harness's own snapshot reads $global:ExoCba, which is gone now.
        'Set-StrictMode -Off'
      ]
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(reported(run, 'DISCONNECT')).toEqual({ before: ['exchange', 'compliance'], after: 0, disposed: true, exoCba: false })
    expect(run.after?.exoCba).toBeNull()
  })

  it('disposes the certificate and removes $global:ExoCba even when disconnecting fails, and passes the failure on', async () => {
    const run = await dotSourceConnectScript(pwsh, dir, options(), {
      then: [
        '$loaded = $global:ExoCba.Certificate',
        "function global:Disconnect-ExchangeOnline { [CmdletBinding(SupportsShouldProcess)] param() throw 'The service is unavailable.' }",
        "$failure = try { Disconnect-ExoCba; 'none' } catch { $_.Exception.Message }",
        report(
          'DISCONNECT',
          `([ordered]@{ failure = $failure; disposed = ${disposed('$loaded')}; exoCba = [bool](Get-Variable -Name ExoCba -Scope Global -ErrorAction SilentlyContinue) })`
        )
      ]
    })
    expect(run.code).toBe(0)
    expect(reported(run, 'DISCONNECT')).toEqual({ failure: 'The service is unavailable.', disposed: true, exoCba: false })
  })

  it('disposes the certificate when PowerShell exits, for steps that never call Disconnect-ExoCba, without showing in Get-Job', async () => {
    const exitRecord = join(dir, 'exit-record.txt')
    const run = await dotSourceConnectScript(pwsh, dir, options(), {
      env: { EXO_CBA_TEST_EXIT_RECORD: exitRecord },
      then: [
        // Registered after the script's own handler, so it runs after it.
        `$null = Register-EngineEvent -SourceIdentifier PowerShell.Exiting -SupportEvent -Action { [System.IO.File]::WriteAllText($env:EXO_CBA_TEST_EXIT_RECORD, [string]${disposed('$global:ExoCba.Certificate')}) }`,
        report('VISIBLE', '([ordered]@{ jobs = @(Get-Job).Count; subscribers = @(Get-EventSubscriber).Count; disposed = ' + disposed('$global:ExoCba.Certificate') + ' })')
      ]
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(reported(run, 'VISIBLE')).toEqual({ jobs: 0, subscribers: 0, disposed: false })
    expect(await readFile(exitRecord, 'utf8')).toBe('True')
  })

  it('dot-sourced again, ends the previous connection and disposes its certificate; one exit handler', async () => {
    const path = await scriptFile(renderConnectScript(options()))
    const run = await dotSourceConnectScript(pwsh, dir, { path }, {
      then: [
        '$first = $global:ExoCba.Certificate',
        `. ${psSingleQuoted(path)}`,
        "$handlers = @(Get-EventSubscriber -Force -SourceIdentifier PowerShell.Exiting -ErrorAction SilentlyContinue | Where-Object { $_.Action.Command -like '*exo-cba-action*' }).Count",
        report(
          'AGAIN',
          `([ordered]@{ connections = @(Get-ConnectionInformation).Count; firstDisposed = ${disposed('$first')}; currentDisposed = ${disposed('$global:ExoCba.Certificate')}; handlers = $handlers })`
        )
      ]
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(reported(run, 'AGAIN')).toEqual({ connections: 1, firstDisposed: true, currentDisposed: false, handlers: 1 })
  })

  it('is defined by the federated script too: disconnects and removes $global:ExoCba', async () => {
    const now = Math.floor(Date.now() / 1000)
    const claims = { aud: 'https://outlook.office365.com', exp: now + 3600, appid: '11111111-2222-3333-4444-555555555555', roles: ['Exchange.ManageAsApp'], wids: ['29232cdf-9323-42fd-ade2-1d097af3e4de'] }
    const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const tokenPath = join(dir, 'exchange.token')
    // The test double checks a token's claims; its signature only when it is told the authority.
    await writeFile(tokenPath, `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`, { mode: 0o600 })
    const path = await scriptFile(
      renderFederatedConnectScript({
        appId: claims.appid,
        organization: 'contoso.onmicrosoft.com',
        cloud: 'global',
        exchangeEnvironmentName: 'O365Default',
        connectIppsSession: false,
        exchangeTokenPath: tokenPath,
        expiresOn: new Date((now + 3600) * 1000),
        tokenEndpoint: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token',
        audience: 'api://AzureADTokenExchange',
        exchangeResource: 'https://outlook.office365.com',
        complianceResource: 'https://ps.compliance.protection.outlook.com'
      })
    )
    const run = await dotSourceConnectScript(pwsh, dir, { path }, {
      prelude: ['Set-StrictMode -Version Latest'],
      then: [
        '$before = @(Get-ConnectionInformation).Count',
        'Disconnect-ExoCba',
        report('FEDERATED', '([ordered]@{ before = $before; after = @(Get-ConnectionInformation).Count; exoCba = [bool](Get-Variable -Name ExoCba -Scope Global -ErrorAction SilentlyContinue) })'),
        'Set-StrictMode -Off'
      ]
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(reported(run, 'FEDERATED')).toEqual({ before: 1, after: 0, exoCba: false })
  })
})
