/**
 * `npm start`: the whole action, end to end, with no tenant. Starts the emulator of
 * Entra ID, Microsoft Graph and GitHub on 127.0.0.1, then runs the bundled action
 * (dist/) exactly as the GitHub runner would:
 *   1. provision mode on a fresh tenant (GitHub OIDC sign-in, secrets to the repository),
 *   2. connect mode with the secrets it stored (the everyday job),
 *   3. provision mode again with those secrets (the weekly rotation run: nothing to do).
 * It prints the log as GitHub shows it (secrets masked), the outputs, the job summary
 * and the connect script, and ends with how many requests were checked against the Graph
 * and GitHub API descriptions (it fails if any broke them).
 */
import { readFileSync } from 'node:fs'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { emulatorEnv, inputsFromStoredSecrets, provisionInputs, repositorySecretInputs } from './lib/emulated-run.js'
import { maskedLog, runAction, type ActionRun } from './lib/local-runner.js'

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)
const dim = (text: string): string => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text)

function heading(text: string): void {
  console.log(`\n${bold(`━━ ${text} ${'━'.repeat(Math.max(0, 74 - text.length))}`)}`)
}

function show(run: ActionRun, label: string): void {
  const masks = [...run.main.masks]
  console.log(dim(`── log (as GitHub shows it, masked) ──`))
  console.log(maskedLog(run.main.stdout, masks).trim())
  if (run.main.stderr.trim() !== '') console.log(maskedLog(run.main.stderr, masks).trim())
  console.log(dim(`── outputs ──`))
  for (const [name, value] of Object.entries(run.outputs)) {
    const shown = masks.includes(value) ? '*** (masked)' : value.length > 100 ? `${value.slice(0, 97)}...` : value
    console.log(`  ${name.padEnd(24)} ${shown}`)
  }
  console.log(dim(`── job summary ──`))
  console.log(run.summary.trim())
  if (run.main.exitCode !== 0) throw new Error(`${label} failed with exit code ${run.main.exitCode}`)
}

function requestCounts(emulator: Emulator): string {
  const entries = emulator.log.list()
  // A $batch envelope carries its sub-requests (logged one by one); count it as a round trip only.
  const graph = entries.filter(e => e.service === 'graph' && !/^\/v1\.0\/\$batch/.test(e.path))
  const roundTrips = entries.filter(e => e.service === 'graph' && !e.batch).length
  const github = entries.filter(e => e.service === 'github')
  const login = entries.filter(e => e.service === 'login')
  return `sign-ins ${login.length}, Graph ${graph.filter(e => e.kind === 'read').length} reads + ${graph.filter(e => e.kind === 'write').length} writes in ${roundTrips} round trips, GitHub ${github.length} requests`
}

async function main(): Promise<void> {
  const emulator = await startEmulator()
  try {
    const env = emulatorEnv(emulator)
    console.log(bold('exo-cba-action demo against the embedded emulator (no tenant, no network)'))
    console.log(`  Entra ID  ${emulator.urls.login}   tenant ${emulator.tenant.tenantId}`)
    console.log(`  Graph     ${emulator.urls.graph}`)
    console.log(`  GitHub    ${emulator.urls.github}`)

    heading('1. Provision mode on a fresh tenant (the one-time bootstrap workflow)')
    const first = await runAction({ inputs: { ...provisionInputs(emulator, { 'verify-timeout-seconds': '60' }), ...repositorySecretInputs() }, env, skipPost: true })
    show(first, 'provision')
    console.log(dim('── the connect script later steps dot-source ──'))
    console.log(readFileSync(first.outputs['connect-script'], 'utf8').replace(/^\uFEFF/, ''))
    console.log(dim(`requests: ${requestCounts(emulator)}`))

    heading('2. Connect mode from the stored secrets (the everyday job)')
    emulator.log.clear()
    const stored = inputsFromStoredSecrets(emulator)
    const everyday = await runAction({ inputs: { mode: 'connect', 'app-id': stored['app-id'], organization: stored.organization, 'pfx-base64': stored['pfx-base64'], 'pfx-password': stored['pfx-password'] }, env })
    show(everyday, 'connect')
    console.log(dim(`requests: ${requestCounts(emulator)} (connect mode makes none)`))
    console.log(dim(`post step: ${everyday.post?.stdout.trim().split('\n').join(' | ')}`))

    heading('3. Provision mode again with the stored secrets (the weekly rotation run)')
    emulator.log.clear()
    const rerun = await runAction({ inputs: { ...provisionInputs(emulator), ...repositorySecretInputs(), ...stored }, env })
    show(rerun, 'provision rerun')
    console.log(dim(`requests: ${requestCounts(emulator)}`))

    console.log(`\n${bold('Done.')} Point the same action at your tenant: drop authority-host and graph-endpoint, pass your tenant-id and client-id.`)
  } finally {
    // Every Graph and GitHub request of the three runs, held to the publishers' API
    // descriptions (emulator/descriptions/); close() fails, listing them, on any violation.
    console.log(emulator.apiChecks.summary())
    await emulator.close()
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
