/**
 * `npm run reliability`: the reliability and security matrix of issue 7 against the
 * emulator, with figures. Crashes (SIGKILL right after each write, fresh tenant and
 * rotation), faults (429 storms, 503/504, resets, replication lag, GitHub outages),
 * concurrent runs, 70+ malformed inputs and a pull-request-triggered provisioning run, fuzzing of the PFX reader and the settings
 * parser, and secret hygiene on every run. Exits 1 on any failure that is not a
 * recorded known failure (scripts/reliability/known-failures.ts).
 *
 * Options: --parallel=N (scenarios at once, default 4), --lag-seconds=S (default 60),
 * --fuzz-cases=N (per target, default 2000), --seed=N (default 7), --all-subsets (every
 * one of the 64 subsets of secrets an interrupted run may have written, twice: fresh
 * and rotation; default: 10 representative ones), --only=crash,faults,concurrency,hygiene,bad-input,fuzz
 */
import { ensureCa } from '../emulator/ca.js'
import { ActionUnderTest } from './reliability/action-under-test.js'
import { badInputCases, badInputScenario, makeCertificates } from './reliability/bad-inputs.js'
import { figuresTable, findings, fuzzTable, notes } from './reliability/figures.js'
import { fuzzReadPfx, fuzzReadSettings, pfxSeeds, type FuzzReport } from './reliability/fuzz.js'
import { knownFailure } from './reliability/known-failures.js'
import { inPool } from './reliability/pool.js'
import { passed, type ScenarioResult } from './reliability/result.js'
import {
  concurrencyScenario,
  countWritesOfCleanRun,
  crashScenario,
  faultMatrix,
  faultScenario,
  fileHygieneScenario,
  interruptedSecretWritesScenario,
  leastPrivilegeScenario,
  connectOfflineScenario,
  pullRequestProvisioningScenario,
  representativeSubsets,
  secretSubsets,
  sharedAppScenario,
  sharedAppFederatedScenario,
  verifyTimeoutsScenario
} from './reliability/scenarios.js'

/** A scenario that threw is a broken harness (or emulator), reported as a failure, not a crash of the suite. */
function harnessFailure(error: unknown): ScenarioResult {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
  return { group: 'faults', name: `scenario could not run: ${message.split('\n')[0]}`, runs: 0, faultsInjected: 0, converged: false, extraWrites: 0, leaks: [], problems: [message] }
}

function option(name: string, fallback: number): number {
  const arg = process.argv.find(a => a.startsWith(`--${name}=`))
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3))
}
const only = process.argv.find(a => a.startsWith('--only='))?.slice(7).split(',')
const wanted = (group: string): boolean => only === undefined || only.includes(group)

async function main(): Promise<void> {
  // The action trusts the emulator the standard way: NODE_EXTRA_CA_CERTS (set per run by emulatorEnv).
  ensureCa()
  const started = Date.now()
  const parallel = option('parallel', 4)
  const lagMs = option('lag-seconds', 60) * 1000
  const fuzzCases = option('fuzz-cases', 2000)
  const seed = option('seed', 7)
  const action = new ActionUnderTest()
  const progress = (result: ScenarioResult): void => {
    const mark = passed(result) ? 'ok  ' : knownFailure(result.name) !== undefined ? 'KNOWN' : 'FAIL'
    process.stderr.write(`  ${mark} [${result.group}] ${result.name} (${result.runs} runs)\n`)
  }
  try {
    const jobs: Array<() => Promise<ScenarioResult>> = []
    // The long replication-lag scenario goes first so it overlaps everything else.
    if (wanted('faults')) for (const scenario of faultMatrix(lagMs).sort((a, b) => Number(/lag/.test(b.name)) - Number(/lag/.test(a.name)))) jobs.push(() => faultScenario(action, scenario))
    if (wanted('crash')) {
      for (const rotation of [false, true]) {
        const writes = await countWritesOfCleanRun(action, rotation)
        process.stderr.write(`a clean ${rotation ? 'rotation' : 'fresh'} run makes ${writes} writes: crashing after each\n`)
        for (let write = 1; write <= writes; write++) jobs.push(() => crashScenario(action, { rotation, write }))
      }
      // Secret PUTs go out in parallel, so a crash among them leaves any subset written.
      const subsets = process.argv.includes('--all-subsets') ? secretSubsets() : representativeSubsets()
      for (const rotation of [false, true]) for (const written of subsets) jobs.push(() => interruptedSecretWritesScenario(action, rotation, written))
    }
    if (wanted('concurrency')) {
      jobs.push(() => concurrencyScenario(action, 2), () => concurrencyScenario(action, 5), () => concurrencyScenario(action, 2, true), () => concurrencyScenario(action, 5, true), () => sharedAppScenario(action), () => sharedAppFederatedScenario(action), () => verifyTimeoutsScenario(action))
    }
    if (wanted('hygiene')) jobs.push(() => fileHygieneScenario(action), () => leastPrivilegeScenario(action), () => connectOfflineScenario(action))
    if (wanted('bad-input')) {
      const certs = makeCertificates()
      for (const testCase of badInputCases(certs)) jobs.push(() => badInputScenario(action, testCase, certs))
      jobs.push(() => pullRequestProvisioningScenario(action))
    }
    process.stderr.write(`running ${jobs.length} scenarios, ${parallel} at a time\n`)
    const results = await inPool(jobs, parallel, job => job().catch(harnessFailure), progress)
    for (const result of results) if (!passed(result)) result.knownFailure = knownFailure(result.name)

    const fuzz: FuzzReport[] = []
    if (wanted('fuzz')) {
      process.stderr.write(`fuzzing readPfx and readSettings, ${fuzzCases} cases each (seed ${seed})\n`)
      const seeds = pfxSeeds()
      fuzz.push(fuzzReadPfx(seed, fuzzCases, seeds), fuzzReadSettings(seed, fuzzCases, seeds))
    }

    console.log(`\nexo-cba-action reliability and security matrix (emulator; ${Math.round((Date.now() - started) / 1000)} s)\n`)
    console.log(figuresTable(results))
    console.log(
      [
        '',
        'converged: the end state is correct after the scenario (one app, consent and roles, no foreign certificate lost, the previous',
        '  certificate kept until it expires, the six secrets present and agreeing with the app), with at most one rerun.',
        'faults injected: kills, and error answers (429/5xx, resets, replication-lag 404/400s, GitHub outages) the runs received.',
        'extra writes after recovery: Graph and GitHub writes made by one more run once converged (must be 0).',
        'secrets leaked: a PFX, password, private key, client secret or token in stdout/stderr, the summary, GITHUB_ENV, an unmasked',
        '  output or the connect script, or a file left in RUNNER_TEMP after the post step (must be 0).'
      ].join('\n')
    )
    if (fuzz.length > 0) console.log(`\n${fuzzTable(fuzz)}`)
    const concurrency = notes(results, 'concurrency')
    if (concurrency.length > 0) console.log(`\nConcurrent runs:\n${concurrency.join('\n')}`)
    const lines = findings(results)
    for (const report of fuzz) for (const f of report.findings) lines.push(`FAIL  [fuzz] ${report.target} seed ${report.seed} case ${f.caseIndex} (${f.strategy}): ${f.problem}`)
    console.log(lines.length === 0 ? '\nEvery scenario passed.' : `\n${lines.join('\n')}`)
    const unknown = results.filter(r => !passed(r) && r.knownFailure === undefined).length + fuzz.reduce((n, r) => n + r.findings.length, 0)
    const known = results.filter(r => !passed(r) && r.knownFailure !== undefined).length
    console.log(`\n${results.length} scenarios + ${fuzz.reduce((n, r) => n + r.cases, 0)} fuzz cases: ${unknown} failure(s), ${known} known failure(s).`)
    process.exitCode = unknown > 0 ? 1 : 0
  } finally {
    action.cleanup()
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.stack : error)
  process.exit(2)
})
