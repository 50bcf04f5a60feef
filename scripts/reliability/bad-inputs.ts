/**
 * Malformed inputs across every input of INTERFACE.md. A rejected case must fail before
 * any request (no write in the emulator's log, no file in RUNNER_TEMP) with an `::error::`
 * that names the input. Some odd-looking values are valid and must be accepted (an
 * app-name with a quote is a legal display name: it must be passed on safely, not refused).
 */
import { randomBytes } from 'node:crypto'
import { generateCertificate } from '../../src/certificate/index.js'
import type { HeldCertificate } from '../../src/certificate/types.js'
import type { ActionUnderTest } from './action-under-test.js'
import { appsNamed, endStateProblems } from './end-state.js'
import { filesUnder } from './hygiene.js'
import { DEFAULT_APP_NAME, EXCHANGE_ADMINISTRATOR } from './known-ids.js'
import { failureMessage, Lab } from './lab.js'
import type { ScenarioResult } from './result.js'

export interface BadInputCase {
  name: string
  mode: 'provision' | 'connect'
  /** Inputs over a valid baseline for the mode. */
  inputs: Record<string, string>
  /** `rejected`: must fail naming `input`; `accepted`: a valid value that must work. */
  expect: 'rejected' | 'accepted'
  input: string
  why?: string
}

export interface Certificates {
  valid: HeldCertificate
  expired: HeldCertificate
  notYetValid: HeldCertificate
}

const DAY = 86_400_000

export function makeCertificates(now = new Date()): Certificates {
  const make = (at: Date, validityDays: number): HeldCertificate =>
    generateCertificate({ subject: 'CN=bad input fixture', keySize: 2048, validityDays, encryption: 'aes256', friendlyName: 'fixture', now: at })
  return {
    valid: make(now, 365),
    expired: make(new Date(now.getTime() - 400 * DAY), 30),
    notYetValid: make(new Date(now.getTime() + 30 * DAY), 365)
  }
}

const INJECTION = "'; Remove-Mailbox -Identity * -Confirm:$false; '"

export function badInputCases(certs: Certificates): BadInputCase[] {
  const { valid, expired, notYetValid } = certs
  const pfx = { 'pfx-base64': valid.pfxBase64, 'pfx-password': valid.pfxPassword }
  const truncated = Buffer.from(valid.pfxBase64, 'base64').subarray(0, 700).toString('base64')
  const p = (name: string, input: string, inputs: Record<string, string>, why?: string): BadInputCase => ({ name, mode: 'provision', inputs, expect: 'rejected', input, why })
  const c = (name: string, input: string, inputs: Record<string, string>): BadInputCase => ({ name, mode: 'connect', inputs, expect: 'rejected', input })
  const ok = (name: string, input: string, inputs: Record<string, string>, why: string): BadInputCase => ({ name, mode: 'provision', inputs, expect: 'accepted', input, why })
  return [
    p('mode: a typo', 'mode', { mode: 'provison' }),
    p('mode: injection', 'mode', { mode: `connect${INJECTION}` }),
    p('tenant-id: empty in provision mode', 'tenant-id', { 'tenant-id': '' }),
    p('tenant-id: words', 'tenant-id', { 'tenant-id': 'my tenant' }),
    p('tenant-id: injection', 'tenant-id', { 'tenant-id': `contoso.onmicrosoft.com${INJECTION}` }),
    p('tenant-id: 100 000 characters', 'tenant-id', { 'tenant-id': 'a'.repeat(100_000) }),
    p('tenant-id: unicode look-alike domain', 'tenant-id', { 'tenant-id': 'cоntoso.onmicrosoft.com' }),
    p('organization: injection', 'organization', { organization: `contoso.onmicrosoft.com${INJECTION}` }),
    p('organization: a custom domain, not *.onmicrosoft.com', 'organization', { organization: 'contoso.com' }),
    p('organization: PowerShell subexpression', 'organization', { organization: '$(Remove-Mailbox -Identity x).onmicrosoft.com' }),
    p('organization: unicode', 'organization', { organization: 'kontoß.onmicrosoft.com' }),
    p('app-id: not a GUID', 'app-id', { 'app-id': 'my-app' }),
    p('app-id: OData injection', 'app-id', { 'app-id': "00000000-0000-0000-0000-000000000000') or (1 eq 1" }),
    p('app-name: 121 characters', 'app-name', { 'app-name': 'x'.repeat(121) }),
    p('app-name: a line break inside', 'app-name', { 'app-name': 'EXO\nBackground' }),
    p('app-name: an escape sequence', 'app-name', { 'app-name': 'EXO \u001b[31mred' }),
    p('roles: a role Exchange does not support', 'roles', { roles: 'Global Admin' }),
    p('roles: only separators', 'roles', { roles: ',, ,' }),
    p('roles: injection', 'roles', { roles: `Exchange Administrator${INJECTION}` }),
    p('roles: an unknown template id', 'roles', { roles: '00000000-0000-0000-0000-000000000000' }),
    p('client-id: not a GUID', 'client-id', { 'client-id': 'abc' }),
    p('client-id: empty in provision mode', 'client-id', { 'client-id': '' }),
    p('client-secret and client-certificate both set', 'client-secret', { 'client-secret': 'emu~secret-value-123', 'client-certificate': valid.pfxBase64 }),
    p('client-certificate: garbage', 'client-certificate', { 'client-certificate': 'not a certificate at all' }),
    p('client-certificate: PEM without a private key', 'client-certificate', { 'client-certificate': valid.certificatePem }),
    p('client-certificate: PFX with the wrong password', 'client-certificate-password', { 'client-certificate': valid.pfxBase64, 'client-certificate-password': 'wrong-password' }),
    p('cloud: unknown', 'cloud', { cloud: 'azure' }),
    p('authority-host: http', 'authority-host', { 'authority-host': 'http://login.microsoftonline.com' }),
    p('authority-host: not a URL', 'authority-host', { 'authority-host': 'login microsoft' }),
    p('graph-endpoint: with a query', 'graph-endpoint', { 'graph-endpoint': 'https://graph.microsoft.com/?x=1' }),
    p('graph-endpoint: javascript: URL', 'graph-endpoint', { 'graph-endpoint': 'javascript:alert(1)' }),
    p('cert-validity-days: negative', 'cert-validity-days', { 'cert-validity-days': '-5' }),
    p('cert-validity-days: exponent', 'cert-validity-days', { 'cert-validity-days': '1e3' }),
    p('cert-validity-days: too many', 'cert-validity-days', { 'cert-validity-days': '99999' }),
    p('cert-validity-days: a word', 'cert-validity-days', { 'cert-validity-days': 'ten' }),
    p('cert-key-size: 1024', 'cert-key-size', { 'cert-key-size': '1024' }),
    p('cert-subject: no CN', 'cert-subject', { 'cert-subject': 'O=Contoso' }),
    p('cert-subject: not a DN', 'cert-subject', { 'cert-subject': 'just words' }),
    p('cert-subject: 300 characters', 'cert-subject', { 'cert-subject': `CN=${'x'.repeat(300)}` }),
    p('pfx-encryption: rc2', 'pfx-encryption', { 'pfx-encryption': 'rc2' }),
    p('rotate-before-days: not below cert-validity-days', 'rotate-before-days', { 'rotate-before-days': '400' }),
    p('rotate-before-days: negative', 'rotate-before-days', { 'rotate-before-days': '-1' }),
    p('pfx-base64: not base64', 'pfx-base64', { 'pfx-base64': 'not base64!!', 'pfx-password': 'x' }),
    p('pfx-base64: random bytes', 'pfx-base64', { 'pfx-base64': randomBytes(900).toString('base64'), 'pfx-password': 'x' }),
    p('pfx-base64: a truncated PFX', 'pfx-base64', { 'pfx-base64': truncated, 'pfx-password': valid.pfxPassword }),
    p('pfx-base64: PEM instead of a PFX', 'pfx-base64', { 'pfx-base64': valid.certificatePem, 'pfx-password': 'x' }),
    // 120 KB: near Linux's limit for one environment variable (MAX_ARG_STRLEN, 128 KB), how the runner passes inputs.
    p('pfx-base64: 120 KB', 'pfx-base64', { 'pfx-base64': 'A'.repeat(120_000), 'pfx-password': 'x' }),
    p('pfx-password: wrong (no secrets stored)', 'pfx-password', { ...pfx, 'pfx-password': 'not-the-password', 'secret-target': 'none' }),
    p('pfx-password: empty (no secrets stored)', 'pfx-password', { ...pfx, 'pfx-password': '', 'secret-target': 'none' }),
    p('secret-target: unknown', 'secret-target', { 'secret-target': 'repo' }),
    p('secret-target: environment without secret-environment', 'secret-environment', { 'secret-target': 'environment', 'secret-environment': '' }),
    p('secret-target: repository without github-token', 'github-token', { 'secret-target': 'repository', 'github-token': '' }),
    p('secret-prefix: GITHUB_', 'secret-prefix', { 'secret-prefix': 'GITHUB_' }),
    p('secret-prefix: a hyphen', 'secret-prefix', { 'secret-prefix': 'EXO-' }),
    p('secret-prefix: injection', 'secret-prefix', { 'secret-prefix': "X'; rm -rf /" }),
    p('secret-visibility: unknown', 'secret-visibility', { 'secret-visibility': 'public' }),
    p('repository: three parts', 'repository', { repository: 'a/b/c' }),
    p('repository: path traversal', 'repository', { repository: '../../etc/passwd' }),
    p('verify: yes', 'verify', { verify: 'yes' }),
    p('verify-timeout-seconds: with a unit', 'verify-timeout-seconds', { 'verify-timeout-seconds': '1h' }),
    p('dry-run: maybe', 'dry-run', { 'dry-run': 'maybe' }),
    p('repair: maybe', 'repair', { repair: 'maybe' }),
    p('revoke-previous: with a unit', 'revoke-previous', { 'revoke-previous': '24h' }),
    p('revoke-previous: negative', 'revoke-previous', { 'revoke-previous': '-1' }),
    p('revoke-previous: more than a year', 'revoke-previous', { 'revoke-previous': '9000' }),
    p('credential: a typo', 'credential', { credential: 'oidc' }),
    p('federated-subjects: a wildcard', 'federated-subjects', { credential: 'federated', 'federated-subjects': 'repo:contoso/*:ref:refs/heads/main' }),
    p('federated-subjects: with credential: certificate', 'federated-subjects', { 'federated-subjects': 'repo:contoso/exo:ref:refs/heads/main' }),
    p('federated-issuer: plain http', 'federated-issuer', { credential: 'federated', 'federated-issuer': 'http://token.actions.githubusercontent.com' }),
    p('federated-subjects: a pull_request subject', 'federated-subjects', { credential: 'federated', 'federated-subjects': 'repo:contoso/exo-automation:pull_request' }, 'anyone who can open a pull request would sign in as the app'),
    p('federated-subjects: a pull_request subject in the immutable form', 'federated-subjects', { credential: 'federated', 'federated-subjects': 'repo:contoso@9919/exo-automation@700100:pull_request' }),
    p('federated-allow-unprotected-subjects: maybe', 'federated-allow-unprotected-subjects', { credential: 'federated', 'federated-allow-unprotected-subjects': 'maybe' }),
    p('federated-allow-unprotected-subjects with credential: certificate', 'federated-allow-unprotected-subjects', { 'federated-allow-unprotected-subjects': 'true' }),
    p('federated-audience: a space inside', 'federated-audience', { credential: 'federated', 'federated-audience': 'api://Azure AD' }),
    p('federated-audience with credential: certificate', 'federated-audience', { 'federated-audience': 'api://AzureADTokenExchange' }),
    p('audience changed without federated-audience (credential: federated)', 'federated-audience', { credential: 'federated', audience: 'api://contoso-provisioning' }, 'the jobs\' audience must not move with the provisioning identity\'s'),
    p('connect-script-path: not .ps1', 'connect-script-path', { 'connect-script-path': '/tmp/connect.sh' }),
    p('connect-script-path: a line break', 'connect-script-path', { 'connect-script-path': 'a\nb.ps1' }),
    p('connect-ippssession: 1', 'connect-ippssession', { 'connect-ippssession': '1' }),
    c('connect: app-id missing', 'app-id', { 'app-id': '' }),
    c('connect: organization missing', 'organization', { organization: '' }),
    c('connect: pfx-base64 missing', 'pfx-base64', { 'pfx-base64': '', 'pfx-password': '' }),
    c('connect: expired certificate', 'pfx-base64', { 'pfx-base64': expired.pfxBase64, 'pfx-password': expired.pfxPassword }),
    c('connect: certificate not yet valid', 'pfx-base64', { 'pfx-base64': notYetValid.pfxBase64, 'pfx-password': notYetValid.pfxPassword }),
    c('connect: wrong password', 'pfx-password', { 'pfx-password': 'wrong' }),
    c('connect: organization injection', 'organization', { organization: `contoso.onmicrosoft.com${INJECTION}` }),
    ok("app-name: a quote and a cmdlet (O'Brien; Remove-Mailbox)", 'app-name', { 'app-name': `O'Brien${INJECTION}` }, 'a legal display name; it must reach Graph intact and never be evaluated'),
    ok('app-name: unicode and emoji', 'app-name', { 'app-name': 'Exchange 自動化 🚀' }, 'Entra display names are Unicode'),
    ok('app-name: ${{ }} and $() look-alikes', 'app-name', { 'app-name': '${{ secrets.X }} $(whoami) `n' }, 'plain text to Graph'),
    ok('provision storing secrets: pfx-password does not open pfx-base64', 'pfx-password', { ...pfx, 'pfx-password': 'not-the-password' }, 'the pair an interrupted run leaves behind: provision mode repairs it with a new certificate and all six secrets (with a warning)'),
    ok('provision: an expired held certificate', 'pfx-base64', { 'pfx-base64': expired.pfxBase64, 'pfx-password': expired.pfxPassword }, 'provision mode replaces an expired certificate (with a warning)'),
    ok('provision: a held certificate not yet valid', 'pfx-base64', { 'pfx-base64': notYetValid.pfxBase64, 'pfx-password': notYetValid.pfxPassword }, 'provision mode does not sign in with it; it adds a new one')
  ]
}

function baseline(lab: Lab, mode: BadInputCase['mode'], certs: Certificates): Record<string, string> {
  if (mode === 'connect') {
    return {
      mode: 'connect',
      'app-id': '11111111-2222-3333-4444-555555555555',
      organization: 'contoso.onmicrosoft.com',
      'pfx-base64': certs.valid.pfxBase64,
      'pfx-password': certs.valid.pfxPassword
    }
  }
  return lab.inputsFor({ withStoredSecrets: false })
}

/** Runs one case in its own tenant; a rejected case must leave no trace. */
export async function badInputScenario(action: ActionUnderTest, testCase: BadInputCase, certs: Certificates): Promise<ScenarioResult> {
  const lab = await Lab.start(action)
  try {
    const inputs = { ...baseline(lab, testCase.mode, certs), ...testCase.inputs }
    for (const secret of ['pfx-password', 'client-secret', 'client-certificate-password']) if ((inputs[secret] ?? '').length >= 8) lab.book.add(inputs[secret])
    const run = await lab.provision({ inputs: { ...inputs, ...(testCase.mode === 'connect' ? { 'secret-target': 'none', 'github-token': '' } : {}) }, withStoredSecrets: false, skipPost: testCase.expect === 'rejected' })
    const requests = lab.emulator.log.list()
    const writes = requests.filter(entry => entry.kind === 'write')
    const problems: string[] = []
    const notes: string[] = []
    if (testCase.expect === 'rejected') {
      const message = failureMessage(run)
      notes.push(message)
      if (run.main.exitCode === 0) problems.push('accepted, but this input is invalid')
      if (!message.includes(`'${testCase.input}'`)) problems.push(`the error does not name '${testCase.input}': ${message}`)
      if (/Unexpected error/.test(message)) problems.push('reported as an unexpected error (a stack trace)')
      const files = filesUnder(run.runnerTemp)
      if (files.length > 0) problems.push(`left files in RUNNER_TEMP: ${files.join(', ')}`)
      if (requests.length > 0) notes.push(`made ${requests.length} request(s) before rejecting`)
      return {
        group: 'bad input',
        name: testCase.name,
        runs: lab.runs,
        faultsInjected: 0,
        converged: problems.length === 0,
        extraWrites: 0,
        leaks: lab.leaks,
        problems,
        rejectedBeforeWrite: run.main.exitCode !== 0 && writes.length === 0 && files.length === 0,
        notes
      }
    }
    if (run.main.exitCode !== 0) problems.push(`a valid value was refused: ${failureMessage(run)}`)
    const appName = testCase.inputs['app-name']?.trim() || DEFAULT_APP_NAME
    if (run.main.exitCode === 0) {
      problems.push(...endStateProblems(lab.emulator, { appName, roleTemplateIds: [EXCHANGE_ADMINISTRATOR], secrets: true }))
      const apps = appsNamed(lab.emulator, appName)
      if (apps.length === 1 && apps[0].displayName !== appName) problems.push('the display name was changed on its way to Graph')
    }
    if (testCase.why !== undefined) notes.push(`accepted on purpose: ${testCase.why}`)
    return {
      group: 'bad input',
      name: testCase.name,
      runs: lab.runs,
      faultsInjected: 0,
      converged: problems.length === 0,
      extraWrites: 0,
      leaks: lab.leaks,
      problems,
      notes
    }
  } finally {
    await lab.close()
  }
}
