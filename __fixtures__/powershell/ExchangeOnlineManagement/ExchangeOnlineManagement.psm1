# Test double of Microsoft's ExchangeOnlineManagement module (tests only; never shipped).
#
# Its Connect-ExchangeOnline and Connect-IPPSSession declare the real cmdlets' certificate
# parameters with the real types, so a connect script that binds here binds against the
# real module too, and they reject what the real ones reject for app-only sign-in
# (-AppId without -Organization, no certificate, a certificate without its private key,
# -CertificateThumbprint outside Windows, a wrong -CertificatePassword).
#
# -AccessToken (3.1.0; Connect-IPPSSession 3.8.0) takes an app-only token with -Organization,
# as the service would: the token must be signed by the authority (checked against its
# published keys when EXO_CBA_TEST_AUTHORITY is set), be for this service's resource, not be
# expired, and carry Exchange.ManageAsApp and a supported directory role.
#
# Environment (set by the tests):
#   EXO_CBA_SHIM_RECORD     file to append one JSON line per call to: the command and its
#                           bound parameters (a certificate as type/thumbprint/HasPrivateKey,
#                           a SecureString as its type only: never a secret).
#   EXO_CBA_TEST_AUTHORITY  when set, sign in for real: an MSAL.NET confidential client with
#                           the certificate gets an app-only token from this authority host
#                           (the emulator), like the real module does from login.microsoftonline.com.
#   EXO_CBA_MSAL_DIR        folder with Microsoft.Identity.Client.dll (scripts/restore-msal.sh).
#   EXO_CBA_TEST_CA_FILE    PEM file of the CA that issued the authority's TLS certificate.

Set-StrictMode -Version 3.0

$script:Connections = [System.Collections.Generic.List[object]]::new()

$script:EnvironmentResources = @{
  O365Default      = 'https://outlook.office365.com'
  O365USGovGCCHigh = 'https://outlook.office365.us'
  O365USGovDoD     = 'https://webmail.apps.mil'
  O365China        = 'https://partner.outlook.cn'
}

function Write-ShimRecord {
  param([string]$Command, [System.Collections.IDictionary]$BoundParameters, [hashtable]$Extra = @{})
  if (-not $env:EXO_CBA_SHIM_RECORD) { return }
  $parameters = [ordered]@{}
  foreach ($name in $BoundParameters.Keys) {
    $value = $BoundParameters[$name]
    $parameters[$name] = switch ($value) {
      { $_ -is [System.Security.Cryptography.X509Certificates.X509Certificate2] } {
        [ordered]@{ type = $_.GetType().FullName; thumbprint = $_.Thumbprint; hasPrivateKey = $_.HasPrivateKey }
        break
      }
      { $_ -is [System.Security.SecureString] } { [ordered]@{ type = 'System.Security.SecureString' }; break }
      # A token is as secret as a password: recorded as its kind only.
      { $name -eq 'AccessToken' } { [ordered]@{ type = 'AccessToken' }; break }
      { $_ -is [System.Management.Automation.SwitchParameter] } { $_.IsPresent; break }
      default { $_ }
    }
  }
  $record = [ordered]@{ command = $Command; parameters = $parameters }
  foreach ($key in $Extra.Keys) { $record[$key] = $Extra[$key] }
  $line = ($record | ConvertTo-Json -Compress -Depth 6) + [Environment]::NewLine
  [System.IO.File]::AppendAllText($env:EXO_CBA_SHIM_RECORD, $line, [System.Text.UTF8Encoding]::new($false))
}

# The certificate the caller meant, by whichever of the three ways it was given.
function Resolve-ShimCertificate {
  param($Certificate, [string]$CertificateFilePath, [securestring]$CertificatePassword, [string]$CertificateThumbprint)
  if ($Certificate) {
    $resolved = $Certificate
  } elseif ($CertificateFilePath) {
    $password = if ($CertificatePassword) { [System.Net.NetworkCredential]::new('', $CertificatePassword).Password } else { '' }
    $resolved = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new(
      $CertificateFilePath, $password, [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable)
  } elseif ($CertificateThumbprint) {
    if (-not $IsWindows) {
      throw 'CertificateThumbprint is supported only on Windows (it reads the certificate store); use -Certificate or -CertificateFilePath.'
    }
    $resolved = Get-Item -LiteralPath "Cert:\CurrentUser\My\$CertificateThumbprint"
  } else {
    throw 'App-only sign-in needs a certificate: -Certificate, -CertificateFilePath or -CertificateThumbprint.'
  }
  if (-not $resolved.HasPrivateKey) {
    throw "The certificate $($resolved.Thumbprint) has no private key; app-only sign-in needs it."
  }
  $resolved
}

# MSAL.NET from scripts/restore-msal.sh, and an HTTP client that trusts the emulator's CA.
# The CA check lives here, in a test fixture, on purpose: production code trusts the system store.
function Initialize-ShimMsal {
  if ('ExoCbaShim.EmulatorHttpClientFactory' -as [type]) { return }
  $dir = $env:EXO_CBA_MSAL_DIR
  if (-not $dir -or -not (Test-Path -LiteralPath (Join-Path $dir 'Microsoft.Identity.Client.dll'))) {
    throw "EXO_CBA_MSAL_DIR must name the folder with Microsoft.Identity.Client.dll; run scripts/restore-msal.sh."
  }
  Add-Type -Path (Join-Path $dir 'Microsoft.IdentityModel.Abstractions.dll')
  Add-Type -Path (Join-Path $dir 'Microsoft.Identity.Client.dll')
  $references = @(
    (Join-Path $dir 'Microsoft.Identity.Client.dll'),
    (Join-Path $dir 'Microsoft.IdentityModel.Abstractions.dll'),
    'System.Net.Http', 'System.Net.Primitives', 'System.Net.Security',
    'System.Security.Cryptography', 'System.Security.Cryptography.X509Certificates', 'System.Runtime', 'System.Collections.NonGeneric'
  )
  # -IgnoreWarnings: MSAL is built against .NET 8 and pwsh runs .NET 10 (CS1701, harmless).
  Add-Type -ReferencedAssemblies $references -IgnoreWarnings -WarningAction SilentlyContinue -TypeDefinition @'
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ExoCbaShim {
  // Trusts exactly one extra root, the emulator's CA, and still checks the host name.
  public sealed class EmulatorHttpClientFactory : Microsoft.Identity.Client.IMsalHttpClientFactory {
    private readonly HttpClient client;

    public EmulatorHttpClientFactory(X509Certificate2 ca) {
      var handler = new HttpClientHandler();
      handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate == null) return false;
        using (var custom = new X509Chain()) {
          custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
          custom.ChainPolicy.CustomTrustStore.Add(ca);
          custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
          return custom.Build(certificate);
        }
      };
      client = new HttpClient(handler);
    }

    public HttpClient GetHttpClient() { return client; }
  }
}
'@
}

# The claims of a JWT, for the record (the token itself is never written anywhere).
function ConvertFrom-ShimJwt {
  param([string]$Token)
  $payload = $Token.Split('.')[1].Replace('-', '+').Replace('_', '/')
  switch ($payload.Length % 4) { 2 { $payload += '==' } 3 { $payload += '=' } }
  [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($payload)) | ConvertFrom-Json
}

function ConvertFrom-ShimBase64Url {
  param([string]$Value)
  $text = $Value.Replace('-', '+').Replace('_', '/')
  switch ($text.Length % 4) { 2 { $text += '==' } 3 { $text += '=' } }
  [Convert]::FromBase64String($text)
}

# The token's RS256 signature, against the keys the authority publishes for the tenant (as
# Exchange Online checks it against Entra's). Only when the tests name the authority.
function Assert-ShimTokenSignature {
  param([string]$Token, $Claims)
  if (-not $env:EXO_CBA_TEST_AUTHORITY) { return }
  Initialize-ShimMsal
  $parts = $Token.Split('.')
  if ($parts.Count -ne 3) { throw 'The access token is not a JWT.' }
  $header = [System.Text.Encoding]::UTF8.GetString((ConvertFrom-ShimBase64Url $parts[0])) | ConvertFrom-Json
  $ca = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -LiteralPath $env:EXO_CBA_TEST_CA_FILE -Raw))
  $client = [ExoCbaShim.EmulatorHttpClientFactory]::new($ca).GetHttpClient()
  $keysUri = $env:EXO_CBA_TEST_AUTHORITY.TrimEnd('/') + '/' + $Claims.tid + '/discovery/v2.0/keys'
  $keys = $client.GetStringAsync($keysUri).GetAwaiter().GetResult() | ConvertFrom-Json
  $jwk = @($keys.keys | Where-Object { $_.kid -eq $header.kid })[0]
  if (-not $jwk) { throw "The access token is signed with key '$($header.kid)', which the authority does not publish." }
  $rsa = [System.Security.Cryptography.RSA]::Create()
  $parameters = [System.Security.Cryptography.RSAParameters]::new()
  $parameters.Modulus = ConvertFrom-ShimBase64Url $jwk.n
  $parameters.Exponent = ConvertFrom-ShimBase64Url $jwk.e
  $rsa.ImportParameters($parameters)
  $signed = [System.Text.Encoding]::ASCII.GetBytes("$($parts[0]).$($parts[1])")
  $valid = $rsa.VerifyData($signed, (ConvertFrom-ShimBase64Url $parts[2]),
    [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
  if (-not $valid) { throw 'The access token signature is not valid.' }
}

# What the service checks of an access token it is given (-AccessToken).
function Get-ShimAccessTokenClaims {
  param([string]$Token, [string]$Resource)
  $claims = ConvertFrom-ShimJwt $Token
  Assert-ShimTokenSignature -Token $Token -Claims $claims
  $audience = ([string]$claims.aud).TrimEnd('/')
  if ($audience -ne $Resource.TrimEnd('/')) {
    throw "The access token is for '$audience', not for $Resource."
  }
  $expires = [DateTimeOffset]::FromUnixTimeSeconds([long]$claims.exp).UtcDateTime
  if ($expires -le [datetime]::UtcNow) {
    throw "The access token expired at $($expires.ToString('u')). Get a new one and connect again."
  }
  $claims
}

# What the real module does for app-only sign-in: MSAL confidential client, certificate
# credential, authority {login host}/{organization}, scope {Exchange resource}/.default.
function Get-ShimAppOnlyToken {
  param([System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate, [string]$AppId, [string]$Organization, [string]$Resource)
  Initialize-ShimMsal
  $authority = $env:EXO_CBA_TEST_AUTHORITY.TrimEnd('/') + '/' + $Organization
  $builder = [Microsoft.Identity.Client.ConfidentialClientApplicationBuilder]::Create($AppId).
    WithCertificate($Certificate).
    WithAuthority($authority, $false).
    WithInstanceDiscovery($false)
  if ($env:EXO_CBA_TEST_CA_FILE) {
    $ca = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -LiteralPath $env:EXO_CBA_TEST_CA_FILE -Raw))
    $builder = $builder.WithHttpClientFactory([ExoCbaShim.EmulatorHttpClientFactory]::new($ca))
  }
  $application = $builder.Build()
  $scopes = [string[]]@("$Resource/.default")
  try {
    $application.AcquireTokenForClient($scopes).ExecuteAsync().GetAwaiter().GetResult()
  } catch {
    throw "Sign-in as app $AppId to $authority failed: $($_.Exception.GetBaseException().Message)"
  }
}

# Directory roles Exchange Online accepts for app-only sign-in, and those Security &
# Compliance accepts (template ids; FACTS.md, from Microsoft's app-only authentication article).
$script:ExchangeRoleIds = @(
  '62e90394-69f5-4237-9190-012177145e10', '29232cdf-9323-42fd-ade2-1d097af3e4de', '31392ffb-586c-42d1-9346-e59415a2cc4e',
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451', '729827e3-9c14-49f7-bb1b-9608f156bbb8', '194ae4cb-b126-40b2-bd5b-6091b380977d',
  '5d6b6bb7-de71-4623-b4af-96380a352509', '17315797-102d-40b4-93e0-432062caca18')
$script:ComplianceRoleIds = @(
  '17315797-102d-40b4-93e0-432062caca18', '62e90394-69f5-4237-9190-012177145e10', 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  '194ae4cb-b126-40b2-bd5b-6091b380977d', '5d6b6bb7-de71-4623-b4af-96380a352509')

function Get-ShimClaim {
  param($Claims, [string]$Name)
  $property = $Claims.PSObject.Properties[$Name]
  if ($property) { @($property.Value) } else { @() }
}

# What the service answers the first call after sign-in with, when the app lacks the
# Exchange.ManageAsApp permission or a supported directory role.
function Assert-ShimAuthorized {
  param([string]$Command, [string]$AppId, $Claims)
  if ((Get-ShimClaim $Claims 'roles') -notcontains 'Exchange.ManageAsApp') {
    throw "UnAuthorized: the access token for app $AppId does not carry the Exchange.ManageAsApp application permission."
  }
  $supported = if ($Command -eq 'Connect-IPPSSession') { $script:ComplianceRoleIds } else { $script:ExchangeRoleIds }
  if (-not (Get-ShimClaim $Claims 'wids' | Where-Object { $supported -contains $_ })) {
    throw "The role assigned to application $AppId isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication."
  }
}

function Connect-ShimService {
  param([string]$Command, [System.Collections.IDictionary]$BoundParameters, [string]$Resource, [string]$ConnectionUri)
  $p = $BoundParameters
  if ($p.ContainsKey('AccessToken')) {
    if (-not $p.ContainsKey('Organization')) {
      throw 'An app-only access token needs the Organization parameter (the tenant''s primary .onmicrosoft.com domain).'
    }
    $claims = Get-ShimAccessTokenClaims -Token $p['AccessToken'] -Resource $Resource
    Assert-ShimAuthorized -Command $Command -AppId ([string]$claims.appid) -Claims $claims
    $tokenExpiry = [DateTimeOffset]::FromUnixTimeSeconds([long]$claims.exp).UtcDateTime
    Write-ShimRecord -Command $Command -BoundParameters $p -Extra @{ token = [ordered]@{ scope = "$Resource/.default"; claims = $claims } }
    $script:Connections.Add([pscustomobject]@{
        State                     = 'Connected'
        Name                      = "ExchangeOnline_$($script:Connections.Count + 1)"
        ConnectionUri             = $ConnectionUri
        IsEopSession              = $Command -eq 'Connect-IPPSSession'
        CertificateAuthentication = $false
        AppId                     = [string]$claims.appid
        Organization              = $p['Organization']
        TokenExpiryTimeUTC        = $tokenExpiry
        TokenStatus               = 'Active'
      })
    return
  }
  if ($p.ContainsKey('AppId') -and -not $p.ContainsKey('Organization')) {
    throw 'The Organization parameter is required when AppId is used (app-only sign-in).'
  }
  $certificate = Resolve-ShimCertificate -Certificate $p['Certificate'] -CertificateFilePath $p['CertificateFilePath'] `
    -CertificatePassword $p['CertificatePassword'] -CertificateThumbprint $p['CertificateThumbprint']
  $extra = @{}
  $tokenExpiry = $null
  if ($env:EXO_CBA_TEST_AUTHORITY) {
    $result = Get-ShimAppOnlyToken -Certificate $certificate -AppId $p['AppId'] -Organization $p['Organization'] -Resource $Resource
    $claims = ConvertFrom-ShimJwt $result.AccessToken
    Assert-ShimAuthorized -Command $Command -AppId $p['AppId'] -Claims $claims
    $extra.token = [ordered]@{ scope = "$Resource/.default"; claims = $claims }
    $tokenExpiry = $result.ExpiresOn.UtcDateTime
  }
  Write-ShimRecord -Command $Command -BoundParameters $p -Extra $extra
  $script:Connections.Add([pscustomobject]@{
      State                     = 'Connected'
      Name                      = "ExchangeOnline_$($script:Connections.Count + 1)"
      ConnectionUri             = $ConnectionUri
      IsEopSession              = $Command -eq 'Connect-IPPSSession'
      CertificateAuthentication = $true
      AppId                     = $p['AppId']
      Organization              = $p['Organization']
      TokenExpiryTimeUTC        = $tokenExpiry
      TokenStatus               = if ($tokenExpiry) { 'Active' } else { 'NotSignedIn' }
    })
}

function Connect-ExchangeOnline {
  [CmdletBinding()]
  param(
    [string]$ConnectionUri,
    [string]$AzureADAuthorizationEndpointUri,
    [ValidateSet('O365Default', 'O365USGovGCCHigh', 'O365USGovDoD', 'O365GermanyCloud', 'O365China')]
    [string]$ExchangeEnvironmentName = 'O365Default',
    [string]$DelegatedOrganization,
    [string]$Prefix,
    [string[]]$CommandName,
    [string]$AppId,
    [System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate,
    [string]$CertificateFilePath,
    [securestring]$CertificatePassword,
    [string]$CertificateThumbprint,
    [string]$AccessToken,
    [string]$Organization,
    [switch]$ShowBanner = $true,
    [switch]$ShowProgress,
    [switch]$SkipLoadingFormatData
  )
  $uri = if ($ConnectionUri) { $ConnectionUri } else { $script:EnvironmentResources[$ExchangeEnvironmentName] }
  Connect-ShimService -Command $MyInvocation.MyCommand.Name -BoundParameters $PSBoundParameters `
    -Resource $script:EnvironmentResources[$ExchangeEnvironmentName] -ConnectionUri $uri
  if ($ShowBanner) { Write-Host 'Exchange Online PowerShell (test double) connected.' }
}

function Connect-IPPSSession {
  [CmdletBinding()]
  param(
    [string]$ConnectionUri = 'https://ps.compliance.protection.outlook.com/powershell-liveid/',
    [string]$AzureADAuthorizationEndpointUri = 'https://login.microsoftonline.com/organizations',
    [string]$DelegatedOrganization,
    [string]$Prefix,
    [string[]]$CommandName,
    [string]$AppId,
    [System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate,
    [string]$CertificateFilePath,
    [securestring]$CertificatePassword,
    [string]$CertificateThumbprint,
    [string]$AccessToken,
    [string]$Organization
  )
  # The compliance endpoint's own resource, e.g. https://ps.compliance.protection.outlook.com.
  $resource = ([uri]$ConnectionUri).GetLeftPart([System.UriPartial]::Authority)
  Connect-ShimService -Command $MyInvocation.MyCommand.Name -BoundParameters $PSBoundParameters `
    -Resource $resource -ConnectionUri $ConnectionUri
}

function Get-ConnectionInformation {
  [CmdletBinding()]
  param()
  $script:Connections.ToArray()
}

function Disconnect-ExchangeOnline {
  [CmdletBinding(SupportsShouldProcess)]
  param()
  $script:Connections.Clear()
}

Export-ModuleMember -Function Connect-ExchangeOnline, Connect-IPPSSession, Get-ConnectionInformation, Disconnect-ExchangeOnline
