/**
 * What "converged" means for the suite: the tenant and the stored secrets are in the
 * state a user relies on. Each check returns a sentence per problem; none means converged.
 */
import type { Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { readPfx } from '../../src/certificate/index.js'
import { EXCHANGE_ROLE_ID } from './known-ids.js'

export interface Expectation {
  appName: string
  /** Directory role template ids the app's service principal must hold. */
  roleTemplateIds: string[]
  /** Thumbprints of certificates someone else put on the app: they must all still be there. */
  foreignThumbprints?: string[]
  /** The certificate that worked before this scenario: it must stay until it expires. */
  previousThumbprint?: string
  /** Expired certificates (other than foreign ones) must have been pruned from the app. */
  pruneExpired?: boolean
  /** Whether the six secrets must be stored and agree with the app. */
  secrets: boolean
  prefix?: string
}

export interface StoredCertificate {
  thumbprint: string
  pfxBase64: string
  password: string
}

const scope = { kind: 'repository' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }

/** The six secrets as stored in the emulated repository (empty strings when missing). */
export function storedSecrets(emulator: Emulator, prefix = 'EXO_'): Record<string, string> {
  const names = ['APP_ID', 'TENANT_ID', 'ORGANIZATION', 'CERT_THUMBPRINT', 'CERT_PFX_BASE64', 'CERT_PASSWORD']
  return Object.fromEntries(names.map(name => [name, emulator.github.secretValue(scope, `${prefix}${name}`) ?? '']))
}

export function appsNamed(emulator: Emulator, appName: string) {
  return [...emulator.tenant.applications.values()].filter(app => app.displayName === appName)
}

/** Every problem with the end state; an empty list means converged. */
export function endStateProblems(emulator: Emulator, expected: Expectation, now = new Date()): string[] {
  const problems: string[] = []
  const { tenant } = emulator
  const apps = appsNamed(emulator, expected.appName)
  if (apps.length !== 1) return [`${apps.length} apps named ${JSON.stringify(expected.appName)} (expected exactly one)`]
  const app = apps[0]
  const sps = [...tenant.servicePrincipals.values()].filter(sp => sp.appId === app.appId)
  if (sps.length !== 1) problems.push(`${sps.length} service principals for the app (expected one)`)
  const sp = sps[0]
  if (!app.requiredResourceAccess.some(r => r.resourceAppId === tenant.exchangeServicePrincipal.appId && r.resourceAccess.some(a => a.id === EXCHANGE_ROLE_ID))) {
    problems.push('the app does not request Exchange.ManageAsApp (requiredResourceAccess)')
  }
  if (sp !== undefined) {
    // Written is what counts here: replication decides only when a token carries it.
    const granted = tenant.appRoleAssignments.some(a => a.principalId === sp.id && a.resourceId === tenant.exchangeServicePrincipal.id && a.appRoleId === EXCHANGE_ROLE_ID)
    if (!granted) problems.push('Exchange.ManageAsApp is not granted (no admin consent)')
    for (const templateId of expected.roleTemplateIds) {
      const definition = tenant.roleDefinition(templateId)
      const assigned = tenant.roleAssignments.some(a => a.principalId === sp.id && (a.roleDefinitionId === templateId || a.roleDefinitionId === definition?.id))
      if (!assigned) problems.push(`directory role ${definition?.displayName ?? templateId} is not assigned`)
    }
  }
  const onApp = new Map(app.keyCredentials.map(k => [String(k.customKeyIdentifier).toUpperCase(), k]))
  for (const thumbprint of expected.foreignThumbprints ?? []) {
    if (!onApp.has(thumbprint.toUpperCase())) problems.push(`a certificate this action did not make (${thumbprint}) was removed from the app`)
  }
  if (expected.previousThumbprint !== undefined) {
    const previous = onApp.get(expected.previousThumbprint.toUpperCase())
    if (previous === undefined) problems.push(`the previously working certificate ${expected.previousThumbprint} was removed before its expiry`)
  }
  if (expected.pruneExpired) {
    const foreign = new Set((expected.foreignThumbprints ?? []).map(t => t.toUpperCase()))
    const expired = app.keyCredentials.filter(k => new Date(k.endDateTime) <= now && !foreign.has(String(k.customKeyIdentifier).toUpperCase()))
    if (expired.length > 0) problems.push(`${expired.length} expired certificate(s) this action made were not removed`)
  }
  if (expected.secrets) {
    const secrets = storedSecrets(emulator, expected.prefix)
    for (const [name, value] of Object.entries(secrets)) if (value === '') problems.push(`secret ${name} is missing`)
    if (secrets.APP_ID !== '' && secrets.APP_ID !== app.appId) problems.push('secret APP_ID names another app')
    if (secrets.TENANT_ID !== '' && secrets.TENANT_ID !== tenant.tenantId) problems.push('secret TENANT_ID names another tenant')
    if (secrets.ORGANIZATION !== '' && secrets.ORGANIZATION !== tenant.initialDomain) problems.push('secret ORGANIZATION is not the initial domain')
    if (secrets.CERT_PFX_BASE64 !== '') {
      try {
        const held = readPfx(secrets.CERT_PFX_BASE64, secrets.CERT_PASSWORD)
        if (secrets.CERT_THUMBPRINT !== '' && held.thumbprint.toUpperCase() !== secrets.CERT_THUMBPRINT.toUpperCase()) problems.push('secret CERT_THUMBPRINT is not the thumbprint of the stored PFX')
        const credential = onApp.get(held.thumbprint.toUpperCase())
        if (credential === undefined) problems.push(`the stored certificate ${held.thumbprint} is not on the app: jobs cannot sign in`)
        else if (new Date(credential.endDateTime) <= now) problems.push(`the stored certificate ${held.thumbprint} is expired on the app`)
      } catch (error) {
        problems.push(`the stored PFX does not open with the stored password (${(error as Error).message})`)
      }
    }
  }
  // Every run ended (the post step runs even after a kill): none may still hold the lease,
  // or the next run would wait for it to go stale.
  if (leaseLeftBehind(emulator, expected.prefix)) problems.push('the provisioning lease was left behind')
  return problems
}

/** True while the repository holds the provisioning lease secret (`<prefix>LEASE`). */
export function leaseLeftBehind(emulator: Emulator, prefix = 'EXO_'): boolean {
  return emulator.github.secretValue(scope, `${prefix}LEASE`) !== undefined
}

/** The certificate the repository's secrets hold now (for a rotation scenario's "previous"). */
export function storedCertificate(emulator: Emulator, prefix = 'EXO_'): StoredCertificate {
  const secrets = storedSecrets(emulator, prefix)
  return { thumbprint: secrets.CERT_THUMBPRINT, pfxBase64: secrets.CERT_PFX_BASE64, password: secrets.CERT_PASSWORD }
}
