/**
 * renderSummary: the job summary a person scans after a run. Pure, so every shape is
 * checked as text.
 */
import { describe, expect, it } from '@jest/globals'
import { renderSummary, type SummaryReport } from '../../src/report/summary.js'

const APP_ID = '4a5f2bde-a1b0-4c8e-9d3f-0123456789ab'
const THUMBPRINT = '8A3C2F1E0D9B7A6C5E4F3D2C1B0A998877665544'
const OLD_THUMBPRINT = '0123456789ABCDEF0123456789ABCDEF01234567'

const connectReport: SummaryReport = {
  title: 'Exchange Online: ready to connect',
  app: { id: APP_ID },
  organization: 'contoso.onmicrosoft.com',
  certificate: { thumbprint: THUMBPRINT, notAfter: new Date('2027-03-01T12:34:56.789Z'), daysLeft: 95 },
  connectScript: '/home/runner/work/_temp/exo-cba/Connect-ExoCba.ps1',
  notes: []
}

describe('renderSummary for connect mode', () => {
  const text = renderSummary(connectReport)

  it('starts with the title', () => {
    expect(text.split('\n')[0]).toBe('## Exchange Online: ready to connect')
  })

  it('lists the app and organization, and leaves out facts it does not have', () => {
    expect(text).toContain(`| Application (client) ID | \`${APP_ID}\` |`)
    expect(text).toContain('| Organization (-Organization) | `contoso.onmicrosoft.com` |')
    expect(text).not.toContain('| Tenant |')
    expect(text).not.toContain('App object ID')
    expect(text).not.toContain('### Resources')
    expect(text).not.toContain('### Secrets')
    expect(text).not.toContain('### Notes')
  })

  it('shows thumbprint, expiry (to the second, UTC) and days left', () => {
    expect(text).toContain('| Thumbprint (SHA-1) | Expires | Days left |')
    expect(text).toContain(`| \`${THUMBPRINT}\` | 2027-03-01 12:34:56 UTC | 95 |`)
    expect(text).not.toContain('Rotated:')
  })

  it('flags a certificate with 30 days or fewer left', () => {
    const soon = renderSummary({ ...connectReport, certificate: { ...connectReport.certificate!, daysLeft: 30 } })
    expect(soon).toContain('| 30 ⚠️ |')
    const later = renderSummary({ ...connectReport, certificate: { ...connectReport.certificate!, daysLeft: 31 } })
    expect(later).toContain('| 31 |')
    expect(later).not.toContain('⚠️')
  })

  it('shows how to dot-source the connect script, quoting the path for PowerShell', () => {
    expect(text).toContain("    . '/home/runner/work/_temp/exo-cba/Connect-ExoCba.ps1'")
    const quoted = renderSummary({ ...connectReport, connectScript: "/home/o'brien/Connect.ps1" })
    expect(quoted).toContain("    . '/home/o''brien/Connect.ps1'")
  })

  it('lists notes as bullets', () => {
    const noted = renderSummary({ ...connectReport, notes: ['The certificate expires in 9 day(s).', 'Second note'] })
    expect(noted).toContain('### Notes\n\n- The certificate expires in 9 day(s).\n- Second note\n')
  })
})

describe('renderSummary for provision mode', () => {
  const report: SummaryReport = {
    title: 'Exchange Online app: provisioned',
    app: { id: APP_ID, name: 'EXO | Background\nProcess', objectId: 'c5a1f0e2-0000-4000-8000-000000000001', servicePrincipalId: 'd6b2a1f3-0000-4000-8000-000000000002' },
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    organization: 'contoso.onmicrosoft.com',
    certificate: {
      thumbprint: THUMBPRINT,
      notAfter: new Date('2027-11-26T00:00:00Z'),
      daysLeft: 365,
      previous: {
        thumbprint: OLD_THUMBPRINT,
        notAfter: new Date('2026-12-10T08:00:00Z'),
        fate: 'stays on the app so jobs that already loaded it keep working; the first run 24 h or more after this one revokes it (revoke-previous: 24)'
      }
    },
    certificatesOnApp: {
      secretSet: '1a2b3c4d (repository secrets of octo-org/exo-jobs, prefix EXO_)',
      rows: [
        { thumbprint: OLD_THUMBPRINT, whose: "this pipeline's (set 1a2b3c4d)", expires: '2026-12-10', thisRun: 'held by this run' },
        { thumbprint: 'AB'.repeat(20), whose: "another pipeline's (set 9f8e7d6c)", expires: '2027-03-01', thisRun: 'kept' },
        { thumbprint: THUMBPRINT, whose: "this pipeline's (set 1a2b3c4d)", expires: '2027-11-26', thisRun: 'added in this run' }
      ]
    },
    resources: [
      { resource: 'Application', before: 'missing', after: 'created' },
      { resource: 'Directory role', before: 'none', after: 'Exchange Administrator | Global Reader', detail: 'line one\nline two' }
    ],
    secrets: { where: 'repository octo-org/exo-jobs', written: ['EXO_CERT_PFX_BASE64', 'EXO_CERT_PASSWORD'], unchanged: ['EXO_APP_ID'] },
    notes: ['Role changes can take up to 15 minutes to apply.']
  }
  const text = renderSummary(report)

  it('lists app, object ids, tenant and organization', () => {
    expect(text).toContain('| App object ID | `c5a1f0e2-0000-4000-8000-000000000001` |')
    expect(text).toContain('| Service principal ID | `d6b2a1f3-0000-4000-8000-000000000002` |')
    expect(text).toContain('| Tenant | `72f988bf-86f1-41af-91ab-2d7cd011db47` |')
  })

  it('escapes | and line breaks so values cannot break the tables', () => {
    expect(text).toContain('| App name | `EXO \\| Background Process` |')
    expect(text).toContain('| Directory role | none | Exchange Administrator \\| Global Reader | line one line two |')
    // Every table row still has its columns: no unescaped pipe inside a cell.
    const resourceRows = text.split('\n').filter(line => line.startsWith('| Application |') || line.startsWith('| Directory role |'))
    for (const row of resourceRows) expect(row.replace(/\\\|/g, '').split('|').length - 2).toBe(4)
  })

  it('shows the resources table with before and after', () => {
    expect(text).toContain('### Resources\n\n| Resource | Before | After | Detail |\n|---|---|---|---|\n| Application | missing | created |  |')
  })

  it('shows a rotation as old → new with both expiries', () => {
    expect(text).toContain(
      `Rotated: \`${OLD_THUMBPRINT}\` (expires 2026-12-10 08:00:00 UTC) → \`${THUMBPRINT}\` (expires 2027-11-26 00:00:00 UTC).`
    )
    // What the run does with it, not a fixed sentence: revoke-previous takes it off later (issue 21).
    expect(text).toContain('The previous certificate stays on the app so jobs that already loaded it keep working; the first run 24 h or more after this one revokes it (revoke-previous: 24).')
    expect(text).not.toContain('stays on the app until it expires')
  })

  it('lists every certificate on the app with its secret set and expiry', () => {
    expect(text).toContain("this pipeline's is `1a2b3c4d (repository secrets of octo-org/exo-jobs, prefix EXO_)`")
    expect(text).toContain(`| \`${'AB'.repeat(20)}\` | another pipeline's (set 9f8e7d6c) | 2027-03-01 | kept |`)
    expect(text).toContain(`| \`${THUMBPRINT}\` | this pipeline's (set 1a2b3c4d) | 2027-11-26 | added in this run |`)
  })

  it('names the secrets written and unchanged, never their values', () => {
    expect(text).toContain('### Secrets (repository octo-org/exo-jobs)')
    expect(text).toContain('Written: `EXO_CERT_PFX_BASE64`, `EXO_CERT_PASSWORD`')
    expect(text).toContain('Unchanged: `EXO_APP_ID`')
  })

  it('keeps the sections in reading order', () => {
    const order = ['## Exchange Online app: provisioned', '### Resources', '### Certificate', '### Secrets', '### Notes'].map(h => text.indexOf(h))
    expect(order.every(at => at >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })
})
