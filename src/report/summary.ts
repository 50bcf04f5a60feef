/**
 * The job summary: what the run found and did, in a form a person scans in seconds.
 * `renderSummary` is pure (tested); `writeSummary` appends it to GITHUB_STEP_SUMMARY.
 * Only public facts go here: ids, thumbprints, dates, names of secrets, never values.
 */
import * as core from '@actions/core'
import { printable } from './printable.js'

export interface ResourceRow {
  resource: string
  before: string
  after: string
  detail?: string
}

export interface SummaryReport {
  title: string
  app: { id?: string; name?: string; objectId?: string; servicePrincipalId?: string }
  tenantId?: string
  organization?: string
  certificate?: {
    thumbprint: string
    notAfter: Date
    daysLeft: number
    /** The certificate a rotation replaced; `fate` says what becomes of it (after "The previous certificate"). */
    previous?: { thumbprint: string; notAfter: Date; fate: string }
  }
  /** Every certificate on the app, whose it is (by secret set) and what the run did with it. */
  certificatesOnApp?: { secretSet: string; rows: Array<{ thumbprint: string; whose: string; expires: string; thisRun: string }> }
  /** How jobs sign in; `federated` replaces the certificate section. */
  credential?: { kind: 'federated'; subjects?: string[]; expiresOn?: Date }
  resources?: ResourceRow[]
  secrets?: { where: string; written: string[]; unchanged: string[] }
  connectScript?: string
  notes?: string[]
}

export function renderSummary(report: SummaryReport): string {
  const lines: string[] = [`## ${report.title}`, '']
  const facts: [string, string | undefined][] = [
    ['Application (client) ID', report.app.id],
    ['App name', report.app.name],
    ['App object ID', report.app.objectId],
    ['Service principal ID', report.app.servicePrincipalId],
    ['Tenant', report.tenantId],
    ['Organization (-Organization)', report.organization]
  ]
  const shownFacts = facts.filter((fact): fact is [string, string] => fact[1] !== undefined && fact[1] !== '')
  if (shownFacts.length > 0) {
    lines.push('| | |', '|---|---|', ...shownFacts.map(([name, value]) => `| ${name} | \`${cell(value)}\` |`), '')
  }
  if (report.resources !== undefined && report.resources.length > 0) {
    lines.push('### Resources', '', '| Resource | Before | After | Detail |', '|---|---|---|---|')
    for (const row of report.resources) {
      lines.push(`| ${cell(row.resource)} | ${cell(row.before)} | ${cell(row.after)} | ${cell(row.detail ?? '')} |`)
    }
    lines.push('')
  }
  if (report.certificate !== undefined) {
    const c = report.certificate
    lines.push('### Certificate', '', 'Jobs sign in with this certificate (`credential: certificate`), kept in the secrets below or in the outputs.', '')
    if (c.previous !== undefined) {
      lines.push(
        `Rotated: \`${c.previous.thumbprint}\` (expires ${day(c.previous.notAfter)}) → \`${c.thumbprint}\` (expires ${day(c.notAfter)}).`,
        `The previous certificate ${c.previous.fate}.`,
        ''
      )
    }
    lines.push(
      '| Thumbprint (SHA-1) | Expires | Days left |',
      '|---|---|---|',
      `| \`${c.thumbprint}\` | ${day(c.notAfter)} | ${c.daysLeft}${c.daysLeft <= 30 ? ' ⚠️' : ''} |`,
      ''
    )
  }
  if (report.certificatesOnApp !== undefined && report.certificatesOnApp.rows.length > 0) {
    lines.push(
      '### Certificates on the app',
      '',
      `Each certificate this action makes records its secret set (where a pipeline keeps it); this pipeline's is \`${cell(report.certificatesOnApp.secretSet)}\`. A run revokes only its own set's certificates.`,
      '',
      '| Thumbprint (SHA-1) | Whose | Expires | This run |',
      '|---|---|---|---|',
      ...report.certificatesOnApp.rows.map(row => `| \`${cell(row.thumbprint)}\` | ${cell(row.whose)} | ${cell(row.expires)} | ${cell(row.thisRun)} |`),
      ''
    )
  }
  if (report.credential?.kind === 'federated') {
    const c = report.credential
    lines.push('### Credential: federated (no stored secret)', '')
    lines.push('Jobs sign in with their own GitHub OIDC token, exchanged for an Exchange Online token through a federated credential on the app. Nothing is stored and nothing needs rotating.')
    if (c.subjects !== undefined && c.subjects.length > 0) lines.push('', `Trusted subjects: ${c.subjects.map(subject => `\`${cell(subject)}\``).join(', ')}`)
    if (c.expiresOn !== undefined) lines.push('', `This job's access token expires ${day(c.expiresOn)}.`)
    lines.push('')
  }
  if (report.secrets !== undefined) {
    const s = report.secrets
    lines.push(`### Secrets (${cell(s.where)})`, '')
    if (s.written.length > 0) lines.push(`Written: ${s.written.map(n => `\`${n}\``).join(', ')}`)
    if (s.unchanged.length > 0) lines.push(`Unchanged: ${s.unchanged.map(n => `\`${n}\``).join(', ')}`)
    lines.push('')
  }
  if (report.connectScript !== undefined) {
    lines.push(
      '### Connect in a later step',
      '',
      '```yaml',
      '- shell: pwsh',
      '  run: |',
      `    . '${report.connectScript.replace(/'/g, "''")}'`,
      '    Get-Mailbox -ResultSize 5',
      '```',
      ''
    )
  }
  if (report.notes !== undefined && report.notes.length > 0) {
    lines.push('### Notes', '', ...report.notes.map(note => `- ${printable(note)}`), '')
  }
  return lines.join('\n')
}

export async function writeSummary(report: SummaryReport): Promise<void> {
  // Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere to write it.
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(renderSummary(report), true).write()
}

/** One table cell: names read from Graph or GitHub stay on one line, pipes do not end the cell. */
function cell(value: string): string {
  return printable(value.replace(/\r?\n/g, ' ')).replace(/\|/g, '\\|')
}

function day(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC')
}
