import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { parseSubject } from './certificate/index.js'
import type { HeldCertificate, KeySize, PfxEncryption } from './certificate/types.js'
import { CLOUD_NAMES, resolveCloud, type Cloud } from './cloud.js'
import { maskSecret, openClientCertificate, openHeldCertificate, type Masker } from './credential-inputs.js'
import { UserError } from './errors.js'
import { validateSecretPrefix } from './github/secret-names.js'
import { ALLOW_UNPROTECTED_INPUT, listedPullRequestRefusal, scopeOfSubject } from './entra/subject-scope.js'
import { canRequestGitHubIdToken, GITHUB_ACTIONS_ISSUER } from './runner/github-oidc.js'
import { findDirectoryRole, SUPPORTED_DIRECTORY_ROLES, type DirectoryRole } from './entra/well-known.js'
import {
  isDomain,
  isGuid,
  parseBoolean,
  parseChoice,
  parseGuid,
  parseHttpsUrl,
  parseInteger,
  parseList,
  shown
} from './input-parsers.js'

export { maskSecret } from './credential-inputs.js'

export type Mode = 'provision' | 'connect'
export type SecretTarget = 'none' | 'repository' | 'environment' | 'organization'
export type SignInMethod = 'client-secret' | 'client-certificate' | 'github-oidc'
export type OrganizationSecretVisibility = 'private' | 'all' | 'selected'
export type CredentialKind = 'certificate' | 'federated'

/**
 * How jobs sign in to Exchange Online as the app: with a certificate kept in secrets, or
 * federated (each job exchanges its GitHub OIDC token; nothing stored, nothing to rotate).
 */
export type CredentialSettings =
  | { kind: 'certificate' }
  | {
      kind: 'federated'
      /** `federated-subjects`; empty means the subject of this job's own OIDC token (provision mode). */
      subjects: string[]
      /** `federated-issuer`; undefined means this job's issuer. */
      issuer?: string
      /**
       * `federated-audience`: the audience of the Exchange app's federated credentials and of
       * the jobs' OIDC tokens for it (`audience` is the provisioning identity's alone).
       */
      audience: string
      /**
       * `federated-allow-unprotected-subjects`: trust `pull_request` subjects, and this job's own
       * subject from a pull request or a branch other than the default one, on purpose.
       */
      allowUnprotectedSubjects: boolean
    }

/**
 * Every input of the action, read once and validated once. Nothing else in the main step
 * reads inputs (the post step reads only github-token, to give back a lease left behind).
 */
export interface Settings {
  mode: Mode
  /** Tenant GUID or verified domain; always set in provision mode. */
  tenantId?: string
  /** Primary `*.onmicrosoft.com` domain; discovered in provision mode when not given. */
  organization?: string
  app: {
    /** Target this existing app (provision), or the app to sign in as (connect). */
    id?: string
    name: string
  }
  /** Directory roles to assign; empty for `roles: none`. */
  roles: DirectoryRole[]
  /** How jobs sign in as the app (`credential`). */
  credential: CredentialSettings
  cloud: Cloud
  signIn: {
    method: SignInMethod
    clientId?: string
    clientSecret?: string
    /** PEM with the private key and the certificate (a PFX input is converted). */
    clientCertificatePem?: string
    /** Password of an encrypted private key in `clientCertificatePem` (`client-certificate-password`). */
    clientCertificatePassword?: string
    /** `audience`: of the OIDC token the provisioning identity signs in with. */
    audience: string
  }
  newCertificate: {
    subject: string
    keySize: KeySize
    validityDays: number
    encryption: PfxEncryption
  }
  rotateBeforeDays: number
  /**
   * `repair`: a run may make and store a new certificate when the stored secrets hold a
   * complete set but pfx-base64 or pfx-password is empty.
   */
  repair: boolean
  /**
   * `revoke-previous`: hours the current certificate must have been on the app before this
   * pipeline's earlier certificates (same secret set) are removed; undefined for 'never' (they stay until they expire).
   */
  revokePreviousAfterHours: number | undefined
  /** The certificate this pipeline holds (`pfx-base64` + `pfx-password`), already opened. */
  held?: HeldCertificate
  /**
   * Which of `pfx-base64` and `pfx-password` had a value. A workflow that leaves one out or
   * misspells its secret passes an empty string; a pair that is given but does not open is
   * what an interrupted run leaves behind.
   */
  heldInputs: { pfxBase64: boolean; pfxPassword: boolean }
  secrets: {
    target: SecretTarget
    environment?: string
    prefix: string
    githubToken?: string
    repository?: { owner: string; repo: string }
    /**
     * `secret-visibility` of organization secrets; undefined keeps the visibility (and
     * selected repositories) of secrets that exist, and is refused for a secret to create.
     */
    visibility: OrganizationSecretVisibility | undefined
    selectedRepositories: string[]
    /** GITHUB_API_URL, e.g. https://api.github.com (or a GHES /api/v3). */
    apiUrl: string
  }
  verify: { enabled: boolean; timeoutSeconds: number }
  dryRun: boolean
  connectScriptPath: string
  connectIppsSession: boolean
  /** RUNNER_TEMP: where files with secrets go (removed by the post step). */
  runnerTemp: string
}

/** Where settings come from: the action's inputs, and the way to mask secret ones. */
export interface InputSource extends Masker {
  /** The raw input value ('' when not given); the runner passes action.yml defaults. */
  get(name: string): string
}

export interface SettingsResult {
  settings: Settings
  /** Things worth a warning annotation that do not stop the run. */
  warnings: string[]
}

const MODES: readonly Mode[] = ['provision', 'connect']
const SECRET_TARGETS: readonly SecretTarget[] = ['none', 'repository', 'environment', 'organization']
const VISIBILITIES: readonly OrganizationSecretVisibility[] = ['private', 'all', 'selected']
const KEY_SIZES = ['2048', '3072', '4096'] as const
const ENCRYPTIONS: readonly PfxEncryption[] = ['aes256', '3des']
const CREDENTIALS: readonly CredentialKind[] = ['certificate', 'federated']

/** Inputs whose values are secrets: masked before anything else happens. */
export const SECRET_INPUTS = [
  'client-secret',
  'client-certificate',
  'client-certificate-password',
  'pfx-base64',
  'pfx-password',
  'github-token'
] as const


/** Validity above this often exceeds what tenant app-management policies allow. */
const LONG_VALIDITY_DAYS = 730

/** Upper end of `revoke-previous`: a year of grace. */
const MAX_REVOKE_PREVIOUS_HOURS = 8760

/**
 * Reads and validates every input. Throws a UserError naming the input on the first
 * problem, before any file or network I/O. The inputs are parsed here; the ones that carry
 * a certificate are then opened by `credential-inputs.ts`. `env` gives the runner's
 * variables (RUNNER_TEMP, GITHUB_REPOSITORY, GITHUB_API_URL); `now` decides expiry checks.
 */
export function readSettings(source: InputSource, env: NodeJS.ProcessEnv, now: Date): SettingsResult {
  for (const name of SECRET_INPUTS) maskSecret(source, source.get(name))
  const warnings: string[] = []
  const input = (name: string): string => source.get(name).trim()

  const mode = parseChoice('mode', input('mode') || 'provision', MODES)
  const credential = readCredential(source, mode, env)
  const cloudName = parseChoice('cloud', input('cloud') || 'global', CLOUD_NAMES)
  const cloud = resolveCloud(cloudName, {
    authorityHost: input('authority-host')
      ? parseHttpsUrl('authority-host', input('authority-host'), 'https://login.microsoftonline.com')
      : undefined,
    graphEndpoint: input('graph-endpoint')
      ? parseHttpsUrl('graph-endpoint', input('graph-endpoint'), 'https://graph.microsoft.com')
      : undefined
  })

  const tenantId = readTenantId(input('tenant-id'), mode, credential.kind)
  const organization = readOrganization(input('organization'), mode, cloud.initialDomainSuffix)
  const appId = input('app-id') ? parseGuid('app-id', input('app-id'), 'the Application (client) ID of the app') : undefined
  if (mode === 'connect' && appId === undefined) {
    throw new UserError(
      "Input 'app-id' is required in connect mode: pass the Application (client) ID of the app, e.g. app-id: ${{ secrets.EXO_APP_ID }}.",
      { input: 'app-id' }
    )
  }
  const appName = readAppName(input('app-name') || 'EXO Background Process')
  const roles = readRoles(source.get('roles') || 'Exchange Administrator')

  const signIn = readSignIn(source, mode)

  const validityDays = parseInteger('cert-validity-days', input('cert-validity-days') || '365', 1, 3650)
  if (validityDays > LONG_VALIDITY_DAYS) {
    warnings.push(
      `cert-validity-days is ${validityDays}: tenant app-management policies often cap certificate lifetimes (commonly at 2 years or less), and Graph then rejects the certificate. Rotation makes long lifetimes unnecessary.`
    )
  }
  const keySize = Number(parseChoice('cert-key-size', input('cert-key-size') || '2048', KEY_SIZES)) as KeySize
  const subject = readSubject(input('cert-subject') || `CN=${appName}`)
  const encryption = parseChoice('pfx-encryption', input('pfx-encryption') || 'aes256', ENCRYPTIONS)
  const rotateBeforeDays = parseInteger('rotate-before-days', input('rotate-before-days') || '30', 0, 3650)
  if (rotateBeforeDays >= validityDays) {
    throw new UserError(
      `Input 'rotate-before-days' (${rotateBeforeDays}) must be less than 'cert-validity-days' (${validityDays}), otherwise every new certificate would be due for rotation at once.`,
      { input: 'rotate-before-days' }
    )
  }

  const repair = parseBoolean('repair', input('repair') || 'false')
  const revokePreviousAfterHours = readRevokePrevious(input('revoke-previous') || '24')

  const secrets = readSecrets(source, env)
  const held = credential.kind === 'certificate' ? readHeldCertificate(source, mode, now, warnings, secrets.target) : undefined
  if (credential.kind === 'federated' && source.get('pfx-base64').trim() !== '') {
    warnings.push(
      "pfx-base64 is ignored with credential: federated: jobs sign in with their GitHub OIDC token, and no certificate is made or used. Once every job uses credential: federated, drop pfx-base64 and pfx-password from the workflows and delete the stored certificate secrets."
    )
  }
  if (mode === 'connect' && secrets.target !== 'none') {
    warnings.push("secret-target is ignored in connect mode: connect mode stores nothing, it only uses the certificate it is given.")
  }

  const verifyEnabled = parseBoolean('verify', input('verify') || 'true')
  const verifyTimeout = parseInteger('verify-timeout-seconds', input('verify-timeout-seconds') || '180', 0, 3600)
  const dryRun = parseBoolean('dry-run', input('dry-run') || 'false')
  const connectIppsSession = parseBoolean('connect-ippssession', input('connect-ippssession') || 'false')

  const runnerTemp = env.RUNNER_TEMP?.trim() || tmpdir()
  const connectScriptPath = readConnectScriptPath(input('connect-script-path'), runnerTemp, env)

  return {
    settings: {
      mode,
      tenantId,
      organization,
      app: { id: appId, name: appName },
      roles,
      credential,
      cloud,
      signIn,
      newCertificate: { subject, keySize, validityDays, encryption },
      rotateBeforeDays,
      repair,
      revokePreviousAfterHours,
      held,
      heldInputs: { pfxBase64: source.get('pfx-base64').trim() !== '', pfxPassword: source.get('pfx-password') !== '' },
      secrets,
      verify: { enabled: verifyEnabled, timeoutSeconds: verifyTimeout },
      dryRun,
      connectScriptPath,
      connectIppsSession,
      runnerTemp
    },
    warnings
  }
}

function readTenantId(value: string, mode: Mode, credential: CredentialKind): string | undefined {
  if (value === '') {
    if (mode === 'provision') {
      throw new UserError(
        "Input 'tenant-id' is required in provision mode: the Directory (tenant) ID GUID, or a verified domain of the tenant such as contoso.onmicrosoft.com.",
        { input: 'tenant-id' }
      )
    }
    if (credential === 'federated') {
      throw new UserError(
        "Input 'tenant-id' is required in connect mode with credential: federated: the job signs in to the tenant's token endpoint, e.g. tenant-id: ${{ secrets.EXO_TENANT_ID }}.",
        { input: 'tenant-id' }
      )
    }
    return undefined
  }
  if (isGuid(value)) return value.toLowerCase()
  if (isDomain(value)) return value.toLowerCase()
  throw new UserError(
    `Input 'tenant-id' must be the Directory (tenant) ID GUID or a verified domain of the tenant (e.g. contoso.onmicrosoft.com); got ${shown(value)}.`,
    { input: 'tenant-id' }
  )
}

function readOrganization(value: string, mode: Mode, suffix: string): string | undefined {
  if (value === '') {
    if (mode === 'connect') {
      throw new UserError(
        `Input 'organization' is required in connect mode: the tenant's primary ${suffix} domain, e.g. organization: \${{ secrets.EXO_ORGANIZATION }}.`,
        { input: 'organization' }
      )
    }
    return undefined
  }
  const lower = value.toLowerCase()
  if (!isDomain(lower) || !lower.endsWith(suffix) || lower.length === suffix.length) {
    throw new UserError(
      `Input 'organization' must be the tenant's primary ${suffix} domain (e.g. contoso${suffix}), which Connect-ExchangeOnline -Organization requires; got ${shown(value)}. Leave it empty in provision mode to discover it.`,
      { input: 'organization' }
    )
  }
  return lower
}

function readAppName(value: string): string {
  // Graph allows long names, but the name also becomes the certificate subject and part of
  // the app's uniqueName; control characters would corrupt logs and the connect script.
  if (value.length > 120 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new UserError(
      `Input 'app-name' must be a display name of at most 120 characters without control characters; got ${shown(value)}.`,
      { input: 'app-name' }
    )
  }
  return value
}

function readRoles(value: string): DirectoryRole[] {
  const names = parseList(value)
  if (names.length === 1 && names[0].toLowerCase() === 'none') return []
  if (names.length === 0) {
    throw new UserError("Input 'roles' is empty: name at least one directory role, or 'none'.", { input: 'roles' })
  }
  const roles: DirectoryRole[] = []
  for (const name of names) {
    const role = findDirectoryRole(name)
    if (role === undefined) {
      throw new UserError(
        `Input 'roles' names ${shown(name)}, which is not a directory role that Exchange Online supports for app-only access. Use display names or template ids of: ${SUPPORTED_DIRECTORY_ROLES.map(r => r.displayName).join(', ')} — or 'none' when you grant access through Exchange role groups instead.`,
        { input: 'roles' }
      )
    }
    if (!roles.includes(role)) roles.push(role)
  }
  return roles
}

/**
 * GitHub OIDC subjects are at most 600 characters in Entra. The action writes exact subjects:
 * Entra's flexible federated identity credentials (claims matching expressions, in preview)
 * are not what it makes, so wildcards and whitespace are refused.
 */
const SUBJECT_MAX = 600

/** Entra's recommended audience for workload identity federation (entra-docs workload-id/workload-identity-federation-create-trust.md). */
export const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange'

function readCredential(source: InputSource, mode: Mode, env: NodeJS.ProcessEnv): CredentialSettings {
  const kind = parseChoice('credential', source.get('credential').trim() || 'certificate', CREDENTIALS)
  const subjects = parseList(source.get('federated-subjects'))
  const issuerValue = source.get('federated-issuer').trim()
  const audienceValue = source.get('federated-audience').trim()
  const allowUnprotectedSubjects = parseBoolean(ALLOW_UNPROTECTED_INPUT, source.get(ALLOW_UNPROTECTED_INPUT).trim() || 'false')
  if (kind === 'certificate') {
    const given = subjects.length > 0 ? 'federated-subjects' : issuerValue !== '' ? 'federated-issuer' : audienceValue !== '' ? 'federated-audience' : allowUnprotectedSubjects ? ALLOW_UNPROTECTED_INPUT : undefined
    if (given !== undefined) {
      throw new UserError(
        `Input '${given}' needs credential: federated (like federated-subjects, federated-issuer and federated-audience); with credential: certificate jobs sign in with the stored certificate.`,
        { input: given }
      )
    }
    return { kind }
  }
  for (const subject of subjects) {
    if (subject.length > SUBJECT_MAX || /[\s*\u0000-\u001f]/.test(subject) || !subject.includes(':')) {
      throw new UserError(
        `Input 'federated-subjects' lists ${shown(subject)}, which is not a GitHub OIDC subject: use the exact subject of the jobs' tokens, such as repo:contoso/exo-jobs:environment:prod (at most ${SUBJECT_MAX} characters; the action writes exact subjects, no wildcards).`,
        { input: 'federated-subjects' }
      )
    }
    if (!allowUnprotectedSubjects && scopeOfSubject(subject).context.kind === 'pull-request') {
      throw new UserError(listedPullRequestRefusal(subject), { input: 'federated-subjects' })
    }
  }
  if (mode === 'connect' && subjects.length > 0) {
    throw new UserError(
      "Input 'federated-subjects' is for provision mode (it sets which jobs may sign in); in connect mode the job signs in with its own token.",
      { input: 'federated-subjects' }
    )
  }
  const issuer = issuerValue === '' ? undefined : parseHttpsUrl('federated-issuer', issuerValue, GITHUB_ACTIONS_ISSUER)
  const audience = readFederatedAudience(audienceValue, source.get('audience').trim() || DEFAULT_AUDIENCE)
  if (mode === 'provision' && subjects.length === 0 && !canRequestGitHubIdToken(env)) {
    throw new UserError(noSubjectsWithoutOidcToken(), { input: 'federated-subjects' })
  }
  return { kind, subjects, ...(issuer === undefined ? {} : { issuer }), audience, allowUnprotectedSubjects }
}

/** With federated-subjects empty the app trusts this job's own subject, read from its OIDC token. */
export function noSubjectsWithoutOidcToken(): string {
  return "Input 'federated-subjects' is empty, so the Exchange app would trust this job's own GitHub OIDC subject, but this job cannot request an OIDC token: add `permissions: id-token: write` to the job, or list the subjects of the jobs that connect in federated-subjects (e.g. repo:contoso/exo-jobs:environment:prod)."
}

/**
 * `federated-audience`, or the default. Until this input existed `audience` set the Exchange
 * app's credentials too: a non-default `audience` without `federated-audience` is refused
 * rather than silently moving what the app trusts (or what connect jobs present).
 */
function readFederatedAudience(value: string, provisioningAudience: string): string {
  if (value === '') {
    if (provisioningAudience !== DEFAULT_AUDIENCE) {
      throw new UserError(
        `Input 'audience' is '${provisioningAudience}', and with credential: federated it no longer sets the Exchange app's federated credentials: 'audience' is now the provisioning identity's alone, and 'federated-audience' (default ${DEFAULT_AUDIENCE}) the jobs'. Set federated-audience: ${provisioningAudience} to keep what the app trusts and what its jobs present, or federated-audience: ${DEFAULT_AUDIENCE} to move them (in provision and connect workflows alike).`,
        { input: 'federated-audience' }
      )
    }
    return DEFAULT_AUDIENCE
  }
  if (value.length > SUBJECT_MAX || /[\s\u0000-\u001f]/.test(value)) {
    throw new UserError(`Input 'federated-audience' must be one audience of at most ${SUBJECT_MAX} characters without spaces, such as ${DEFAULT_AUDIENCE}; got ${shown(value)}.`, {
      input: 'federated-audience'
    })
  }
  return value
}

function readSubject(value: string): string {
  // The certificate engine parses distinguished names; this only turns its complaint into
  // a sentence about the input. A CN is required: Entra and Windows show certificates by it.
  let attributes: ReturnType<typeof parseSubject>
  try {
    attributes = parseSubject(value)
  } catch (error) {
    throw new UserError(
      `Input 'cert-subject' must be a distinguished name with a CN, such as 'CN=EXO Background Process' or 'CN=exo-jobs, O=Contoso' (${(error as Error).message}); got ${shown(value)}.`,
      { input: 'cert-subject' }
    )
  }
  if (value.length > 200 || !attributes.some(attribute => attribute.shortName.toUpperCase() === 'CN')) {
    throw new UserError(
      `Input 'cert-subject' must be a distinguished name of at most 200 characters with a CN, such as 'CN=EXO Background Process'; got ${shown(value)}.`,
      { input: 'cert-subject' }
    )
  }
  return value.trim()
}

function readSignIn(source: InputSource, mode: Mode): Settings['signIn'] {
  const clientIdValue = source.get('client-id').trim()
  const clientSecret = source.get('client-secret').trim() || undefined
  const certificateValue = source.get('client-certificate').trim()
  const audience = source.get('audience').trim() || DEFAULT_AUDIENCE
  const clientId = clientIdValue
    ? parseGuid('client-id', clientIdValue, 'the Application (client) ID of the provisioning identity')
    : undefined
  if (mode === 'provision' && clientId === undefined) {
    throw new UserError(
      "Input 'client-id' is required in provision mode: the Application (client) ID of the identity that provisions the app (with a federated credential for this repository, a client-secret or a client-certificate).",
      { input: 'client-id' }
    )
  }
  if (clientSecret !== undefined && certificateValue !== '') {
    throw new UserError(
      "Inputs 'client-secret' and 'client-certificate' are both set: give only one way for the provisioning identity to sign in (or neither, to use GitHub OIDC).",
      { input: 'client-secret' }
    )
  }
  if (clientSecret !== undefined) return { method: 'client-secret', clientId, clientSecret, audience }
  if (certificateValue !== '') {
    const certificate = openClientCertificate(source, certificateValue, source.get('client-certificate-password'))
    return {
      method: 'client-certificate',
      clientId,
      clientCertificatePem: certificate.pem,
      ...(certificate.password === undefined ? {} : { clientCertificatePassword: certificate.password }),
      audience
    }
  }
  return { method: 'github-oidc', clientId, audience }
}

function readHeldCertificate(
  source: InputSource,
  mode: Mode,
  now: Date,
  warnings: string[],
  secretTarget: SecretTarget
): HeldCertificate | undefined {
  const pfxBase64 = source.get('pfx-base64').trim()
  const password = source.get('pfx-password')
  if (pfxBase64 === '') {
    if (mode === 'connect') {
      throw new UserError(
        "Input 'pfx-base64' is required in connect mode: pass the certificate the provision run stored, e.g. pfx-base64: ${{ secrets.EXO_CERT_PFX_BASE64 }} with pfx-password: ${{ secrets.EXO_CERT_PASSWORD }} (or use credential: federated, which needs no certificate).",
        { input: 'pfx-base64' }
      )
    }
    if (password !== '') warnings.push("pfx-password is set but pfx-base64 is empty: is the EXO_CERT_PFX_BASE64 secret missing?")
    return undefined
  }
  // The PFX and its password are two secrets written one after the other: a run
  // interrupted between the two writes (a cancelled job, a GitHub outage) leaves a pair
  // that does not match. Only provision mode storing secrets can repair that, by making a
  // new certificate and writing all six secrets again; refusing would leave the
  // repository stuck until someone fixes the secrets by hand.
  const repairable = mode === 'provision' && secretTarget !== 'none'
  const opened = openHeldCertificate(source, { pfxBase64, password, mode, repairable }, now)
  warnings.push(...opened.warnings)
  return opened.held
}

function readRevokePrevious(value: string): number | undefined {
  if (value.toLowerCase() === 'never') return undefined
  if (!/^\d+$/.test(value) || Number(value) > MAX_REVOKE_PREVIOUS_HOURS) {
    throw new UserError(
      `Input 'revoke-previous' must be a whole number of hours from 0 to ${MAX_REVOKE_PREVIOUS_HOURS} (how long the current certificate must have been on the app before the earlier ones are removed), or 'never'; got ${shown(value)}.`,
      { input: 'revoke-previous' }
    )
  }
  return Number(value)
}

function readSecrets(source: InputSource, env: NodeJS.ProcessEnv): Settings['secrets'] {
  const input = (name: string): string => source.get(name).trim()
  const target = parseChoice('secret-target', input('secret-target') || 'none', SECRET_TARGETS)
  const prefix = input('secret-prefix') || 'EXO_'
  const prefixProblem = validateSecretPrefix(prefix)
  if (prefixProblem !== undefined) {
    throw new UserError(
      `Input 'secret-prefix' must start valid GitHub secret names, such as EXO_ or CONTOSO_EXO_; got ${shown(prefix)}. ${prefixProblem}`,
      { input: 'secret-prefix' }
    )
  }
  const environment = input('secret-environment') || undefined
  const githubToken = input('github-token') || undefined
  // No default: a PFX that signs in as an Exchange admin must not reach every private
  // repository of an organization because nobody chose. Empty keeps what is stored.
  const visibility = input('secret-visibility') ? parseChoice('secret-visibility', input('secret-visibility'), VISIBILITIES) : undefined
  const selectedRepositories = parseList(source.get('secret-repositories'))
  const apiUrl = (env.GITHUB_API_URL?.trim() || 'https://api.github.com').replace(/\/+$/, '')

  const repositoryValue = input('repository') || env.GITHUB_REPOSITORY?.trim() || ''
  let repository: Settings['secrets']['repository']
  if (repositoryValue !== '') {
    const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(repositoryValue)
    if (match === null) {
      throw new UserError(`Input 'repository' must be owner/name, e.g. contoso/exo-jobs; got ${shown(repositoryValue)}.`, {
        input: 'repository'
      })
    }
    repository = { owner: match[1], repo: match[2] }
  }

  if (target !== 'none') {
    if (githubToken === undefined) {
      throw new UserError(
        `Input 'github-token' is required with secret-target: ${target}. The workflow's GITHUB_TOKEN cannot write Actions secrets: use a fine-grained personal access token with "Secrets: Read and write" or a GitHub App installation token (actions/create-github-app-token).`,
        { input: 'github-token' }
      )
    }
    if (repository === undefined) {
      throw new UserError(
        `Input 'repository' is needed with secret-target: ${target} outside GitHub Actions (GITHUB_REPOSITORY is not set): pass owner/name.`,
        { input: 'repository' }
      )
    }
  }
  if (target === 'environment' && environment === undefined) {
    throw new UserError(
      "Input 'secret-environment' is required with secret-target: environment: name the GitHub environment (Settings → Environments) whose secrets are written.",
      { input: 'secret-environment' }
    )
  }
  if (target === 'organization' && visibility === 'selected' && selectedRepositories.length === 0) {
    throw new UserError(
      "Input 'secret-repositories' is required with secret-visibility: selected: list the repositories (names in the organization) that may use the secrets.",
      { input: 'secret-repositories' }
    )
  }
  if (target === 'organization' && visibility !== 'selected' && selectedRepositories.length > 0) {
    // Without this the list would be ignored and the secrets written with another visibility.
    throw new UserError(
      `Input 'secret-repositories' needs secret-visibility: selected (it is ${visibility === undefined ? 'empty' : `'${visibility}'`}): add secret-visibility: selected so only the listed repositories can use the secrets.`,
      { input: 'secret-repositories' }
    )
  }
  return { target, environment, prefix: prefix.toUpperCase(), githubToken, repository, visibility, selectedRepositories, apiUrl }
}

function readConnectScriptPath(value: string, runnerTemp: string, env: NodeJS.ProcessEnv): string {
  if (value === '') return join(runnerTemp, 'exo-cba', 'Connect-ExoCba.ps1')
  if (/[\u0000-\u001f]/.test(value) || !value.toLowerCase().endsWith('.ps1')) {
    throw new UserError(`Input 'connect-script-path' must be a file path ending in .ps1; got ${shown(value)}.`, {
      input: 'connect-script-path'
    })
  }
  return isAbsolute(value) ? value : resolve(env.GITHUB_WORKSPACE?.trim() || process.cwd(), value)
}
