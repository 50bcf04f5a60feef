import { describe, it, expect } from '@jest/globals'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  psSingleQuoted,
  renderConnectScript,
  writeConnectScript,
  type ConnectScriptOptions
} from '../../src/powershell/connect-script.js'

const base: ConnectScriptOptions = {
  appId: '11111111-2222-3333-4444-555555555555',
  organization: 'contoso.onmicrosoft.com',
  pfxPath: '/home/runner/work/_temp/exo-cba/exo-cba.pfx',
  pfxPasswordPath: '/home/runner/work/_temp/exo-cba/exo-cba.pfx.password',
  exchangeEnvironmentName: 'O365Default',
  connectIppsSession: false,
  cloud: 'global',
  thumbprint: '0123456789abcdef0123456789abcdef01234567',
  notAfter: new Date('2027-03-04T05:06:07Z')
}

/** The script's lines that call the given cmdlet (comments excluded). */
function callsOf(script: string, cmdlet: string): string[] {
  return script
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${cmdlet} `))
}

describe('psSingleQuoted', () => {
  it.each([
    ['plain', "'plain'"],
    ['', "''"],
    ["O'Brien", "'O''Brien'"],
    ["''", "''''''"],
    ["'; Remove-Item -Recurse / ; '", "'''; Remove-Item -Recurse / ; '''"],
    ['$env:SECRET $(Get-Date) ${x}', "'$env:SECRET $(Get-Date) ${x}'"],
    ['back`tick `$x', "'back`tick `$x'"],
    ['say "hi"', `'say "hi"'`],
    ['C:\\Users\\runner\\a b\\cert.pfx', "'C:\\Users\\runner\\a b\\cert.pfx'"],
    ['semi;colon | pipe & amp # hash', "'semi;colon | pipe & amp # hash'"],
    ['ünïcødé 日本', "'ünïcødé 日本'"]
  ])('quotes %j as %s', (value, expected) => {
    expect(psSingleQuoted(value)).toBe(expected)
  })

  it.each([
    ['\u2018', 'left single quotation mark'],
    ['\u2019', 'right single quotation mark'],
    ['\u201A', 'single low-9 quotation mark'],
    ['\u201B', 'single high-reversed-9 quotation mark']
  ])('doubles the typographic quote %j (%s), which PowerShell treats as a quote', (quote) => {
    expect(psSingleQuoted(`a${quote}b`)).toBe(`'a${quote}${quote}b'`)
    expect(psSingleQuoted(`${quote}; calc; ${quote}`)).toBe(`'${quote}${quote}; calc; ${quote}${quote}'`)
  })

  it('leaves the double typographic quotes alone: they do not end a single-quoted string', () => {
    expect(psSingleQuoted('\u201Cx\u201D')).toBe("'\u201Cx\u201D'")
  })

  it('never lets an odd number of quote characters through unpaired', () => {
    const hostile = "a'\u2018b\u2019'c\u201A\u201B''d"
    const body = psSingleQuoted(hostile).slice(1, -1)
    // Every run of quote characters inside the literal has even length.
    for (const run of body.match(/['\u2018-\u201B]+/g) ?? []) {
      expect(run.length % 2).toBe(0)
    }
  })

  it.each([
    ['line\nbreak', 'U+000A'],
    ['carriage\rreturn', 'U+000D'],
    ['nul\u0000byte', 'U+0000'],
    ['tab\there', 'U+0009'],
    ['escape\u001b[31m', 'U+001B'],
    ['next\u0085line', 'U+0085'],
    ['line\u2028separator', 'U+2028'],
    ['para\u2029separator', 'U+2029']
  ])('refuses %j (%s) instead of escaping it', (value, code) => {
    expect(() => psSingleQuoted(value)).toThrow(code)
  })

  it('refuses a newline that tries to start a new statement after a quote', () => {
    expect(() => psSingleQuoted("x'\nRemove-Item /\n'")).toThrow(/line breaks/)
  })
})

describe('renderConnectScript', () => {
  it('stops on the first error and loads ExchangeOnlineManagement 3.0.0 or later', () => {
    const script = renderConnectScript(base)
    expect(script).toContain("$ErrorActionPreference = 'Stop'")
    expect(script).toContain("$minimumModuleVersion = '3.0.0'")
    expect(script).toContain('Get-Module -ListAvailable -Name ExchangeOnlineManagement')
    expect(callsOf(script, 'Install-Module')).toEqual([
      'Install-Module -Name ExchangeOnlineManagement -MinimumVersion $minimumModuleVersion -Scope CurrentUser -Force -AllowClobber'
    ])
    expect(callsOf(script, 'Import-Module')).toEqual([
      'Import-Module -Name ExchangeOnlineManagement -MinimumVersion $minimumModuleVersion'
    ])
  })

  it('uses the minimum module version it is given', () => {
    const script = renderConnectScript({ ...base, minimumModuleVersion: '3.4.0' })
    expect(script).toContain("$minimumModuleVersion = '3.4.0'")
    expect(() => renderConnectScript({ ...base, minimumModuleVersion: "3.0.0'; evil" })).toThrow(/minimumModuleVersion/)
  })

  it('connects Exchange Online with the certificate object, app id and organization, without a banner', () => {
    const script = renderConnectScript(base)
    expect(script).toContain("$appId = '11111111-2222-3333-4444-555555555555'")
    expect(script).toContain("$organization = 'contoso.onmicrosoft.com'")
    expect(callsOf(script, 'Connect-ExchangeOnline')).toEqual([
      'Connect-ExchangeOnline -Certificate $certificate -AppId $appId -Organization $organization -ShowBanner:$false'
    ])
  })

  it('never uses -CertificateThumbprint, which only works with the Windows certificate store', () => {
    for (const cloud of ['global', 'usgov'] as const) {
      const script = renderConnectScript({
        ...base,
        cloud,
        exchangeEnvironmentName: cloud === 'global' ? 'O365Default' : 'O365USGovGCCHigh',
        connectIppsSession: true
      })
      expect(script).not.toMatch(/^[^#]*-CertificateThumbprint/m)
    }
  })

  it('loads the PFX as an X509Certificate2 with Exportable and UserKeySet, never EphemeralKeySet', () => {
    const script = renderConnectScript(base)
    expect(script).toMatch(/X509KeyStorageFlags\]::Exportable -bor\s+\[System\.Security\.Cryptography\.X509Certificates\.X509KeyStorageFlags\]::UserKeySet/)
    expect(script).toContain(
      'New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList $pfxFullPath, $pfxPassword, $keyStorageFlags'
    )
    expect(script).not.toMatch(/::EphemeralKeySet|::PersistKeySet|::MachineKeySet/)
  })

  it.each([
    ['usgov', 'O365USGovGCCHigh', 'https://ps.compliance.protection.office365.us/powershell-liveid/', 'https://login.microsoftonline.us/common'],
    ['dod', 'O365USGovDoD', 'https://l5.ps.compliance.protection.office365.us/powershell-liveid/', 'https://login.microsoftonline.us/common'],
    ['china', 'O365China', 'https://ps.compliance.protection.partner.outlook.cn/powershell-liveid', 'https://login.chinacloudapi.cn/common']
  ] as const)('in cloud %s passes -ExchangeEnvironmentName %s and the sovereign Security & Compliance endpoints', (cloud, environment, connectionUri, authorizationUri) => {
    const script = renderConnectScript({ ...base, cloud, exchangeEnvironmentName: environment, connectIppsSession: true })
    expect(callsOf(script, 'Connect-ExchangeOnline')).toEqual([
      `Connect-ExchangeOnline -Certificate $certificate -AppId $appId -Organization $organization -ShowBanner:$false -ExchangeEnvironmentName '${environment}'`
    ])
    expect(callsOf(script, 'Connect-IPPSSession')).toEqual([
      `Connect-IPPSSession -Certificate $certificate -AppId $appId -Organization $organization -ConnectionUri '${connectionUri}' -AzureADAuthorizationEndpointUri '${authorizationUri}'`
    ])
  })

  it('leaves -ExchangeEnvironmentName and the IPPS endpoints at their defaults in the global cloud', () => {
    const script = renderConnectScript({ ...base, connectIppsSession: true })
    expect(callsOf(script, 'Connect-ExchangeOnline')[0]).not.toContain('-ExchangeEnvironmentName')
    expect(callsOf(script, 'Connect-IPPSSession')).toEqual([
      'Connect-IPPSSession -Certificate $certificate -AppId $appId -Organization $organization'
    ])
    expect(script).toContain('SecurityAndCompliance   = $true')
  })

  it('connects Security & Compliance only when asked', () => {
    const script = renderConnectScript(base)
    expect(callsOf(script, 'Connect-IPPSSession')).toEqual([])
    expect(script).toContain('SecurityAndCompliance   = $false')
    expect(script).toContain('It connects Exchange Online PowerShell\n')
  })

  it('refuses an environment name that does not belong to the cloud', () => {
    expect(() => renderConnectScript({ ...base, cloud: 'dod', exchangeEnvironmentName: 'O365USGovGCCHigh' })).toThrow(
      /O365USGovGCCHigh does not belong to cloud dod \(expected O365USGovDoD\)/
    )
  })

  it('checks the certificate it loads against the thumbprint, upper-cased, and names the expiry in its header', () => {
    const script = renderConnectScript(base)
    expect(script).toContain("$expectedThumbprint = '0123456789ABCDEF0123456789ABCDEF01234567'")
    expect(script).toContain('if ($certificate.Thumbprint -ne $expectedThumbprint)')
    expect(script).toContain('(expires 2027-03-04T05:06:07.000Z)')
    expect(() => renderConnectScript({ ...base, thumbprint: "abc'" })).toThrow(/40 hex digits/)
    expect(() => renderConnectScript({ ...base, notAfter: new Date('nope') })).toThrow(/notAfter/)
  })

  it('reads the password from the password file or $env:EXO_CBA_PFX_PASSWORD, and removes it after use', () => {
    const script = renderConnectScript(base)
    expect(script).toContain(`$pfxPasswordPath = '${base.pfxPasswordPath}'`)
    expect(script).toContain('Get-Content -LiteralPath $pfxPasswordPath -Raw')
    expect(script).toContain('if ($env:EXO_CBA_PFX_PASSWORD) {')
    expect(script).toContain('Remove-Variable -Name pfxPassword')
    // Documented at the top, for the person reading the file.
    expect(script.split('\n').slice(0, 12).join('\n')).toContain('$env:EXO_CBA_PFX_PASSWORD')
  })

  it('quotes hostile values so they stay data', () => {
    const hostile = {
      ...base,
      appId: "x'; Write-Host pwned; '",
      organization: 'o$(Write-Host pwned)`"\u2019; Write-Host pwned; \u2018.onmicrosoft.com',
      pfxPath: "C:\\a'b\\$env:TEMP\\c.pfx",
      pfxPasswordPath: '/tmp/\u201Bpw\u201A'
    }
    const script = renderConnectScript(hostile)
    expect(script).toContain(`$appId = 'x''; Write-Host pwned; '''`)
    expect(script).toContain(`$organization = 'o$(Write-Host pwned)\`"\u2019\u2019; Write-Host pwned; \u2018\u2018.onmicrosoft.com'`)
    expect(script).toContain(`$pfxPath = 'C:\\a''b\\$env:TEMP\\c.pfx'`)
    expect(script).toContain(`$pfxPasswordPath = '/tmp/\u201B\u201Bpw\u201A\u201A'`)
    // Values appear only in their assignments: never in comments or the command lines.
    expect(script.split('\n').filter((line) => line.includes('pwned'))).toHaveLength(2)
  })

  it('refuses values with line breaks', () => {
    expect(() => renderConnectScript({ ...base, organization: 'contoso.onmicrosoft.com\nWrite-Host pwned' })).toThrow(/U\+000A/)
    expect(() => renderConnectScript({ ...base, appId: 'a\r\nb' })).toThrow(/U\+000D/)
  })

  it('contains no password: only the paths where it is found', () => {
    const script = renderConnectScript(base)
    expect(script).not.toMatch(/-AsPlainText|ConvertTo-SecureString|CertificatePassword/)
    // The only assignments to the password variable read it from the environment or the file.
    const assignments = script.split('\n').filter((line) => /\$pfxPassword\s*=/.test(line))
    expect(assignments.map((line) => line.trim())).toEqual([
      '$pfxPassword = $env:EXO_CBA_PFX_PASSWORD',
      "$pfxPassword = [string](Get-Content -LiteralPath $pfxPasswordPath -Raw -Encoding UTF8) -replace '\\r?\\n\\z', ''"
    ])
  })

  it('is the same text for the same options', () => {
    expect(renderConnectScript(base)).toBe(renderConnectScript({ ...base }))
  })
})

describe('writeConnectScript', () => {
  it('creates the folder 0700 and the file 0600, with a UTF-8 byte order mark', async () => {
    const root = await mkdtemp(join(tmpdir(), 'exo-cba-script-'))
    try {
      const path = join(root, 'exo-cba', 'Connect-ExoCba.ps1')
      const text = renderConnectScript(base)
      await writeConnectScript(path, text)
      const bytes = await readFile(path)
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
      expect(bytes.subarray(3).toString('utf8')).toBe(text)
      if (process.platform !== 'win32') {
        expect((await stat(path)).mode & 0o777).toBe(0o600)
        expect((await stat(join(root, 'exo-cba'))).mode & 0o777).toBe(0o700)
      }
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  it('tightens an existing file to 0600 and replaces its content', async () => {
    const root = await mkdtemp(join(tmpdir(), 'exo-cba-script-'))
    try {
      const path = join(root, 'Connect-ExoCba.ps1')
      await writeFile(path, 'old content that is much longer than the new one '.repeat(100), { mode: 0o644 })
      await writeConnectScript(path, 'Write-Host new')
      expect((await readFile(path, 'utf8')).replace(/^\uFEFF/, '')).toBe('Write-Host new')
      if (process.platform !== 'win32') {
        expect((await stat(path)).mode & 0o777).toBe(0o600)
      }
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
