/**
 * Runs the connect script the way a workflow step does: a fresh pwsh dot-sources it. A small
 * wrapper around it sets PSModulePath (the test double of ExchangeOnlineManagement, never a
 * real one installed on this machine), records a transcript, optionally shims Install-Module,
 * and afterwards prints what the script left in the caller's scope as one JSON line.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { psSingleQuoted, renderConnectScript, type ConnectScriptOptions } from '../../src/powershell/connect-script.js'
import { runPwshFile, SHIM_MODULES_DIR, type PwshResult } from '../helpers/pwsh.js'

/** One call the test double (or the Install-Module shim) received. */
export interface Recorded {
  command: string
  parameters: Record<string, unknown>
  /** Present when the test double signed in (EXO_CBA_TEST_AUTHORITY): the token's scope and claims. */
  token?: { scope: string; claims: Record<string, unknown> }
}

export interface DotSourceRun extends PwshResult {
  records: Recorded[]
  transcript: string
  /** The caller's scope after dot-sourcing, when the script succeeded. */
  after?: {
    exoCba: Record<string, unknown> | null
    leftovers: string[]
    errorActionPreference: string
    certificateType: string
  }
}

export interface DotSourceOptions {
  /** Put the test double on PSModulePath (default true). */
  moduleInstalled?: boolean
  /** Define Install-Module to record the call and then "install" the test double. */
  shimInstallModule?: boolean
  /** Added to the child's environment (EXO_CBA_* from this process are dropped first). */
  env?: Record<string, string>
  /** PowerShell lines the caller runs before dot-sourcing (e.g. Set-StrictMode). */
  prelude?: string[]
  /** PowerShell lines the caller runs after dot-sourcing (e.g. Update-ExoCbaConnection). */
  then?: string[]
}

/** The variables the script works with; none may be left in the caller's scope. */
const WORKING_VARIABLES = [
  'pfxPassword', 'certificate', 'pfxPath', 'pfxFullPath', 'pfxPasswordPath', 'appId', 'organization',
  'keyStorageFlags', 'passwordSource', 'expectedThumbprint', 'installed', 'notAfterUtc', 'minimumModuleVersion',
  'exchangeToken', 'complianceToken', 'exchangeTokenPath', 'complianceTokenPath', 'oidc', 'tokens', 'answer', 'body',
  'key', 'keyName', 'sid', 'keyFiles', 'exitHandlers', 'connection'
]

let runs = 0

/**
 * Dot-sources a connect script in a fresh pwsh: rendered here from `script` options, or an
 * existing file (`{ path }`, e.g. the one the bundled action wrote in connect or provision mode).
 * `workRoot` receives one folder per run (wrapper, transcript, call record, a private HOME).
 */
export async function dotSourceConnectScript(
  pwsh: string,
  workRoot: string,
  script: ConnectScriptOptions | { path: string },
  options: DotSourceOptions = {}
): Promise<DotSourceRun> {
  const work = join(workRoot, `run-${++runs}`)
  const home = join(work, 'home')
  await mkdir(home, { recursive: true })
  const recordPath = join(work, 'calls.jsonl')
  const transcriptPath = join(work, 'transcript.txt')
  let scriptPath: string
  if ('path' in script) {
    scriptPath = script.path
  } else {
    scriptPath = join(work, 'Connect-ExoCba.ps1')
    await writeFile(scriptPath, renderConnectScript(script), 'utf8')
  }
  await writeFile(recordPath, '')

  const moduleDirs = options.moduleInstalled === false ? [] : [SHIM_MODULES_DIR]
  const wrapper = [
    // Only the test double and PowerShell's own modules: a real ExchangeOnlineManagement
    // installed on this machine must not take part.
    `$env:PSModulePath = (@(${moduleDirs.map(psSingleQuoted).join(', ')}) + @(Join-Path $PSHOME 'Modules')) -join [System.IO.Path]::PathSeparator`,
    `Start-Transcript -LiteralPath ${psSingleQuoted(transcriptPath)} | Out-Null`,
    ...(options.shimInstallModule
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
    ...(options.prelude ?? []),
    'try {',
    `  . ${psSingleQuoted(scriptPath)}`,
    ...(options.then ?? []).map(line => `  ${line}`),
    `  $leftovers = @(Get-Variable -Scope 0 | Where-Object { $_.Name -in @(${WORKING_VARIABLES.map(psSingleQuoted).join(', ')}) } | ForEach-Object Name)`,
    // -File runs the wrapper in the global scope: a variable named like ExoCba would replace it.
    '  $snapshot = if ($global:ExoCba) { $global:ExoCba | Select-Object -Property * -ExcludeProperty Certificate } else { $null }',
    "  Write-Output ('AFTER ' + (ConvertTo-Json -Compress -Depth 3 -InputObject ([ordered]@{ exoCba = $snapshot; leftovers = $leftovers; errorActionPreference = [string]$ErrorActionPreference; certificateType = $(if ($global:ExoCba -and $global:ExoCba.PSObject.Properties['Certificate']) { $global:ExoCba.Certificate.GetType().FullName } else { $null }) })))",
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

  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('EXO_CBA_')) env[name] = value
  }
  Object.assign(env, { HOME: home, EXO_CBA_SHIM_RECORD: recordPath }, options.env)
  const result = await runPwshFile(pwsh, wrapperPath, [], { env })
  const records = (await readFile(recordPath, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Recorded)
  const transcript = await readFile(transcriptPath, 'utf8').catch(() => '')
  const afterLine = result.stdout.split('\n').find((line) => line.startsWith('AFTER '))
  return { ...result, records, transcript, after: afterLine ? JSON.parse(afterLine.slice('AFTER '.length)) : undefined }
}
