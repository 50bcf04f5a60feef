# Test double of Microsoft's ExchangeOnlineManagement module, for the tests in
# __tests__/powershell only: they put its parent folder on PSModulePath. It has the real
# module's name, version (3.10.1, the newest when written: -AccessToken on both cmdlets) and
# certificate and token parameters so the emitted connect script binds exactly as
# it would against the real module; see ExchangeOnlineManagement.psm1.
@{
  RootModule        = 'ExchangeOnlineManagement.psm1'
  ModuleVersion     = '3.10.1'
  GUID              = '6b1cf1a4-5f0e-4e0b-9f6e-3c8a4b7e2d10'
  Author            = 'exo-cba-action tests'
  Description       = 'Test double of ExchangeOnlineManagement (not the real module).'
  # Lower than the 7.6.9 the tests here use: windows-latest ships an older PowerShell 7 (CI's Windows job).
  PowerShellVersion = '7.2'
  FunctionsToExport = @('Connect-ExchangeOnline', 'Connect-IPPSSession', 'Get-ConnectionInformation', 'Disconnect-ExchangeOnline')
  CmdletsToExport   = @()
  VariablesToExport = @()
  AliasesToExport   = @()
}
