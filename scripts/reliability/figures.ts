/** The figures table and the findings list printed by `npm run reliability`. */
import { passed, type Group, type ScenarioResult } from './result.js'
import type { FuzzReport } from './fuzz.js'

const GROUPS: Group[] = ['crash', 'faults', 'concurrency', 'bad input', 'hygiene']

interface Row {
  label: string
  scenarios: number
  runs: number
  faults: number
  converged: string
  extraWrites: number
  leaked: number
  rejected: string
  known: number
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(part === whole ? 0 : 1)} %`
}

function row(label: string, results: ScenarioResult[]): Row {
  const badInputs = results.filter(r => r.rejectedBeforeWrite !== undefined)
  return {
    label,
    scenarios: results.length,
    runs: results.reduce((sum, r) => sum + r.runs, 0),
    faults: results.reduce((sum, r) => sum + r.faultsInjected, 0),
    converged: percent(results.filter(r => r.converged).length, results.length),
    extraWrites: results.reduce((sum, r) => sum + r.extraWrites, 0),
    leaked: results.reduce((sum, r) => sum + r.leaks.length, 0),
    rejected: percent(badInputs.filter(r => r.rejectedBeforeWrite).length, badInputs.length),
    known: results.filter(r => !passed(r) && r.knownFailure !== undefined).length
  }
}

export function figuresTable(results: ScenarioResult[]): string {
  const rows = [...GROUPS.map(group => row(group, results.filter(r => r.group === group))).filter(r => r.scenarios > 0), row('total', results)]
  const header = ['group', 'scenarios', 'runs', 'faults injected', 'converged', 'known failures', 'extra writes after recovery', 'secrets leaked', 'bad inputs rejected before any write']
  const cells = rows.map(r => [r.label, String(r.scenarios), String(r.runs), String(r.faults), r.converged, String(r.known), String(r.extraWrites), String(r.leaked), r.rejected])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map(c => c[i].length)))
  const line = (values: string[]) => `| ${values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`
  return [line(header), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n')
}

export function fuzzTable(reports: FuzzReport[]): string {
  const lines = ['| fuzz target | seed | cases | accepted | clear errors | other exceptions, secrets or hangs | slowest case |', '|---|---|---|---|---|---|---|']
  for (const r of reports) lines.push(`| ${r.target} | ${r.seed} | ${r.cases} | ${r.accepted} | ${r.rejectedClearly} | ${r.findings.length} | ${r.slowestMs} ms |`)
  return lines.join('\n')
}

/** One line per scenario that did not pass, with what happened; known failures say so. */
export function findings(results: ScenarioResult[]): string[] {
  const lines: string[] = []
  for (const r of results.filter(result => !passed(result))) {
    const status = r.knownFailure !== undefined ? 'KNOWN FAILURE' : 'FAIL'
    lines.push(`${status}  [${r.group}] ${r.name}`)
    for (const problem of [...r.problems, ...r.leaks]) lines.push(`        - ${problem}`)
    if (r.extraWrites > 0) lines.push(`        - ${r.extraWrites} write(s) by a run after recovery (expected none)`)
    for (const note of r.notes ?? []) lines.push(`        · ${note}`)
    if (r.knownFailure !== undefined) lines.push(`        known failure: ${r.knownFailure.split(':')[0]} (below)`)
  }
  const known = [...new Set(results.filter(r => !passed(r) && r.knownFailure !== undefined).map(r => r.knownFailure!))]
  if (known.length > 0) lines.push('', 'Known failures (bugs recorded for their owners; see scripts/reliability/known-failures.ts):')
  for (const explanation of known) lines.push(`  ${explanation}`)
  return lines
}

/** What happened in each scenario of a group, passed or not (e.g. how concurrent runs ended). */
export function notes(results: ScenarioResult[], group: Group): string[] {
  return results.filter(r => r.group === group).map(r => `  ${r.name}: ${[...(r.notes ?? [])].join('; ') || 'no notes'}`)
}
