/**
 * readSettings: every bad input fails with a sentence that names the input, shows what was
 * given (never a secret) and the accepted form; every secret is masked before anything
 * else happens; the defaults give the documented Settings. Issue 2 §2.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UserError } from '../../src/errors.js'
import { SUPPORTED_DIRECTORY_ROLES } from '../../src/entra/well-known.js'
import { readSettings, SECRET_INPUTS, type SettingsResult } from '../../src/settings.js'
import { FakeInputs } from '../helpers/fake-inputs.js'
import { PfxFixtures, type PfxFixture } from '../helpers/pfx-fixtures.js'

const DAY_MS = 24 * 60 * 60 * 1000
/** One clock for every call: expiry decisions must come from `now`, not the wall clock. */
const NOW = new Date()
const ENV = {
  RUNNER_TEMP: '/home/runner/work/_temp',
  GITHUB_WORKSPACE: '/home/runner/work/exo-jobs/exo-jobs',
  GITHUB_REPOSITORY: 'octo-org/exo-jobs',
  GITHUB_API_URL: 'https://api.github.com'
}
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const CLIENT_ID = '1b730954-1685-4b74-9bfd-dac224a7b894'
const APP_ID = '4a5f2bde-a1b0-4c8e-9d3f-0123456789ab'
const GITHUB_TOKEN = 'github_pat_11AAAAAAA0secretTokenValue'

const fixtures = new PfxFixtures()
interface Certs {
  valid: PfxFixture
  expiresSoon: PfxFixture
  expired: PfxFixture
  notYetValid: PfxFixture
  withoutKey: PfxFixture
  mismatched: PfxFixture
  client: PfxFixture
}
let certs: Certs

/** Client certificates that are PEM with an encrypted key, or whose key is EC (issue 16, point 8). */
interface ClientPems {
  password: string
  /** `-----BEGIN ENCRYPTED PRIVATE KEY-----` (PKCS#8, AES-256) + certificate. */
  encrypted: string
  /** OpenSSL's traditional `-----BEGIN RSA PRIVATE KEY-----` with `Proc-Type: 4,ENCRYPTED` + certificate. */
  traditionalEncrypted: string
  /** An EC P-256 key + its certificate, as PEM and as a PFX. */
  ec: string
  ecPfx: { base64: string; password: string }
}
let clientPems: ClientPems

/** Validity relative to NOW, in days: openssl's `req -days` would start at the wall clock. */
const days = (from: number, to: number) => ({ from: new Date(NOW.getTime() + from * DAY_MS), to: new Date(NOW.getTime() + to * DAY_MS) })

beforeAll(() => {
  certs = {
    valid: fixtures.pfx({ name: 'Held Certificate', validity: days(-1, 365) }),
    expiresSoon: fixtures.pfx({ name: 'Expires Soon', validity: days(-1, 2) }),
    expired: fixtures.pfx({ name: 'Expired', validity: days(-400, -1) }),
    notYetValid: fixtures.pfx({ name: 'Not Yet Valid', validity: days(30, 400) }),
    withoutKey: fixtures.pfx({ name: 'Certificate Only', validity: days(-1, 30), withoutKey: true }),
    mismatched: fixtures.mismatchedPfx(),
    client: fixtures.pfx({ name: 'Provisioning Identity', validity: days(-1, 30), encryption: '3des' })
  }
  const password = 'client-key-password-0123456789'
  const env = { FIXTURE_KEY_PASSWORD: password }
  const clientCertificate = readText(certs.client.certPath)
  fixtures.openssl(['pkcs8', '-topk8', '-in', certs.client.keyPath, '-v2', 'aes-256-cbc', '-passout', 'env:FIXTURE_KEY_PASSWORD', '-out', 'client.encrypted.key.pem'], env)
  fixtures.openssl(['rsa', '-in', certs.client.keyPath, '-aes256', '-traditional', '-passout', 'env:FIXTURE_KEY_PASSWORD', '-out', 'client.traditional.key.pem'], env)
  fixtures.openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-keyout', 'ec.key.pem', '-out', 'ec.cert.pem', '-subj', '/CN=EC Identity', '-days', '30'])
  fixtures.openssl(['pkcs12', '-export', '-inkey', 'ec.key.pem', '-in', 'ec.cert.pem', '-out', 'ec.pfx', '-passout', 'env:FIXTURE_KEY_PASSWORD', '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256'], env)
  const inFixtures = (name: string) => readText(join(fixtures.dir, name))
  clientPems = {
    password,
    encrypted: inFixtures('client.encrypted.key.pem') + clientCertificate,
    traditionalEncrypted: inFixtures('client.traditional.key.pem') + clientCertificate,
    ec: inFixtures('ec.key.pem') + inFixtures('ec.cert.pem'),
    ecPfx: { base64: readFileSync(join(fixtures.dir, 'ec.pfx')).toString('base64'), password }
  }
})
afterAll(() => fixtures.cleanup())

type Inputs = Record<string, string>
const provision = (extra: Inputs = {}): Inputs => ({ 'tenant-id': TENANT, 'client-id': CLIENT_ID, ...extra })
const connect = (extra: Inputs = {}): Inputs => ({
  mode: 'connect',
  'app-id': APP_ID,
  organization: 'contoso.onmicrosoft.com',
  'pfx-base64': certs.valid.base64,
  'pfx-password': certs.valid.password,
  ...extra
})

function read(inputs: Inputs, now: Date = NOW): { source: FakeInputs; result: SettingsResult } {
  const source = new FakeInputs(inputs)
  return { source, result: readSettings(source, ENV, now) }
}

function failure(inputs: Inputs, now: Date = NOW): { source: FakeInputs; error: UserError } {
  const source = new FakeInputs(inputs)
  try {
    readSettings(source, ENV, now)
  } catch (error) {
    if (error instanceof UserError) return { source, error }
    throw error
  }
  throw new Error(`readSettings accepted ${JSON.stringify(Object.keys(inputs))}`)
}

/** The values of secret inputs in a case: none of them may appear in a message. */
function secretValues(inputs: Inputs): string[] {
  return SECRET_INPUTS.map(name => inputs[name] ?? '').filter(value => value.trim() !== '')
}

interface RejectedCase {
  /** What the case is about, in words. */
  what: string
  inputs: () => Inputs
  /** The input the error names (UserError.input, and quoted in the message). */
  input: string
  /** The given value, shown quoted in the message (for non-secret inputs). */
  shows?: string
  /** Fragments of the accepted form or of the advice. */
  says: (string | RegExp)[]
  now?: Date
}

const supportedRoleNames = SUPPORTED_DIRECTORY_ROLES.map(role => role.displayName)

const rejected: RejectedCase[] = [
  // tenant-id
  { what: 'tenant-id that is neither GUID nor domain', inputs: () => provision({ 'tenant-id': 'contoso tenant' }), input: 'tenant-id', shows: 'contoso tenant', says: ['GUID', 'verified domain', 'contoso.onmicrosoft.com'] },
  { what: 'tenant-id that is a truncated GUID', inputs: () => provision({ 'tenant-id': '72f988bf-86f1-41af-91ab' }), input: 'tenant-id', shows: '72f988bf-86f1-41af-91ab', says: ['GUID'] },
  { what: 'tenant-id missing in provision mode', inputs: () => provision({ 'tenant-id': '' }), input: 'tenant-id', says: ['required in provision mode', 'GUID'] },
  // organization
  { what: 'organization on a custom domain', inputs: () => provision({ organization: 'contoso.com' }), input: 'organization', shows: 'contoso.com', says: ['.onmicrosoft.com', 'contoso.onmicrosoft.com', '-Organization'] },
  { what: 'organization that is only the suffix', inputs: () => provision({ organization: '.onmicrosoft.com' }), input: 'organization', shows: '.onmicrosoft.com', says: ['contoso.onmicrosoft.com'] },
  { what: 'organization .onmicrosoft.com in the usgov cloud', inputs: () => provision({ cloud: 'usgov', organization: 'contoso.onmicrosoft.com' }), input: 'organization', shows: 'contoso.onmicrosoft.com', says: ['.onmicrosoft.us', 'contoso.onmicrosoft.us'] },
  { what: 'organization with a URL scheme', inputs: () => provision({ organization: 'https://contoso.onmicrosoft.com' }), input: 'organization', shows: 'https://contoso.onmicrosoft.com', says: ['.onmicrosoft.com'] },
  // certificate parameters
  { what: 'cert-key-size 1024', inputs: () => provision({ 'cert-key-size': '1024' }), input: 'cert-key-size', shows: '1024', says: ["'2048', '3072', '4096'"] },
  { what: 'cert-key-size with a unit', inputs: () => provision({ 'cert-key-size': '2048 bits' }), input: 'cert-key-size', shows: '2048 bits', says: ["'2048', '3072', '4096'"] },
  { what: 'cert-validity-days 0', inputs: () => provision({ 'cert-validity-days': '0' }), input: 'cert-validity-days', shows: '0', says: ['whole number from 1 to 3650'] },
  { what: 'cert-validity-days 3651', inputs: () => provision({ 'cert-validity-days': '3651' }), input: 'cert-validity-days', shows: '3651', says: ['whole number from 1 to 3650'] },
  { what: 'cert-validity-days fractional', inputs: () => provision({ 'cert-validity-days': '365.5' }), input: 'cert-validity-days', shows: '365.5', says: ['whole number from 1 to 3650'] },
  { what: 'cert-validity-days negative', inputs: () => provision({ 'cert-validity-days': '-30' }), input: 'cert-validity-days', shows: '-30', says: ['whole number from 1 to 3650'] },
  { what: 'cert-validity-days in words', inputs: () => provision({ 'cert-validity-days': 'one year' }), input: 'cert-validity-days', shows: 'one year', says: ['whole number from 1 to 3650'] },
  { what: 'cert-validity-days in exponent notation', inputs: () => provision({ 'cert-validity-days': '1e3' }), input: 'cert-validity-days', shows: '1e3', says: ['whole number from 1 to 3650'] },
  { what: 'rotate-before-days equal to cert-validity-days', inputs: () => provision({ 'cert-validity-days': '30', 'rotate-before-days': '30' }), input: 'rotate-before-days', says: ["'rotate-before-days' (30)", "'cert-validity-days' (30)", 'less than'] },
  { what: 'rotate-before-days above the default validity', inputs: () => provision({ 'rotate-before-days': '400' }), input: 'rotate-before-days', says: ["'rotate-before-days' (400)", "'cert-validity-days' (365)"] },
  { what: 'rotate-before-days not a number', inputs: () => provision({ 'rotate-before-days': 'soon' }), input: 'rotate-before-days', shows: 'soon', says: ['whole number'] },
  { what: 'cert-subject without a CN', inputs: () => provision({ 'cert-subject': 'O=Contoso' }), input: 'cert-subject', shows: 'O=Contoso', says: ['CN=EXO Background Process'] },
  { what: 'pfx-encryption unknown', inputs: () => provision({ 'pfx-encryption': 'rc2' }), input: 'pfx-encryption', shows: 'rc2', says: ["'aes256', '3des'"] },
  // roles
  { what: 'an unknown role name', inputs: () => provision({ roles: 'Exchange Admin' }), input: 'roles', shows: 'Exchange Admin', says: [...supportedRoleNames, "'none'"] },
  { what: 'one unknown role among good ones', inputs: () => provision({ roles: 'Exchange Administrator, Mailbox Wizard' }), input: 'roles', shows: 'Mailbox Wizard', says: ['Exchange Recipient Administrator', 'Global Reader'] },
  { what: 'an unknown role template id', inputs: () => provision({ roles: '00000000-0000-0000-0000-000000000000' }), input: 'roles', shows: '00000000-0000-0000-0000-000000000000', says: ['template ids'] },
  { what: 'roles with only separators', inputs: () => provision({ roles: ' , \n ' }), input: 'roles', says: ["'none'"] },
  { what: "'none' mixed with a role", inputs: () => provision({ roles: 'none, Global Reader' }), input: 'roles', shows: 'none', says: ['Global Reader'] },
  // secrets
  { what: 'secret-prefix starting with a digit', inputs: () => provision({ 'secret-prefix': '1EXO_' }), input: 'secret-prefix', shows: '1EXO_', says: ['must not start with a digit', 'EXO_'] },
  { what: 'secret-prefix GITHUB_', inputs: () => provision({ 'secret-prefix': 'GITHUB_' }), input: 'secret-prefix', shows: 'GITHUB_', says: ['must not start with GITHUB_'] },
  { what: 'secret-prefix github_ in lower case', inputs: () => provision({ 'secret-prefix': 'github_exo_' }), input: 'secret-prefix', shows: 'github_exo_', says: ['must not start with GITHUB_'] },
  { what: 'secret-prefix with a hyphen', inputs: () => provision({ 'secret-prefix': 'EXO-' }), input: 'secret-prefix', shows: 'EXO-', says: ['letters, digits and underscores'] },
  { what: 'secret-prefix with a space and dollar', inputs: () => provision({ 'secret-prefix': 'EXO $' }), input: 'secret-prefix', shows: 'EXO $', says: ['letters, digits and underscores'] },
  { what: 'secret-target environment without secret-environment', inputs: () => provision({ 'secret-target': 'environment', 'github-token': GITHUB_TOKEN }), input: 'secret-environment', says: ['secret-target: environment', 'Environments'] },
  { what: 'secret-target repository without github-token', inputs: () => provision({ 'secret-target': 'repository' }), input: 'github-token', says: ['secret-target: repository', 'GITHUB_TOKEN cannot', 'fine-grained personal access token', 'GitHub App'] },
  { what: 'secret-target organization without github-token', inputs: () => provision({ 'secret-target': 'organization' }), input: 'github-token', says: ['secret-target: organization'] },
  { what: 'secret-target unknown', inputs: () => provision({ 'secret-target': 'vault' }), input: 'secret-target', shows: 'vault', says: ["'none', 'repository', 'environment', 'organization'"] },
  { what: 'secret-visibility unknown', inputs: () => provision({ 'secret-visibility': 'public' }), input: 'secret-visibility', shows: 'public', says: ["'private', 'all', 'selected'"] },
  { what: 'selected visibility without repositories', inputs: () => provision({ 'secret-target': 'organization', 'secret-visibility': 'selected', 'github-token': GITHUB_TOKEN }), input: 'secret-repositories', says: ['secret-visibility: selected'] },
  // issue 16, point 3: a repository list is never silently ignored for another visibility
  { what: 'secret-repositories without secret-visibility', inputs: () => provision({ 'secret-target': 'organization', 'secret-repositories': 'exo-jobs', 'github-token': GITHUB_TOKEN }), input: 'secret-repositories', says: ['needs secret-visibility: selected', 'it is empty'] },
  { what: "secret-repositories with secret-visibility: private", inputs: () => provision({ 'secret-target': 'organization', 'secret-visibility': 'private', 'secret-repositories': 'exo-jobs', 'github-token': GITHUB_TOKEN }), input: 'secret-repositories', says: ["it is 'private'"] },
  { what: 'repository not owner/name', inputs: () => provision({ repository: 'exo-jobs' }), input: 'repository', shows: 'exo-jobs', says: ['owner/name'] },
  // mode, cloud, endpoints
  { what: 'mode unknown', inputs: () => provision({ mode: 'provison' }), input: 'mode', shows: 'provison', says: ["'provision', 'connect'"] },
  { what: 'cloud unknown', inputs: () => provision({ cloud: 'azure' }), input: 'cloud', shows: 'azure', says: ["'global', 'usgov', 'dod', 'china'"] },
  { what: 'authority-host over http', inputs: () => provision({ 'authority-host': 'http://login.microsoftonline.com' }), input: 'authority-host', shows: 'http://login.microsoftonline.com', says: ['https URL', 'https://login.microsoftonline.com'] },
  { what: 'authority-host without a scheme', inputs: () => provision({ 'authority-host': 'login.microsoftonline.com' }), input: 'authority-host', shows: 'login.microsoftonline.com', says: ['https URL'] },
  { what: 'graph-endpoint over http', inputs: () => provision({ 'graph-endpoint': 'http://127.0.0.1:8443' }), input: 'graph-endpoint', shows: 'http://127.0.0.1:8443', says: ['https URL', 'https://graph.microsoft.com'] },
  { what: 'graph-endpoint with a query', inputs: () => provision({ 'graph-endpoint': 'https://graph.microsoft.com/?api=beta' }), input: 'graph-endpoint', shows: 'https://graph.microsoft.com/?api=beta', says: ['plain https URL'] },
  // sign-in of the provisioning identity
  { what: 'client-id missing in provision mode', inputs: () => provision({ 'client-id': '' }), input: 'client-id', says: ['required in provision mode', 'federated credential'] },
  { what: 'client-id not a GUID', inputs: () => provision({ 'client-id': 'my-app' }), input: 'client-id', shows: 'my-app', says: ['GUID like 00000000-0000-0000-0000-000000000000'] },
  { what: 'client-secret and client-certificate both', inputs: () => provision({ 'client-secret': 'Xy8Q~not-a-real-secret-value', 'client-certificate': pemOf(certs.client) }), input: 'client-secret', says: ["'client-secret' and 'client-certificate'", 'only one'] },
  { what: 'client-certificate PEM without a key', inputs: () => provision({ 'client-certificate': certificatePem(certs.client) }), input: 'client-certificate', says: ['PRIVATE KEY', 'CERTIFICATE'] },
  { what: 'client-certificate neither PEM nor base64', inputs: () => provision({ 'client-certificate': 'C:\\certs\\identity.pfx' }), input: 'client-certificate', says: ['not base64'] },
  { what: 'client-certificate PFX with a wrong password', inputs: () => provision({ 'client-certificate': certs.client.base64, 'client-certificate-password': 'not-the-password' }), input: 'client-certificate', says: ["'client-certificate-password' does not open the PFX in 'client-certificate'"] },
  // issue 16, point 8: encrypted PEM keys and EC keys
  { what: 'client-certificate with an encrypted PEM key and no password', inputs: () => provision({ 'client-certificate': clientPems.encrypted }), input: 'client-certificate-password', says: ["'client-certificate' is encrypted", "'client-certificate-password' is empty"] },
  { what: 'client-certificate with an encrypted PEM key and a wrong password', inputs: () => provision({ 'client-certificate': clientPems.encrypted, 'client-certificate-password': 'not-the-password' }), input: 'client-certificate-password', says: ["does not open the encrypted private key in 'client-certificate'"] },
  { what: 'client-certificate with a traditional encrypted PEM key and a wrong password', inputs: () => provision({ 'client-certificate': clientPems.traditionalEncrypted, 'client-certificate-password': 'not-the-password' }), input: 'client-certificate-password', says: ['does not open the encrypted private key'] },
  { what: 'client-certificate PEM with an EC key', inputs: () => provision({ 'client-certificate': clientPems.ec }), input: 'client-certificate', says: ['key of type EC', 'RSA', 'could never sign in', 'openssl req -x509 -newkey rsa:2048'] },
  { what: 'client-certificate PFX with an EC key', inputs: () => provision({ 'client-certificate': clientPems.ecPfx.base64, 'client-certificate-password': clientPems.ecPfx.password }), input: 'client-certificate', says: ['non-RSA key', 'could never sign in', 'openssl req -x509 -newkey rsa:2048'] },
  { what: 'client-certificate PEM whose key belongs to another certificate', inputs: () => provision({ 'client-certificate': readText(certs.valid.keyPath) + certificatePem(certs.client) }), input: 'client-certificate', says: ['does not belong to its certificate'] },
  // the held certificate
  { what: 'pfx-base64 that is not base64', inputs: () => connect({ 'pfx-base64': 'this is not base64!' }), input: 'pfx-base64', says: ['not base64', 'base64 -w0'] },
  { what: 'pfx-base64 that is PEM', inputs: () => connect({ 'pfx-base64': certificatePem(certs.valid) }), input: 'pfx-base64', says: ['not base64'] },
  { what: 'pfx-base64 that is base64 but not PKCS#12', inputs: () => connect({ 'pfx-base64': Buffer.from('just some text, not a certificate').toString('base64') }), input: 'pfx-base64', says: ['not a PKCS#12', 'private key as .pfx'] },
  { what: 'pfx-base64 holding a bare DER certificate', inputs: () => connect({ 'pfx-base64': certs.valid.derBase64 }), input: 'pfx-base64', says: ['not a PKCS#12'] },
  { what: 'a wrong pfx-password', inputs: () => connect({ 'pfx-password': 'wrong-password-123' }), input: 'pfx-base64', says: ["'pfx-password' does not open the PFX in 'pfx-base64'", 'EXO_CERT_PASSWORD'] },
  { what: 'an empty pfx-password for a protected PFX', inputs: () => connect({ 'pfx-password': '' }), input: 'pfx-base64', says: ["'pfx-password' does not open"] },
  { what: 'a PFX without a private key', inputs: () => connect({ 'pfx-base64': certs.withoutKey.base64, 'pfx-password': certs.withoutKey.password }), input: 'pfx-base64', says: ['no private key', 'export the private key'] },
  { what: 'a PFX whose key does not match its certificate', inputs: () => connect({ 'pfx-base64': certs.mismatched.base64, 'pfx-password': certs.mismatched.password }), input: 'pfx-base64', says: ['does not belong to its certificate'] },
  { what: 'an expired PFX in connect mode', inputs: () => connect({ 'pfx-base64': certs.expired.base64, 'pfx-password': certs.expired.password }), input: 'pfx-base64', says: ['expired on', 'provision mode to rotate'] },
  { what: 'a valid PFX judged after its expiry', inputs: () => connect(), now: new Date(NOW.getTime() + 400 * DAY_MS), input: 'pfx-base64', says: ['expired on'] },
  { what: 'a PFX not valid yet in connect mode', inputs: () => connect({ 'pfx-base64': certs.notYetValid.base64, 'pfx-password': certs.notYetValid.password }), input: 'pfx-base64', says: ['is not valid before'] },
  // connect mode requirements
  { what: 'connect mode without app-id', inputs: () => connect({ 'app-id': '' }), input: 'app-id', says: ['required in connect mode', 'EXO_APP_ID'] },
  { what: 'connect mode with an app-id that is a name', inputs: () => connect({ 'app-id': 'EXO Background Process' }), input: 'app-id', shows: 'EXO Background Process', says: ['GUID'] },
  { what: 'connect mode without organization', inputs: () => connect({ organization: '' }), input: 'organization', says: ['required in connect mode', 'EXO_ORGANIZATION'] },
  { what: 'connect mode without pfx-base64', inputs: () => connect({ 'pfx-base64': '' }), input: 'pfx-base64', says: ['required in connect mode', 'EXO_CERT_PFX_BASE64', 'EXO_CERT_PASSWORD'] },
  // credential: federated (issue 14)
  { what: 'credential unknown', inputs: () => provision({ credential: 'oidc' }), input: 'credential', shows: 'oidc', says: ["'certificate', 'federated'"] },
  { what: 'federated-subjects with credential: certificate', inputs: () => provision({ 'federated-subjects': 'repo:octo/demo:ref:refs/heads/main' }), input: 'federated-subjects', says: ['credential: federated'] },
  { what: 'federated-issuer with credential: certificate', inputs: () => provision({ 'federated-issuer': 'https://token.actions.githubusercontent.com' }), input: 'federated-issuer', says: ['credential: federated'] },
  { what: 'a wildcard subject', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:ref:refs/heads/*' }), input: 'federated-subjects', shows: 'repo:octo/demo:ref:refs/heads/*', says: ['no wildcards', 'repo:contoso/exo-jobs:environment:prod'] },
  { what: 'a subject with a space', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo: main' }), input: 'federated-subjects', says: ['not a GitHub OIDC subject'] },
  { what: 'a subject that is a repository name only', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'octo/demo' }), input: 'federated-subjects', shows: 'octo/demo', says: ['not a GitHub OIDC subject'] },
  { what: 'federated-issuer over http', inputs: () => provision({ credential: 'federated', 'federated-issuer': 'http://token.actions.githubusercontent.com' }), input: 'federated-issuer', says: ['https URL'] },
  { what: 'federated-subjects in connect mode', inputs: () => ({ mode: 'connect', credential: 'federated', 'app-id': APP_ID, 'tenant-id': TENANT, organization: 'contoso.onmicrosoft.com', 'federated-subjects': 'repo:octo/demo:ref:refs/heads/main' }), input: 'federated-subjects', says: ['provision mode'] },
  // issue 21: federated trust a pull request cannot reach; the jobs' own audience
  { what: 'a pull_request subject', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:environment:prod, repo:octo/demo:pull_request' }), input: 'federated-subjects', says: ["'repo:octo/demo:pull_request'", 'anyone who can open a pull request could then sign in to Exchange Online as an administrator', 'federated-allow-unprotected-subjects: true', 'environment'] },
  { what: 'a pull_request subject in the immutable form', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo@59/demo@74:pull_request' }), input: 'federated-subjects', says: ['federated-allow-unprotected-subjects'] },
  { what: 'a pull request\'s merge ref subject', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:ref:refs/pull/7/merge' }), input: 'federated-subjects', says: ["'repo:octo/demo:ref:refs/pull/7/merge'", 'federated-allow-unprotected-subjects'] },
  { what: 'a customized subject naming pull_request_target', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:event_name:pull_request_target' }), input: 'federated-subjects', says: ['federated-allow-unprotected-subjects'] },
  { what: 'a reusable workflow subject from a pull request', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:job_workflow_ref:octo/demo/.github/workflows/exo.yml@refs/pull/3/merge' }), input: 'federated-subjects', says: ['federated-allow-unprotected-subjects'] },
  { what: 'a customized subject without repo:', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repository_owner:octo:context:pull_request' }), input: 'federated-subjects', says: ["'repository_owner:octo:context:pull_request'", 'federated-allow-unprotected-subjects'] },
  { what: 'no federated-subjects and no OIDC token (no GITHUB_REF fallback)', inputs: () => provision({ credential: 'federated' }), input: 'federated-subjects', says: ['`permissions: id-token: write`', 'list the subjects'] },
  { what: 'federated-allow-unprotected-subjects not a boolean', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:environment:prod', 'federated-allow-unprotected-subjects': 'maybe' }), input: 'federated-allow-unprotected-subjects', shows: 'maybe', says: ['true or false'] },
  { what: 'federated-allow-unprotected-subjects with credential: certificate', inputs: () => provision({ 'federated-allow-unprotected-subjects': 'true' }), input: 'federated-allow-unprotected-subjects', says: ['credential: federated'] },
  { what: 'federated-audience with credential: certificate', inputs: () => provision({ 'federated-audience': 'api://AzureADTokenExchange' }), input: 'federated-audience', says: ['credential: federated'] },
  { what: 'federated-audience with a space', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:environment:prod', 'federated-audience': 'api://contoso exo' }), input: 'federated-audience', shows: 'api://contoso exo', says: ['one audience'] },
  { what: 'audience changed, federated-audience not given (never re-points the jobs silently)', inputs: () => provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:environment:prod', audience: 'api://contoso-provisioning' }), input: 'federated-audience', says: ["'audience' is 'api://contoso-provisioning'", 'federated-audience: api://contoso-provisioning', 'federated-audience: api://AzureADTokenExchange'] },
  { what: 'audience changed in a federated connect job, federated-audience not given', inputs: () => ({ mode: 'connect', credential: 'federated', 'app-id': APP_ID, 'tenant-id': TENANT, organization: 'contoso.onmicrosoft.com', audience: 'api://contoso-exo' }), input: 'federated-audience', says: ['federated-audience: api://contoso-exo'] },
  { what: 'connect mode federated without tenant-id', inputs: () => ({ mode: 'connect', credential: 'federated', 'app-id': APP_ID, organization: 'contoso.onmicrosoft.com' }), input: 'tenant-id', says: ['credential: federated', 'EXO_TENANT_ID'] },
  // booleans and the rest
  { what: 'verify yes', inputs: () => provision({ verify: 'yes' }), input: 'verify', shows: 'yes', says: ['true or false'] },
  { what: 'dry-run 1', inputs: () => provision({ 'dry-run': '1' }), input: 'dry-run', shows: '1', says: ['true or false'] },
  { what: 'connect-ippssession on', inputs: () => connect({ 'connect-ippssession': 'on' }), input: 'connect-ippssession', shows: 'on', says: ['true or false'] },
  { what: 'verify-timeout-seconds not a number', inputs: () => provision({ 'verify-timeout-seconds': '3m' }), input: 'verify-timeout-seconds', shows: '3m', says: ['whole number'] },
  { what: 'connect-script-path not a .ps1', inputs: () => connect({ 'connect-script-path': 'connect.sh' }), input: 'connect-script-path', shows: 'connect.sh', says: ['.ps1'] },
  // issue 16: repair and revoke-previous
  { what: 'repair yes', inputs: () => provision({ repair: 'yes' }), input: 'repair', shows: 'yes', says: ['true or false'] },
  { what: 'revoke-previous with a unit', inputs: () => provision({ 'revoke-previous': '24h' }), input: 'revoke-previous', shows: '24h', says: ['whole number of hours from 0 to 8760', "'never'"] },
  { what: 'revoke-previous negative', inputs: () => provision({ 'revoke-previous': '-1' }), input: 'revoke-previous', shows: '-1', says: ['from 0 to 8760'] },
  { what: 'revoke-previous above a year', inputs: () => provision({ 'revoke-previous': '8761' }), input: 'revoke-previous', shows: '8761', says: ['from 0 to 8760'] },
  { what: 'revoke-previous fractional', inputs: () => provision({ 'revoke-previous': '1.5' }), input: 'revoke-previous', shows: '1.5', says: ['whole number'] },
  { what: 'revoke-previous in words', inputs: () => provision({ 'revoke-previous': 'later' }), input: 'revoke-previous', shows: 'later', says: ["'never'"] }
]

function pemOf(fixture: PfxFixture): string {
  return `${readText(fixture.keyPath)}${readText(fixture.certPath)}`
}
function certificatePem(fixture: PfxFixture): string {
  return readText(fixture.certPath)
}
function readText(path: string): string {
  return readFileSync(path, 'utf8')
}

describe('readSettings rejects bad inputs with an actionable sentence', () => {
  it('has a case for every rule (table size)', () => {
    expect(rejected.length).toBeGreaterThanOrEqual(60)
  })

  it.each(rejected.map(c => [c.what, c] as const))('%s', (_what, c) => {
    const inputs = c.inputs()
    const { error } = failure(inputs, c.now)
    expect(error.input).toBe(c.input)
    expect(error.message).toMatch(new RegExp(`\\b${c.input}\\b`))
    // Shown quoted, so a value with spaces or nothing at all is unmistakable.
    if (c.shows !== undefined) expect([JSON.stringify(c.shows), `'${c.shows}'`].some(q => error.message.includes(q))).toBe(true)
    for (const fragment of c.says) {
      if (typeof fragment === 'string') expect(error.message).toContain(fragment)
      else expect(error.message).toMatch(fragment)
    }
    for (const secret of secretValues(inputs)) {
      expect(error.message).not.toContain(secret)
      // Not even a recognisable piece of a long secret (PEM lines, base64 PFX).
      for (const line of secret.split(/\r?\n/).filter(l => l.length >= 16 && !l.startsWith('-----'))) {
        expect(error.message).not.toContain(line)
      }
    }
  })

  it('names the thumbprint of an expired PFX so the user can find it', () => {
    const { error } = failure(connect({ 'pfx-base64': certs.expired.base64, 'pfx-password': certs.expired.password }))
    expect(error.message).toContain(certs.expired.opensslThumbprint)
    expect(error.message).toContain(certs.expired.notAfter.toISOString())
  })
})

describe('every secret input is masked before anything else', () => {
  const secretInputs = (): Inputs => ({
    'client-secret': 'Xy8Q~client-secret-value-0123456789',
    'client-certificate-password': 'client-certificate-password-value',
    'pfx-base64': certs.valid.base64,
    'pfx-password': certs.valid.password,
    'github-token': GITHUB_TOKEN
  })

  it.each([
    ['mode is unknown (the first non-secret input checked)', { mode: 'nonsense' }],
    ['tenant-id is bad', { 'tenant-id': 'not a tenant' }],
    ['a late input (connect-script-path) is bad', { 'connect-script-path': 'x.sh' }],
    ['pfx-base64 itself is not base64', { 'pfx-base64': 'not base64 at all!' }]
  ])('when %s', (_when, bad) => {
    const inputs = provision({ ...secretInputs(), ...bad })
    const { source, error } = failure(inputs)
    expect(error).toBeInstanceOf(UserError)
    const firstOtherRead = source.firstReadOtherThan(SECRET_INPUTS)
    for (const secret of secretValues(inputs)) {
      const at = source.maskIndex(secret)
      expect(at).toBeGreaterThanOrEqual(0)
      expect(at).toBeLessThan(firstOtherRead)
    }
  })

  it('masks a multi-line PEM client-certificate whole and line by line, even when validation then fails', () => {
    const pem = pemOf(certs.client)
    const inputs = provision({ 'client-certificate': pem, 'tenant-id': 'bad tenant' })
    const { source } = failure(inputs)
    const firstOtherRead = source.firstReadOtherThan(SECRET_INPUTS)
    expect(source.maskIndex(pem)).toBeGreaterThanOrEqual(0)
    // Lines under 8 characters (a PEM block's short last line) reveal nothing and are skipped.
    const bodyLines = pem.split('\n').filter(line => line.trim().length >= 8 && !line.startsWith('-----'))
    expect(bodyLines.length).toBeGreaterThan(20)
    for (const line of bodyLines) {
      const at = source.maskIndex(line.trim())
      expect(at).toBeGreaterThanOrEqual(0)
      expect(at).toBeLessThan(firstOtherRead)
    }
    // PEM armour is public: masking it would only turn harmless log lines into ***.
    expect(source.masks.some(mask => !mask.includes('\n') && mask.startsWith('-----'))).toBe(false)
  })

  it('masks a pfx-base64 that is wrapped over several lines line by line', () => {
    const wrapped = certs.valid.base64.replace(/(.{64})/g, '$1\n')
    const { source, result } = read(connect({ 'pfx-base64': wrapped }))
    expect(result.settings.held?.thumbprint).toBe(certs.valid.opensslThumbprint)
    for (const line of wrapped.split('\n').filter(l => l.length >= 8)) expect(source.masks).toContain(line)
  })

  it('does not register empty secrets (an empty mask would hide nothing but confuse the runner)', () => {
    const { source } = read(provision())
    expect(source.masks).toEqual([])
  })
})

describe('readSettings accepts good inputs', () => {
  it('gives the documented defaults in provision mode', () => {
    const { result } = read(provision())
    const s = result.settings
    expect(result.warnings).toEqual([])
    expect(s).toMatchObject({
      mode: 'provision',
      tenantId: TENANT,
      organization: undefined,
      app: { id: undefined, name: 'EXO Background Process' },
      roles: [{ displayName: 'Exchange Administrator', templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de' }],
      signIn: { method: 'github-oidc', clientId: CLIENT_ID, audience: 'api://AzureADTokenExchange' },
      newCertificate: { subject: 'CN=EXO Background Process', keySize: 2048, validityDays: 365, encryption: 'aes256' },
      rotateBeforeDays: 30,
      repair: false,
      revokePreviousAfterHours: 24,
      held: undefined,
      secrets: {
        target: 'none',
        prefix: 'EXO_',
        repository: { owner: 'octo-org', repo: 'exo-jobs' },
        visibility: undefined,
        selectedRepositories: [],
        apiUrl: 'https://api.github.com'
      },
      verify: { enabled: true, timeoutSeconds: 180 },
      dryRun: false,
      connectScriptPath: join(ENV.RUNNER_TEMP, 'exo-cba', 'Connect-ExoCba.ps1'),
      connectIppsSession: false,
      runnerTemp: ENV.RUNNER_TEMP
    })
    expect(s.cloud).toMatchObject({
      name: 'global',
      authorityHost: 'https://login.microsoftonline.com',
      graphEndpoint: 'https://graph.microsoft.com',
      graphResource: 'https://graph.microsoft.com',
      exchangeEnvironmentName: 'O365Default'
    })
    expect(s.signIn.clientSecret).toBeUndefined()
    expect(s.secrets.githubToken).toBeUndefined()
  })

  it('derives cert-subject from app-name', () => {
    const { result } = read(provision({ 'app-name': 'Contoso EXO Jobs' }))
    expect(result.settings.app.name).toBe('Contoso EXO Jobs')
    expect(result.settings.newCertificate.subject).toBe('CN=Contoso EXO Jobs')
  })

  it('takes an explicit cert-subject with several RDNs', () => {
    const { result } = read(provision({ 'cert-subject': ' CN=exo-jobs, O=Contoso ' }))
    expect(result.settings.newCertificate.subject).toBe('CN=exo-jobs, O=Contoso')
  })

  it('lower-cases a GUID tenant and accepts a verified domain', () => {
    expect(read(provision({ 'tenant-id': TENANT.toUpperCase() })).result.settings.tenantId).toBe(TENANT)
    expect(read(provision({ 'tenant-id': 'Contoso.com' })).result.settings.tenantId).toBe('contoso.com')
  })

  it.each([
    ['display names, comma separated, any case', 'exchange administrator, Global Reader', ['Exchange Administrator', 'Global Reader']],
    ['newline separated', 'Exchange Recipient Administrator\nSecurity Reader\n', ['Exchange Recipient Administrator', 'Security Reader']],
    ['template ids', '29232cdf-9323-42fd-ade2-1d097af3e4de,17315797-102d-40b4-93e0-432062caca18', ['Exchange Administrator', 'Compliance Administrator']],
    ['a name and its own template id once', 'Global Administrator, 62e90394-69f5-4237-9190-012177145e10', ['Global Administrator']],
    ["'none'", 'none', []],
    ["'None' in any case", ' None ', []]
  ])('roles by %s', (_how, roles, expected) => {
    const { result } = read(provision({ roles }))
    expect(result.settings.roles.map(role => role.displayName)).toEqual(expected)
  })

  it.each([
    ['2048', 2048],
    ['3072', 3072],
    ['4096', 4096]
  ])('cert-key-size %s', (value, expected) => {
    expect(read(provision({ 'cert-key-size': value })).result.settings.newCertificate.keySize).toBe(expected)
  })

  it('warns (but accepts) cert-validity-days above 730', () => {
    const { result } = read(provision({ 'cert-validity-days': '731' }))
    expect(result.settings.newCertificate.validityDays).toBe(731)
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toContain('cert-validity-days is 731')
    expect(result.warnings[0]).toContain('policies')
  })

  it('accepts 1, 730 and 3650 validity days, warning only for 3650', () => {
    expect(read(provision({ 'cert-validity-days': '1', 'rotate-before-days': '0' })).result.warnings).toEqual([])
    expect(read(provision({ 'cert-validity-days': '730' })).result.warnings).toEqual([])
    const long = read(provision({ 'cert-validity-days': '3650' })).result
    expect(long.settings.newCertificate.validityDays).toBe(3650)
    expect(long.warnings).toHaveLength(1)
  })

  it('accepts rotate-before-days one less than the validity', () => {
    expect(read(provision({ 'cert-validity-days': '30', 'rotate-before-days': '29' })).result.settings.rotateBeforeDays).toBe(29)
  })

  it.each([
    ['3des', '3des'],
    ['aes256', 'aes256']
  ])('pfx-encryption %s', (value, expected) => {
    expect(read(provision({ 'pfx-encryption': value })).result.settings.newCertificate.encryption).toBe(expected)
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false]
  ])('boolean %s', (value, expected) => {
    const s = read(provision({ verify: value, 'dry-run': value, 'connect-ippssession': value })).result.settings
    expect(s.verify.enabled).toBe(expected)
    expect(s.dryRun).toBe(expected)
    expect(s.connectIppsSession).toBe(expected)
  })

  it('upper-cases a lower-case secret-prefix and takes a repository target with a token', () => {
    const { result } = read(provision({ 'secret-prefix': 'contoso_exo_', 'secret-target': 'repository', 'github-token': GITHUB_TOKEN, repository: 'contoso/exo-jobs' }))
    expect(result.settings.secrets).toMatchObject({ target: 'repository', prefix: 'CONTOSO_EXO_', githubToken: GITHUB_TOKEN, repository: { owner: 'contoso', repo: 'exo-jobs' } })
  })

  it('takes secret-target environment with its environment', () => {
    const { result } = read(provision({ 'secret-target': 'environment', 'secret-environment': 'production', 'github-token': GITHUB_TOKEN }))
    expect(result.settings.secrets).toMatchObject({ target: 'environment', environment: 'production' })
  })

  it('takes secret-target organization without secret-visibility: stored secrets keep theirs (issue 16, point 3)', () => {
    const { result } = read(provision({ 'secret-target': 'organization', 'github-token': GITHUB_TOKEN }))
    expect(result.settings.secrets.target).toBe('organization')
    expect(result.settings.secrets.visibility).toBeUndefined()
    expect(result.warnings).toEqual([])
  })

  it.each([
    ['private', {}],
    ['all', {}],
    ['selected', { 'secret-repositories': 'exo-jobs, exo-reports' }]
  ] as const)('takes secret-visibility %s for an organization target', (visibility, extra) => {
    const { result } = read(provision({ 'secret-target': 'organization', 'github-token': GITHUB_TOKEN, 'secret-visibility': visibility, ...extra }))
    expect(result.settings.secrets.visibility).toBe(visibility)
    if (visibility === 'selected') expect(result.settings.secrets.selectedRepositories).toEqual(['exo-jobs', 'exo-reports'])
  })

  it.each([
    ['true', true],
    ['False', false]
  ])('repair %s', (value, expected) => {
    expect(read(provision({ repair: value })).result.settings.repair).toBe(expected)
  })

  it.each([
    ['24', 24],
    ['0', 0],
    ['8760', 8760],
    [' 48 ', 48],
    ['never', undefined],
    ['Never', undefined],
    ['NEVER', undefined]
  ])('revoke-previous %j', (value, expected) => {
    expect(read(provision({ 'revoke-previous': value })).result.settings.revokePreviousAfterHours).toBe(expected)
  })

  it('takes client-certificate as PEM with an encrypted key and its password (issue 16, point 8)', () => {
    const { source, result } = read(provision({ 'client-certificate': clientPems.encrypted, 'client-certificate-password': clientPems.password }))
    expect(result.settings.signIn).toMatchObject({ method: 'client-certificate', clientCertificatePem: clientPems.encrypted.trim(), clientCertificatePassword: clientPems.password })
    expect(source.masks).toContain(clientPems.password)
  })

  it("takes OpenSSL's traditional encrypted PEM key (Proc-Type: 4,ENCRYPTED) with its password", () => {
    const { result } = read(provision({ 'client-certificate': clientPems.traditionalEncrypted, 'client-certificate-password': clientPems.password }))
    expect(result.settings.signIn.clientCertificatePassword).toBe(clientPems.password)
  })

  it('passes no password for an unencrypted PEM key, and none for a PFX (it is converted to a plain PEM)', () => {
    expect(read(provision({ 'client-certificate': pemOf(certs.client), 'client-certificate-password': 'unused' })).result.settings.signIn.clientCertificatePassword).toBeUndefined()
    expect(read(provision({ 'client-certificate': certs.client.base64, 'client-certificate-password': certs.client.password })).result.settings.signIn.clientCertificatePassword).toBeUndefined()
  })

  it('signs in with a client secret', () => {
    const { result } = read(provision({ 'client-secret': 'Xy8Q~client-secret-value' }))
    expect(result.settings.signIn).toMatchObject({ method: 'client-secret', clientSecret: 'Xy8Q~client-secret-value' })
  })

  it('takes client-certificate as PEM (key + certificate)', () => {
    const pem = pemOf(certs.client)
    const { result } = read(provision({ 'client-certificate': pem }))
    expect(result.settings.signIn.method).toBe('client-certificate')
    expect(result.settings.signIn.clientCertificatePem).toBe(pem.trim())
  })

  it('takes client-certificate as a base64 PFX and converts it to PEM with the same certificate', () => {
    const { result } = read(provision({ 'client-certificate': certs.client.base64, 'client-certificate-password': certs.client.password }))
    const pem = result.settings.signIn.clientCertificatePem ?? ''
    expect(result.settings.signIn.method).toBe('client-certificate')
    expect(pem).toMatch(/-----BEGIN PRIVATE KEY-----/)
    const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0] ?? ''
    expect(certificate.replace(/\s/g, '')).toBe(certificatePem(certs.client).replace(/\s/g, ''))
  })

  it('uses the usgov cloud with an .onmicrosoft.us organization', () => {
    const { result } = read(provision({ cloud: 'usgov', organization: 'Contoso.onmicrosoft.us' }))
    expect(result.settings.organization).toBe('contoso.onmicrosoft.us')
    expect(result.settings.cloud).toMatchObject({ name: 'usgov', authorityHost: 'https://login.microsoftonline.us', exchangeEnvironmentName: 'O365USGovGCCHigh' })
  })

  it('overrides only where requests go, not the resources tokens are for', () => {
    const { result } = read(provision({ 'authority-host': 'https://127.0.0.1:8443/', 'graph-endpoint': 'https://127.0.0.1:8443/graph/' }))
    expect(result.settings.cloud).toMatchObject({
      authorityHost: 'https://127.0.0.1:8443',
      graphEndpoint: 'https://127.0.0.1:8443/graph',
      graphResource: 'https://graph.microsoft.com',
      exchangeResource: 'https://outlook.office365.com'
    })
  })

  it('resolves a relative connect-script-path against GITHUB_WORKSPACE', () => {
    const { result } = read(connect({ 'connect-script-path': 'scripts/Connect.ps1' }))
    expect(result.settings.connectScriptPath).toBe(join(ENV.GITHUB_WORKSPACE, 'scripts', 'Connect.ps1'))
  })

  it('opens the held certificate in connect mode (openssl agrees on the thumbprint)', () => {
    const { result } = read(connect({ organization: 'Contoso.OnMicrosoft.com' }))
    const s = result.settings
    expect(result.warnings).toEqual([])
    expect(s.mode).toBe('connect')
    expect(s.app.id).toBe(APP_ID)
    expect(s.organization).toBe('contoso.onmicrosoft.com')
    expect(s.tenantId).toBeUndefined()
    expect(s.held?.thumbprint).toBe(certs.valid.opensslThumbprint)
    expect(s.held?.derBase64).toBe(certs.valid.derBase64)
    expect(s.held?.notAfter.toISOString()).toBe(certs.valid.notAfter.toISOString())
    expect(s.held?.pfxPassword).toBe(certs.valid.password)
  })

  it('accepts a certificate that expires soon in connect mode (connect mode warns later, with the days left)', () => {
    const { result } = read(connect({ 'pfx-base64': certs.expiresSoon.base64, 'pfx-password': certs.expiresSoon.password }))
    expect(result.settings.held?.thumbprint).toBe(certs.expiresSoon.opensslThumbprint)
  })

  it('warns that secret-target is ignored in connect mode', () => {
    const { result } = read(connect({ 'secret-target': 'repository', 'github-token': GITHUB_TOKEN }))
    expect(result.warnings).toEqual([expect.stringContaining('secret-target is ignored in connect mode')])
  })

  it('only warns about an expired PFX in provision mode (it will be replaced)', () => {
    const { result } = read(provision({ 'pfx-base64': certs.expired.base64, 'pfx-password': certs.expired.password }))
    expect(result.settings.held?.thumbprint).toBe(certs.expired.opensslThumbprint)
    expect(result.warnings).toEqual([expect.stringMatching(/expired on .*a new certificate will be created/)])
    expect(result.warnings[0]).not.toContain(certs.expired.password)
  })

  it('only warns about a PFX that is not valid yet in provision mode', () => {
    const { result } = read(provision({ 'pfx-base64': certs.notYetValid.base64, 'pfx-password': certs.notYetValid.password }))
    expect(result.warnings).toEqual([expect.stringContaining('is not valid before')])
  })

  it('credential: federated in provision mode: subjects from the input, no certificate opened', () => {
    const { settings } = read(provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:ref:refs/heads/main\nrepo:octo/demo:environment:prod', 'federated-issuer': 'https://ghes.contoso.com/_services/token/' })).result
    expect(settings.credential).toEqual({
      kind: 'federated',
      subjects: ['repo:octo/demo:ref:refs/heads/main', 'repo:octo/demo:environment:prod'],
      issuer: 'https://ghes.contoso.com/_services/token',
      audience: 'api://AzureADTokenExchange',
      allowUnprotectedSubjects: false
    })
    expect(settings.held).toBeUndefined()
  })

  it('credential: federated: a pull_request subject only with federated-allow-unprotected-subjects: true', () => {
    const { settings } = read(provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:pull_request', 'federated-allow-unprotected-subjects': 'true' })).result
    expect(settings.credential).toMatchObject({ subjects: ['repo:octo/demo:pull_request'], allowUnprotectedSubjects: true })
  })

  it('credential: federated with federated-subjects empty needs this job to be able to request an OIDC token', () => {
    const env = { ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.githubusercontent.com/oidc?x=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' }
    const settings = readSettings(new FakeInputs(provision({ credential: 'federated' })), env, NOW).settings
    expect(settings.credential).toMatchObject({ kind: 'federated', subjects: [] })
  })

  it('audience is the provisioning identity\'s, federated-audience the jobs\': each set alone', () => {
    const both = read(provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:environment:prod', audience: 'api://contoso-provisioning', 'federated-audience': 'api://contoso-exo-jobs' })).result.settings
    expect(both.signIn.audience).toBe('api://contoso-provisioning')
    expect(both.credential).toMatchObject({ audience: 'api://contoso-exo-jobs' })
    const jobsOnly = read(provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:environment:prod', 'federated-audience': 'api://contoso-exo-jobs' })).result.settings
    expect(jobsOnly.signIn.audience).toBe('api://AzureADTokenExchange')
    expect(jobsOnly.credential).toMatchObject({ audience: 'api://contoso-exo-jobs' })
    // Moving the jobs back to the default on purpose, while the provisioning identity keeps its own.
    const moved = read(provision({ credential: 'federated', 'federated-subjects': 'repo:octo/demo:environment:prod', audience: 'api://contoso-provisioning', 'federated-audience': 'api://AzureADTokenExchange' })).result.settings
    expect(moved.credential).toMatchObject({ audience: 'api://AzureADTokenExchange' })
    // Certificate mode: audience alone, as before.
    expect(read(provision({ audience: 'api://contoso-provisioning' })).result.settings.signIn.audience).toBe('api://contoso-provisioning')
  })

  it('credential: federated in connect mode needs no pfx-base64, and warns that a given one is ignored', () => {
    const plain = read({ mode: 'connect', credential: 'federated', 'app-id': APP_ID, 'tenant-id': TENANT, organization: 'contoso.onmicrosoft.com' }).result
    expect(plain.settings.credential).toEqual({ kind: 'federated', subjects: [], audience: 'api://AzureADTokenExchange', allowUnprotectedSubjects: false })
    expect(plain.warnings).toEqual([])
    const withPfx = read({ ...connect(), credential: 'federated', 'tenant-id': TENANT }).result
    expect(withPfx.settings.held).toBeUndefined()
    expect(withPfx.warnings.join('\n')).toMatch(/pfx-base64 is ignored with credential: federated/)
  })

  it('credential defaults to certificate', () => {
    expect(read(provision()).result.settings.credential).toEqual({ kind: 'certificate' })
  })

  it('warns when pfx-password is given without pfx-base64 (a missing secret)', () => {
    const { result } = read(provision({ 'pfx-password': 'orphan-password' }))
    expect(result.warnings).toEqual([expect.stringContaining('pfx-base64 is empty')])
    expect(result.warnings[0]).not.toContain('orphan-password')
  })
})
