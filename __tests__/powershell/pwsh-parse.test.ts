/**
 * The connect script through PowerShell's own parser: it must parse without errors for every
 * option combination, and hostile values must stay string constants (no extra commands, no
 * expandable strings) with exactly the value they had in TypeScript.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderConnectScript, type ConnectScriptOptions } from '../../src/powershell/connect-script.js'
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
  '`$(Write-Host pwned)`',
  '"; Write-Host pwned; "',
  '\u2018; Write-Host pwned; \u2019',
  '\u201A\u201B; Write-Host pwned; \u201B\u201A',
  "''''",
  "'",
  "\u2019'\u2018",
  '@\' here-string opener',
  '# not a comment <# nor this #>',
  'C:\\Program Files\\a b\\c.pfx',
  'ünïcødé/日本/😀',
  ''
]

const base: ConnectScriptOptions = {
  appId: '11111111-2222-3333-4444-555555555555',
  organization: 'contoso.onmicrosoft.com',
  pfxPath: '/tmp/exo-cba/exo-cba.pfx',
  pfxPasswordPath: '/tmp/exo-cba/exo-cba.pfx.password',
  exchangeEnvironmentName: 'O365Default',
  connectIppsSession: false,
  cloud: 'global',
  thumbprint: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
  notAfter: new Date('2027-01-01T00:00:00Z')
}

interface Case {
  name: string
  options: ConnectScriptOptions
}

const cases: Case[] = []
for (const [cloud, exchangeEnvironmentName] of CLOUDS) {
  for (const connectIppsSession of [false, true]) {
    cases.push({
      name: `${cloud}${connectIppsSession ? '+ipps' : ''}`,
      options: { ...base, cloud, exchangeEnvironmentName, connectIppsSession }
    })
  }
}
HOSTILE_VALUES.forEach((value, index) => {
  cases.push({
    name: `hostile-${index}`,
    options: { ...base, appId: value, organization: value, pfxPath: value, pfxPasswordPath: value, connectIppsSession: true }
  })
})

// For each script: parse errors, every command name, the value of every `$name = <constant>`
// assignment, and whether any expandable string or sub-expression holds one of the values.
const PARSER = String.raw`
param([string]$ListPath)
$results = foreach ($path in Get-Content -LiteralPath $ListPath) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref]$tokens, [ref]$errors)
  $commands = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true) |
    ForEach-Object { $_.GetCommandName() }
  $assignments = [ordered]@{}
  $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true) | ForEach-Object {
    $right = $_.Right
    if ($_.Left -is [System.Management.Automation.Language.VariableExpressionAst] -and
        $right -is [System.Management.Automation.Language.CommandExpressionAst] -and
        $right.Expression -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
      $assignments[$_.Left.VariablePath.UserPath] = [ordered]@{
        value = $right.Expression.Value
        singleQuoted = $right.Expression.StringConstantType -eq 'SingleQuoted'
      }
    }
  }
  [ordered]@{
    path = $path
    errors = @($errors | ForEach-Object { $_.Message })
    commands = @($commands | Sort-Object -Unique)
    assignments = $assignments
  }
}
ConvertTo-Json -InputObject @($results) -Depth 6 -Compress
`

interface ParseResult {
  path: string
  errors: string[]
  commands: string[]
  assignments: Record<string, { value: string; singleQuoted: boolean }>
}

describeIfPwsh('the connect script in PowerShell 7’s parser', (pwsh) => {
  let dir: string
  const results = new Map<string, ParseResult>()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-parse-'))
    const paths: string[] = []
    for (const [index, c] of cases.entries()) {
      const path = join(dir, `case-${index}.ps1`)
      await writeFile(path, renderConnectScript(c.options), 'utf8')
      paths.push(path)
    }
    await writeFile(join(dir, 'list.txt'), paths.join('\n'), 'utf8')
    await writeFile(join(dir, 'parse.ps1'), PARSER, 'utf8')
    const result = await runPwshFile(pwsh, join(dir, 'parse.ps1'), ['-ListPath', join(dir, 'list.txt')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const parsed = JSON.parse(result.stdout) as ParseResult[]
    parsed.forEach((r, index) => results.set(cases[index].name, r))
  }, 60_000)

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const benignCommands = () => results.get('global+ipps')!.commands

  it.each(cases.map((c) => [c.name, c] as const))('%s parses with no errors', (name) => {
    expect(results.get(name)?.errors).toEqual([])
  })

  it('calls exactly the expected commands', () => {
    expect(benignCommands()).toEqual(
      [
        'Connect-ExchangeOnline', 'Connect-IPPSSession', 'Get-Content', 'Get-Module', 'Import-Module', 'Install-Module',
        'New-Object', 'Remove-Variable', 'Resolve-Path', 'Test-Path', 'Where-Object', 'Write-Host',
        // Disconnect-ExoCba, the exit handler that disposes the certificate, and (on Windows) naming its key file.
        'Disconnect-ExchangeOnline', 'Disconnect-ExoCba', 'Get-Variable', 'Get-EventSubscriber', 'Register-EngineEvent',
        'Add-Content', 'Join-Path', 'Split-Path', 'Write-Verbose'
      ].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }))
    )
  })

  it.each(HOSTILE_VALUES.map((value, index) => [JSON.stringify(value), index] as const))(
    'keeps %s a single-quoted constant with its exact value, adding no command',
    (_, index) => {
      const result = results.get(`hostile-${index}`)!
      const value = HOSTILE_VALUES[index]
      for (const variable of ['appId', 'organization', 'pfxPath', 'pfxPasswordPath']) {
        expect(result.assignments[variable]).toEqual({ value, singleQuoted: true })
      }
      expect(result.commands).toEqual(benignCommands())
    }
  )

  it.each(CLOUDS.map(([cloud, environment]) => [cloud, environment] as const))(
    'the %s script binds the environment name %s as a constant',
    (cloud, environment) => {
      expect(results.get(`${cloud}+ipps`)!.assignments.exchangeEnvironmentName).toEqual({ value: environment, singleQuoted: true })
    }
  )
})
