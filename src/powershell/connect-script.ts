/**
 * The one place that writes PowerShell: the connect script later steps dot-source
 * (`. $env:RUNNER_TEMP/exo-cba/Connect-ExoCba.ps1`) to sign in to Exchange Online
 * (and optionally Security & Compliance) PowerShell with the app's certificate.
 *
 * The script carries no secret. It reads the PFX password at run time from a file only
 * this user can read, which the action writes next to the PFX (removed by the post step), or from
 * `$env:EXO_CBA_PFX_PASSWORD`. Every value from the outside world enters the script as
 * a PowerShell single-quoted literal built by {@link psSingleQuoted}.
 *
 * Both scripts define `Disconnect-ExoCba`. The certificate it disposes matters on Windows:
 * a PFX loaded without PersistKeySet leaves its private key in a file in the user profile
 * (%APPDATA%\Microsoft\Crypto\…) until the X509Certificate2 is disposed, and .NET does not
 * run finalizers when PowerShell exits. So the certificate script also disposes it when
 * PowerShell exits, disposes it when connecting fails, and writes the key file's path to
 * `key-files.txt` beside the PFX, for the post step to delete if the process was killed.
 */
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { exchangeEnvironmentNameOf, type Cloud, type CloudName } from '../cloud.js'
import { thisRunner, writePrivateFile, type FileAccessHost } from '../runner/secret-files.js'
import { KEY_FILES_RECORD } from '../runner/state.js'

export type ExchangeEnvironmentName = Cloud['exchangeEnvironmentName']

export interface ConnectScriptOptions {
  /** Application (client) id of the Exchange app. */
  appId: string
  /** The tenant's primary `*.onmicrosoft.com` domain, for `-Organization`. */
  organization: string
  /** Absolute path of the PFX file on the runner. */
  pfxPath: string
  /** Absolute path of the file holding the PFX password (this user's only, removed by the post step). */
  pfxPasswordPath: string
  /** `-ExchangeEnvironmentName`; must be the one of `cloud`. */
  exchangeEnvironmentName: ExchangeEnvironmentName
  /** Also connect Security & Compliance PowerShell (`Connect-IPPSSession`). */
  connectIppsSession: boolean
  cloud: CloudName
  /** SHA-1 thumbprint of the certificate in the PFX (hex); the script refuses any other. */
  thumbprint: string
  notAfter: Date
  /** Oldest ExchangeOnlineManagement the script accepts; default `3.0.0` (certificate sign-in for Connect-IPPSSession). */
  minimumModuleVersion?: string
}

/** Default minimum module: 3.0.0 is the first where Connect-IPPSSession takes a certificate (FACTS.md). */
const DEFAULT_MINIMUM_MODULE_VERSION = '3.0.0'

/**
 * Where Connect-IPPSSession must go outside the global cloud. Values from Microsoft's
 * "Connect to Security & Compliance PowerShell" (MicrosoftDocs/office-docs-powershell,
 * exchange/docs-conceptual/connect-to-scc-powershell.md, ms.date 05/07/2025): in Microsoft
 * 365 and GCC both parameters default to the right values and are left out.
 */
const IPPS_ENDPOINTS: Record<Exclude<CloudName, 'global'>, { connectionUri: string; authorizationEndpointUri: string }> = {
  usgov: {
    connectionUri: 'https://ps.compliance.protection.office365.us/powershell-liveid/',
    authorizationEndpointUri: 'https://login.microsoftonline.us/common'
  },
  dod: {
    connectionUri: 'https://l5.ps.compliance.protection.office365.us/powershell-liveid/',
    authorizationEndpointUri: 'https://login.microsoftonline.us/common'
  },
  china: {
    connectionUri: 'https://ps.compliance.protection.partner.outlook.cn/powershell-liveid',
    authorizationEndpointUri: 'https://login.chinacloudapi.cn/common'
  }
}

/**
 * PowerShell's tokenizer treats the typographic quotes U+2018..U+201B exactly like `'`:
 * any of them ends a single-quoted string, and any of them doubled stands for itself.
 */
const SINGLE_QUOTE_CHARACTERS = /['\u2018\u2019\u201A\u201B]/g

/**
 * Characters that have no business in an app id, domain, path or thumbprint and that could
 * change how the script reads: NUL (truncates native strings), the C0/C1 controls including
 * CR/LF, and the Unicode line and paragraph separators.
 */
const FORBIDDEN_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/

/**
 * `value` as a PowerShell single-quoted string literal, e.g. `O'Brien` → `'O''Brien'`.
 * Inside single quotes PowerShell expands nothing (`$`, backtick and `"` are plain text);
 * the only way out is a quote character, so each one (ASCII or typographic) is doubled.
 * Control characters and line breaks are refused rather than escaped: no legitimate value
 * needs them, and a literal that spans lines would make the script hard to audit.
 */
export function psSingleQuoted(value: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`psSingleQuoted expects a string, got ${typeof value}`)
  }
  const forbidden = FORBIDDEN_CHARACTERS.exec(value)
  if (forbidden) {
    const code = forbidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
    throw new Error(
      `A value for the PowerShell connect script contains the control character U+${code} ` +
        `at position ${forbidden.index}; line breaks and control characters are not allowed.`
    )
  }
  return `'${value.replace(SINGLE_QUOTE_CHARACTERS, (quote) => quote + quote)}'`
}

/**
 * On Windows only: the key file Windows made for the certificate (a CAPI key under
 * Crypto\\RSA\\<SID>, or a CNG key under Crypto\\Keys), appended to {@link KEY_FILES_RECORD}
 * beside the PFX. Bookkeeping for the post step: it never stops the connection.
 */
const WINDOWS_KEY_FILE_LINES: readonly string[] = [
  "    # Windows keeps the private key in a file in the user profile while the certificate lives:",
  "    # name it beside the PFX, so that the post step can delete it if this process is killed.",
  "    if ([System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT) {",
  '      try {',
  '        $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($certificate)',
  '        $keyName = if ($key -is [System.Security.Cryptography.RSACryptoServiceProvider]) { $key.CspKeyContainerInfo.UniqueKeyContainerName } elseif ($key -is [System.Security.Cryptography.RSACng]) { $key.Key.UniqueName }',
  '        if ($keyName) {',
  '          $sid = [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value',
  "          $keyFiles = @((Join-Path $env:APPDATA \"Microsoft\\Crypto\\RSA\\$sid\\$keyName\"), (Join-Path $env:APPDATA \"Microsoft\\Crypto\\Keys\\$keyName\")) |",
  '            Where-Object { Test-Path -LiteralPath $_ -PathType Leaf }',
  `          if ($keyFiles) { Add-Content -LiteralPath (Join-Path (Split-Path -Parent $pfxFullPath) ${psSingleQuoted(KEY_FILES_RECORD)}) -Value $keyFiles -Encoding UTF8 }`,
  '        }',
  '      } catch {',
  '        Write-Verbose "Could not name the key file of the certificate: $($_.Exception.Message)"',
  '      }',
  '    }'
]

/**
 * Disposes the certificate when PowerShell exits, for steps that never call Disconnect-ExoCba.
 * Once per session; -SupportEvent keeps it out of Get-Job and Get-EventSubscriber, so callers
 * who wait for or clean up their own jobs never meet it. The action block sees only globals.
 */
const EXIT_HANDLER_LINES: readonly string[] = [
  '  # When PowerShell exits, dispose the certificate (a step need not call Disconnect-ExoCba).',
  '  $exitHandlers = @(Get-EventSubscriber -Force -SourceIdentifier PowerShell.Exiting -ErrorAction SilentlyContinue |',
  "    Where-Object { $_.Action -and $_.Action.Command -like '*exo-cba-action*' })",
  '  if ($exitHandlers.Count -eq 0) {',
  '    $null = Register-EngineEvent -SourceIdentifier PowerShell.Exiting -SupportEvent -Action {',
  '      # exo-cba-action: dispose the certificate the connect script loaded.',
  '      $connection = Get-Variable -Name ExoCba -Scope Global -ValueOnly -ErrorAction SilentlyContinue',
  "      if ($connection -and $connection.PSObject.Properties['Certificate'] -and $connection.Certificate) { $connection.Certificate.Dispose() }",
  '    }',
  '  }'
]

/** Installs ExchangeOnlineManagement when no new enough one is there, then imports it (`$minimumModuleVersion` set before). */
const MODULE_LINES: readonly string[] = [
  '  # The module: use an installed one that is new enough, else install it for this user.',
  '  $installed = Get-Module -ListAvailable -Name ExchangeOnlineManagement |',
  '    Where-Object { $_.Version -ge [version]$minimumModuleVersion }',
  '  if (-not $installed) {',
  '    Write-Host "ExchangeOnlineManagement $minimumModuleVersion or later is not installed; installing it from the PowerShell Gallery for the current user."',
  '    try {',
  '      # -Force also answers the "untrusted repository" and NuGet-provider prompts, which a',
  '      # non-interactive runner could not; it does not change the repository\'s trust setting.',
  '      Install-Module -Name ExchangeOnlineManagement -MinimumVersion $minimumModuleVersion -Scope CurrentUser -Force -AllowClobber',
  '    } catch {',
  '      throw "Could not install ExchangeOnlineManagement $minimumModuleVersion or later from the PowerShell Gallery: $($_.Exception.Message) Install it on the runner beforehand (Install-Module ExchangeOnlineManagement -MinimumVersion $minimumModuleVersion -Scope CurrentUser), or allow access to www.powershellgallery.com."',
  '    }',
  '  }',
  '  Import-Module -Name ExchangeOnlineManagement -MinimumVersion $minimumModuleVersion',
]

/**
 * `Disconnect-ExoCba`, in both scripts: ends every Exchange Online (and Security & Compliance)
 * connection of the session, disposes the certificate and removes $global:ExoCba, the last two
 * also when disconnecting fails. Strict-mode safe: callers may have Set-StrictMode on.
 */
const DISCONNECT_FUNCTION_LINES: readonly string[] = [
  '# Disconnect-ExoCba: Disconnect-ExchangeOnline (all Exchange Online and Security & Compliance',
  '# connections of this session), then dispose the certificate (on Windows that deletes the key',
  '# file kept for it) and remove $global:ExoCba, even when disconnecting fails.',
  'function global:Disconnect-ExoCba {',
  '  [CmdletBinding()]',
  '  param()',
  "  $ErrorActionPreference = 'Stop'",
  '  $connection = Get-Variable -Name ExoCba -Scope Global -ValueOnly -ErrorAction SilentlyContinue',
  '  try {',
  '    if (Get-Module -Name ExchangeOnlineManagement) {',
  '      Disconnect-ExchangeOnline -Confirm:$false',
  '    }',
  '  } finally {',
  "    if ($connection -and $connection.PSObject.Properties['Certificate'] -and $connection.Certificate) {",
  '      $connection.Certificate.Dispose()',
  '    }',
  '    Remove-Variable -Name ExoCba -Scope Global -ErrorAction SilentlyContinue',
  '  }',
  '}'
]

/** The connect script's text. Pure: no I/O, same options → same text. */
export function renderConnectScript(o: ConnectScriptOptions): string {
  const minimumModuleVersion = o.minimumModuleVersion ?? DEFAULT_MINIMUM_MODULE_VERSION
  if (!/^\d+(\.\d+){1,3}$/.test(minimumModuleVersion)) {
    throw new Error(`minimumModuleVersion must look like 3.0.0, got ${JSON.stringify(minimumModuleVersion)}`)
  }
  if (exchangeEnvironmentNameOf(o.cloud) !== o.exchangeEnvironmentName) {
    throw new Error(
      `exchangeEnvironmentName ${o.exchangeEnvironmentName} does not belong to cloud ${o.cloud} ` +
        `(expected ${exchangeEnvironmentNameOf(o.cloud)})`
    )
  }
  if (!/^[0-9A-Fa-f]{40}$/.test(o.thumbprint)) {
    throw new Error(`thumbprint must be 40 hex digits (SHA-1), got ${JSON.stringify(o.thumbprint)}`)
  }
  if (Number.isNaN(o.notAfter.getTime())) {
    throw new Error('notAfter is not a valid date')
  }
  const thumbprint = o.thumbprint.toUpperCase()
  const notAfter = o.notAfter.toISOString()
  const services = o.connectIppsSession
    ? 'Exchange Online PowerShell and Security & Compliance PowerShell'
    : 'Exchange Online PowerShell'

  const connectExchange = [
    'Connect-ExchangeOnline -Certificate $certificate -AppId $appId -Organization $organization -ShowBanner:$false',
    o.cloud === 'global' ? '' : ` -ExchangeEnvironmentName ${psSingleQuoted(o.exchangeEnvironmentName)}`
  ].join('')

  const ipps = o.cloud === 'global' ? undefined : IPPS_ENDPOINTS[o.cloud]
  const connectIpps = !o.connectIppsSession
    ? []
    : [
        '',
        '  # Security & Compliance PowerShell, with the same certificate.',
        [
          '  Connect-IPPSSession -Certificate $certificate -AppId $appId -Organization $organization',
          ipps
            ? ` -ConnectionUri ${psSingleQuoted(ipps.connectionUri)}` +
              ` -AzureADAuthorizationEndpointUri ${psSingleQuoted(ipps.authorizationEndpointUri)}`
            : ''
        ].join('')
      ]

  // Comments hold only validated values (hex thumbprint, ISO date): a comment cannot be
  // escaped from without a line break, but there is no reason to put free text in one.
  const lines = [
    '# Connect-ExoCba.ps1, written by exo-cba-action. Dot-source it in a later step of the same job:',
    '#   . $env:RUNNER_TEMP/exo-cba/Connect-ExoCba.ps1   (or the path in the action output `connect-script`)',
    `# It connects ${services}`,
    `# as an app with certificate ${thumbprint} (expires ${notAfter}).`,
    '#',
    '# The PFX password is not in this file. The script reads it from the password file named below,',
    "# which the action wrote for this user only and its post step deletes at the end of the job. To supply",
    '# the password another way (e.g. from a secret), set $env:EXO_CBA_PFX_PASSWORD; it wins over the file.',
    '#',
    '# Afterwards $global:ExoCba describes the connection: AppId, Organization, CertificateThumbprint,',
    '# CertificateNotAfter (UTC), ExchangeEnvironmentName, SecurityAndCompliance and the Certificate',
    '# itself (e.g. for Connect-MgGraph -Certificate).',
    '#',
    '# Disconnect-ExoCba ends the connection: Disconnect-ExchangeOnline, then it disposes the',
    '# certificate and removes $global:ExoCba. On Windows, disposing deletes the key file Windows keeps',
    '# for the certificate in the user profile. The script also disposes it when PowerShell exits,',
    '# and the post step deletes a key file a killed process left. Dot-sourcing the script again',
    '# calls Disconnect-ExoCba before connecting anew.',
    '',
    "$ErrorActionPreference = 'Stop'",
    '',
    ...DISCONNECT_FUNCTION_LINES,
    '',
    '# Everything runs in a child scope: the script is dot-sourced, and its working variables',
    '# (above all the password) must not be left behind in the caller\'s scope.',
    '& {',
    `  $appId = ${psSingleQuoted(o.appId)}`,
    `  $organization = ${psSingleQuoted(o.organization)}`,
    `  $pfxPath = ${psSingleQuoted(o.pfxPath)}`,
    `  $pfxPasswordPath = ${psSingleQuoted(o.pfxPasswordPath)}`,
    `  $expectedThumbprint = ${psSingleQuoted(thumbprint)}`,
    `  $exchangeEnvironmentName = ${psSingleQuoted(o.exchangeEnvironmentName)}`,
    `  $minimumModuleVersion = ${psSingleQuoted(minimumModuleVersion)}`,
    '',
    ...MODULE_LINES,
    '',
    '  # The password: $env:EXO_CBA_PFX_PASSWORD, else the password file (without its final line break).',
    '  if ($env:EXO_CBA_PFX_PASSWORD) {',
    '    $pfxPassword = $env:EXO_CBA_PFX_PASSWORD',
    "    $passwordSource = '$env:EXO_CBA_PFX_PASSWORD'",
    '  } elseif (Test-Path -LiteralPath $pfxPasswordPath -PathType Leaf) {',
    "    $pfxPassword = [string](Get-Content -LiteralPath $pfxPasswordPath -Raw -Encoding UTF8) -replace '\\r?\\n\\z', ''",
    '    $passwordSource = "the file \'$pfxPasswordPath\'"',
    '  } else {',
    '    throw "The PFX password file \'$pfxPasswordPath\' does not exist. The action\'s post step deletes it when the job ends: dot-source this script in a later step of the same job, or set `$env:EXO_CBA_PFX_PASSWORD."',
    '  }',
    '  if (-not (Test-Path -LiteralPath $pfxPath -PathType Leaf)) {',
    '    throw "The certificate file \'$pfxPath\' does not exist. The action\'s post step deletes it when the job ends: dot-source this script in a later step of the same job."',
    '  }',
    '  $pfxFullPath = (Resolve-Path -LiteralPath $pfxPath).ProviderPath',
    '',
    '  # Key storage flags, chosen to work on every runner OS:',
    '  # - not EphemeralKeySet: .NET does not support it on macOS, and on Windows an ephemeral key',
    '  #   is always a CNG key, which Exchange Online PowerShell rejects (it needs a CSP key).',
    "  # - not PersistKeySet / MachineKeySet: nothing is left in the runner's key stores, and no",
    '  #   administrator rights are needed. UserKeySet keeps the key with the current user on',
    '  #   Windows, where the key then goes to the CSP the PFX names (our PFX names one); Linux and',
    '  #   macOS ignore it.',
    '  # - Exportable: harmless everywhere (Linux keys are always exportable) and lets sign-in code',
    '  #   that re-imports the key into a SHA-256 capable CSP on Windows do so.',
    '  $keyStorageFlags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable -bor',
    '    [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::UserKeySet',
    '  try {',
    '    $certificate = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList $pfxFullPath, $pfxPassword, $keyStorageFlags',
    '  } catch {',
    '    throw "Could not open the certificate file \'$pfxPath\' with its password (from $passwordSource): $($_.Exception.GetBaseException().Message) Check that the password belongs to this PFX (the secrets pfx-base64 and pfx-password must come from the same run)."',
    '  } finally {',
    '    Remove-Variable -Name pfxPassword -ErrorAction SilentlyContinue',
    '  }',
    '  try {',
    '    if (-not $certificate.HasPrivateKey) {',
    '      throw "The certificate file \'$pfxPath\' holds no private key; Exchange Online certificate sign-in needs the PFX with its key."',
    '    }',
    '    if ($certificate.Thumbprint -ne $expectedThumbprint) {',
    '      throw "The certificate file \'$pfxPath\' holds certificate $($certificate.Thumbprint), but this script was written for $expectedThumbprint. Use the script and the PFX from the same run of the action."',
    '    }',
    '    $notAfterUtc = $certificate.NotAfter.ToUniversalTime()',
    '    if ($notAfterUtc -lt [datetime]::UtcNow) {',
    '      throw "The certificate $expectedThumbprint expired on $($notAfterUtc.ToString(\'u\')). Run exo-cba-action in provision mode to rotate it."',
    '    }',
    '',
    ...WINDOWS_KEY_FILE_LINES,
    '',
    '    # Dot-sourced again in this session: end the previous connection and free its certificate.',
    '    if (Get-Variable -Name ExoCba -Scope Global -ErrorAction SilentlyContinue) { Disconnect-ExoCba }',
    '',
    '    # Exchange Online PowerShell. -Certificate (not -CertificateThumbprint, which only reads the',
    '    # Windows certificate store) works on Linux, macOS and Windows.',
    `    ${connectExchange}`,
    ...connectIpps.map(line => (line === '' ? line : `  ${line}`)),
    '  } catch {',
    '    # Nothing will use this certificate: dispose it now (on Windows, that deletes its key file).',
    '    $certificate.Dispose()',
    '    throw',
    '  }',
    '',
    '  $global:ExoCba = [pscustomobject]@{',
    '    AppId                   = $appId',
    '    Organization            = $organization',
    '    CertificateThumbprint   = $certificate.Thumbprint',
    '    CertificateNotAfter     = $notAfterUtc',
    '    ExchangeEnvironmentName = $exchangeEnvironmentName',
    `    SecurityAndCompliance   = $${o.connectIppsSession ? 'true' : 'false'}`,
    '    Certificate             = $certificate',
    '  }',
    ...EXIT_HANDLER_LINES,
    `  Write-Host ("Connected to ${services} as app {0} in {1} with certificate {2} (expires {3})." -f $appId, $organization, $certificate.Thumbprint, $notAfterUtc.ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture))`,
    '}',
    ''
  ]
  return lines.join('\n')
}

/** What the federated connect script needs: where the tokens are, and how to get new ones. */
export interface FederatedConnectScriptOptions {
  appId: string
  organization: string
  cloud: CloudName
  exchangeEnvironmentName: ExchangeEnvironmentName
  connectIppsSession: boolean
  /** The Exchange Online access token's file (0600, removed by the post step). */
  exchangeTokenPath: string
  /** Connect-IPPSSession's token file, with `connectIppsSession`. */
  complianceTokenPath?: string
  /** When the tokens in the files expire. */
  expiresOn: Date
  /** `{authority}/{tenant}/oauth2/v2.0/token`: where Update-ExoCbaConnection exchanges a fresh GitHub token. */
  tokenEndpoint: string
  /** Audience of the job's GitHub OIDC tokens. */
  audience: string
  /** Resources of the tokens: Exchange Online's, and Security & Compliance's. */
  exchangeResource: string
  complianceResource: string
}

/** -AccessToken: Connect-ExchangeOnline from 3.1.0, Connect-IPPSSession from 3.8.0 (release notes). */
const ACCESS_TOKEN_MODULE_VERSION = '3.1.0'
const IPPS_ACCESS_TOKEN_MODULE_VERSION = '3.8.0'

/** Dot-sourced this close to the token's expiry, the script gets a fresh one instead. */
const REFRESH_MARGIN_MINUTES = 5

/**
 * The connect script for `credential: federated`. Pure. It holds no secret: the access tokens
 * are in 0600 files the post step deletes. It connects with them, says when they expire, and
 * defines `Update-ExoCbaConnection`, which a job longer than that calls to sign in again with
 * a fresh GitHub OIDC token (tokens live 60–90 minutes; GitHub's OIDC tokens about 5).
 */
export function renderFederatedConnectScript(o: FederatedConnectScriptOptions): string {
  if (exchangeEnvironmentNameOf(o.cloud) !== o.exchangeEnvironmentName) {
    throw new Error(`exchangeEnvironmentName ${o.exchangeEnvironmentName} does not belong to cloud ${o.cloud}`)
  }
  if (o.connectIppsSession && o.complianceTokenPath === undefined) throw new Error('connectIppsSession needs complianceTokenPath')
  if (Number.isNaN(o.expiresOn.getTime())) throw new Error('expiresOn is not a valid date')
  const minimumModuleVersion = o.connectIppsSession ? IPPS_ACCESS_TOKEN_MODULE_VERSION : ACCESS_TOKEN_MODULE_VERSION
  const services = o.connectIppsSession ? 'Exchange Online PowerShell and Security & Compliance PowerShell' : 'Exchange Online PowerShell'
  const environment = o.cloud === 'global' ? '' : ` -ExchangeEnvironmentName ${psSingleQuoted(o.exchangeEnvironmentName)}`
  const ipps = o.cloud === 'global' ? undefined : IPPS_ENDPOINTS[o.cloud]
  const ippsEndpoints = ipps
    ? ` -ConnectionUri ${psSingleQuoted(ipps.connectionUri)} -AzureADAuthorizationEndpointUri ${psSingleQuoted(ipps.authorizationEndpointUri)}`
    : ''
  const connectLines = (exchangeToken: string, complianceToken: string, indent: string): string[] => [
    `${indent}Connect-ExchangeOnline -AccessToken ${exchangeToken} -Organization ${psSingleQuoted(o.organization)} -ShowBanner:$false${environment}`,
    ...(o.connectIppsSession ? [`${indent}Connect-IPPSSession -AccessToken ${complianceToken} -Organization ${psSingleQuoted(o.organization)}${ippsEndpoints}`] : [])
  ]
  const resources = o.connectIppsSession ? [o.exchangeResource, o.complianceResource] : [o.exchangeResource]
  const expiresOn = o.expiresOn.toISOString()
  // $global:ExoCba, whole: the script sets it, and Update-ExoCbaConnection sets it again, since
  // Disconnect-ExoCba may have removed it in between.
  const connectionLines = (expiresOnExpression: string, indent: string): string[] => [
    `${indent}$global:ExoCba = [pscustomobject]@{`,
    `${indent}  AppId                   = ${psSingleQuoted(o.appId)}`,
    `${indent}  Organization            = ${psSingleQuoted(o.organization)}`,
    `${indent}  Credential              = 'federated'`,
    `${indent}  AccessTokenExpiresOn    = ${expiresOnExpression}`,
    `${indent}  ExchangeEnvironmentName = ${psSingleQuoted(o.exchangeEnvironmentName)}`,
    `${indent}  SecurityAndCompliance   = $${o.connectIppsSession ? 'true' : 'false'}`,
    `${indent}}`
  ]

  const lines = [
    '# Connect-ExoCba.ps1, written by exo-cba-action. Dot-source it in a later step of the same job:',
    '#   . $env:RUNNER_TEMP/exo-cba/Connect-ExoCba.ps1   (or the path in the action output `connect-script`)',
    `# It connects ${services}`,
    `# as app ${o.appId.replace(/[^0-9a-fA-F-]/g, '')} with an access token from this job's GitHub OIDC token (credential: federated):`,
    `# no certificate and no secret. The token expires at ${expiresOn}; call Update-ExoCbaConnection`,
    '# to sign in again with a fresh one (the job needs permissions: id-token: write, as for the action).',
    '#',
    '# The token is not in this file: the action wrote it to a file only this user can read (named',
    '# below), which its post step deletes at the end of the job.',
    '#',
    '# Disconnect-ExoCba ends the connection (Disconnect-ExchangeOnline) and removes $global:ExoCba;',
    '# Update-ExoCbaConnection afterwards connects again and sets $global:ExoCba anew.',
    '',
    "$ErrorActionPreference = 'Stop'",
    '',
    ...DISCONNECT_FUNCTION_LINES,
    '',
    '# Signs in again as the app: a fresh GitHub OIDC token, exchanged at Entra ID for new access',
    '# tokens, then Connect-ExchangeOnline with them. Nothing is written to disk; the tokens are masked.',
    'function global:Update-ExoCbaConnection {',
    '  [CmdletBinding()]',
    '  param()',
    "  $ErrorActionPreference = 'Stop'",
    '  if (-not $env:ACTIONS_ID_TOKEN_REQUEST_URL -or -not $env:ACTIONS_ID_TOKEN_REQUEST_TOKEN) {',
    "    throw 'Update-ExoCbaConnection needs a GitHub OIDC token, and this job cannot request one: give the job permissions: id-token: write.'",
    '  }',
    `  $oidcUri = $env:ACTIONS_ID_TOKEN_REQUEST_URL + '&audience=' + [uri]::EscapeDataString(${psSingleQuoted(o.audience)})`,
    "  $oidc = (Invoke-RestMethod -Uri $oidcUri -Headers @{ Authorization = \"Bearer $env:ACTIONS_ID_TOKEN_REQUEST_TOKEN\" }).value",
    '  Write-Host "::add-mask::$oidc"',
    '  $tokens = @()',
    `  foreach ($resource in @(${resources.map(psSingleQuoted).join(', ')})) {`,
    '    $body = @{',
    `      client_id = ${psSingleQuoted(o.appId)}`,
    "      scope = \"$resource/.default\"",
    "      grant_type = 'client_credentials'",
    "      client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'",
    '      client_assertion = $oidc',
    '    }',
    '    try {',
    `      $answer = Invoke-RestMethod -Method Post -Uri ${psSingleQuoted(o.tokenEndpoint)} -ContentType 'application/x-www-form-urlencoded' -Body $body`,
    '    } catch {',
    '      $detail = if ($_.ErrorDetails -and $_.ErrorDetails.Message) { $_.ErrorDetails.Message } else { $_.Exception.Message }',
    '      throw "Entra ID refused the sign-in as the app with this job\'s GitHub OIDC token: $detail"',
    '    }',
    '    Write-Host "::add-mask::$($answer.access_token)"',
    '    $tokens += $answer',
    '  }',
    ...connectLines('$tokens[0].access_token', '$tokens[1].access_token', '  '),
    ...connectionLines('[datetime]::UtcNow.AddSeconds([int]$tokens[0].expires_in)', '  '),
    "  Write-Host (\"Signed in again; the new access token expires at {0:yyyy-MM-ddTHH:mm:ssZ}.\" -f $global:ExoCba.AccessTokenExpiresOn)",
    '}',
    '',
    '& {',
    `  $minimumModuleVersion = ${psSingleQuoted(minimumModuleVersion)}`,
    ...MODULE_LINES,
    '',
    ...connectionLines(
      `[datetime]::Parse(${psSingleQuoted(expiresOn)}, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::AdjustToUniversal)`,
      '  '
    ),
    `  if ($global:ExoCba.AccessTokenExpiresOn -lt [datetime]::UtcNow.AddMinutes(${REFRESH_MARGIN_MINUTES})) {`,
    '    # The step runs long after the action: the tokens it left are (nearly) expired.',
    '    Update-ExoCbaConnection',
    '  } else {',
    `    $exchangeTokenPath = ${psSingleQuoted(o.exchangeTokenPath)}`,
    ...(o.connectIppsSession ? [`    $complianceTokenPath = ${psSingleQuoted(o.complianceTokenPath ?? '')}`] : []),
    `    foreach ($path in @(${o.connectIppsSession ? '$exchangeTokenPath, $complianceTokenPath' : '$exchangeTokenPath'})) {`,
    '      if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {',
    '        throw "The access token file \'$path\' does not exist. The action\'s post step deletes it when the job ends: dot-source this script in a later step of the same job, or call Update-ExoCbaConnection."',
    '      }',
    '    }',
    "    $exchangeToken = ([string](Get-Content -LiteralPath $exchangeTokenPath -Raw -Encoding UTF8)).Trim()",
    ...(o.connectIppsSession ? ["    $complianceToken = ([string](Get-Content -LiteralPath $complianceTokenPath -Raw -Encoding UTF8)).Trim()"] : []),
    ...connectLines('$exchangeToken', '$complianceToken', '    '),
    '  }',
    `  Write-Host ("Connected to ${services} as app {0} in {1} with a federated access token (expires {2:yyyy-MM-ddTHH:mm:ssZ}; Update-ExoCbaConnection signs in again)." -f $global:ExoCba.AppId, $global:ExoCba.Organization, $global:ExoCba.AccessTokenExpiresOn)`,
    '}',
    ''
  ]
  return lines.join('\n')
}

/**
 * Writes the script for later steps: parent folder created 0700 when missing, the file
 * readable only by this user (0600; an owner-only ACL on Windows), as it names where the PFX
 * and its password are. A UTF-8 byte order mark makes Windows PowerShell 5.1 read non-ASCII
 * values as UTF-8 rather than the ANSI code page.
 */
export async function writeConnectScript(path: string, text: string, host: FileAccessHost = thisRunner): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writePrivateFile(path, `\uFEFF${text}`, host)
}
