/**
 * The federated connect script (credential: federated) through PowerShell's own parser: no
 * errors for any cloud with or without Security & Compliance, and hostile values stay
 * single-quoted constants with exactly their value, adding no command (the same number of
 * command calls as a benign script, not merely the same names).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderFederatedConnectScript, type FederatedConnectScriptOptions } from '../../src/powershell/connect-script.js'
import { describeIfPwsh, runPwshFile } from '../helpers/pwsh.js'

const CLOUDS = [
  ['global', 'O365Default'],
  ['usgov', 'O365USGovGCCHigh'],
  ['dod', 'O365USGovDoD'],
  ['china', 'O365China']
] as const

const HOSTILE_VALUES = [
  "x'; Write-Host pwned; '",
  '$(Write-Host pwned)',
  '${env:HOME}$env:PATH',
  '"; Write-Host pwned; "',
  '\u2018; Write-Host pwned; \u2019',
  "'",
  '# not a comment <# nor this #>',
  'ünïcødé/日本/😀'
]

const base: FederatedConnectScriptOptions = {
  appId: '11111111-2222-3333-4444-555555555555',
  organization: 'contoso.onmicrosoft.com',
  cloud: 'global',
  exchangeEnvironmentName: 'O365Default',
  connectIppsSession: false,
  exchangeTokenPath: '/tmp/exo-cba/token-x/exchange.token',
  complianceTokenPath: '/tmp/exo-cba/token-x/compliance.token',
  expiresOn: new Date('2027-01-01T00:00:00Z'),
  tokenEndpoint: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token',
  audience: 'api://AzureADTokenExchange',
  exchangeResource: 'https://outlook.office365.com',
  complianceResource: 'https://ps.compliance.protection.outlook.com'
}

const cases: Array<{ name: string; options: FederatedConnectScriptOptions }> = []
for (const [cloud, exchangeEnvironmentName] of CLOUDS) {
  for (const connectIppsSession of [false, true]) {
    cases.push({ name: `${cloud}${connectIppsSession ? '+ipps' : ''}`, options: { ...base, cloud, exchangeEnvironmentName, connectIppsSession } })
  }
}
HOSTILE_VALUES.forEach((value, index) => {
  cases.push({
    name: `hostile-${index}`,
    options: { ...base, connectIppsSession: true, organization: value, exchangeTokenPath: value, complianceTokenPath: value, audience: value, tokenEndpoint: value }
  })
})

const PARSER = String.raw`
param([string]$ListPath)
$results = foreach ($path in Get-Content -LiteralPath $ListPath) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref]$tokens, [ref]$errors)
  $commands = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.GetCommandName() })
  $singleQuoted = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $n.StringConstantType -eq 'SingleQuoted' }, $true) | ForEach-Object { $_.Value })
  $expandable = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.ExpandableStringExpressionAst] }, $true) | ForEach-Object { $_.Value })
  [ordered]@{ errors = @($errors | ForEach-Object { $_.Message }); commands = $commands; singleQuoted = $singleQuoted; expandable = $expandable }
}
ConvertTo-Json -InputObject @($results) -Depth 6 -Compress
`

interface ParseResult {
  errors: string[]
  commands: Array<string | null>
  singleQuoted: string[]
  expandable: string[]
}

describeIfPwsh('the federated connect script in PowerShell 7’s parser', (pwsh) => {
  let dir: string
  const results = new Map<string, ParseResult>()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-parse-federated-'))
    const paths: string[] = []
    for (const [index, c] of cases.entries()) {
      const path = join(dir, `case-${index}.ps1`)
      await writeFile(path, renderFederatedConnectScript(c.options), 'utf8')
      paths.push(path)
    }
    await writeFile(join(dir, 'list.txt'), paths.join('\n'), 'utf8')
    await writeFile(join(dir, 'parse.ps1'), PARSER, 'utf8')
    const result = await runPwshFile(pwsh, join(dir, 'parse.ps1'), ['-ListPath', join(dir, 'list.txt')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    ;(JSON.parse(result.stdout) as ParseResult[]).forEach((r, index) => results.set(cases[index].name, r))
  }, 60_000)

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it.each(cases.map(c => [c.name] as const))('%s parses with no errors', (name) => {
    expect(results.get(name)?.errors).toEqual([])
  })

  it('calls exactly the expected commands (and the & { } block, which has no name)', () => {
    const commands = results.get('global+ipps')!.commands
    expect(commands.filter(name => name === null)).toHaveLength(1)
    expect([...new Set(commands.filter(name => name !== null))].sort()).toEqual(
      ['Connect-ExchangeOnline', 'Connect-IPPSSession', 'Get-Content', 'Get-Module', 'Import-Module', 'Install-Module', 'Invoke-RestMethod', 'Test-Path', 'Update-ExoCbaConnection', 'Where-Object', 'Write-Host',
        // Disconnect-ExoCba
        'Disconnect-ExchangeOnline', 'Get-Variable', 'Remove-Variable'].sort()
    )
  })

  it.each(HOSTILE_VALUES.map((value, index) => [JSON.stringify(value), index] as const))(
    'keeps %s a single-quoted constant with its exact value, adding no command call',
    (_, index) => {
      const result = results.get(`hostile-${index}`)!
      const value = HOSTILE_VALUES[index]
      // organization twice per cmdlet (refresh and first connect) and once in $global:ExoCba; each path, audience and endpoint once.
      expect(result.singleQuoted.filter(constant => constant === value).length).toBeGreaterThanOrEqual(7)
      expect(result.commands).toEqual(results.get('global+ipps')!.commands)
      expect(result.expandable.some(text => text.includes('pwned'))).toBe(false)
    }
  )

  it('names the module version that has -AccessToken: 3.1.0, and 3.8.0 with Connect-IPPSSession', () => {
    expect(results.get('global')!.singleQuoted).toContain('3.1.0')
    expect(results.get('global+ipps')!.singleQuoted).toContain('3.8.0')
  })
})
