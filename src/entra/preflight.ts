/**
 * The preflight: before the first write, decide from the provisioning identity's own Graph
 * token (its `roles` and `wids` claims) whether it can carry out every change the plan
 * needs. A run that cannot finish writes nothing and names everything missing at once.
 *
 * Pure: plain data in (what the plan needs, what the token and the identity's own directory
 * entries say), a verdict out; the same report fills the log, the dry run and the error.
 * Three answers, because a token cannot show everything: `granted`, `missing` (certain), and
 * `unknown` (custom directory roles, a token without `wids`): then the run goes on as before
 * and a refusal is explained where it happens.
 */
import { UserError } from '../errors.js'
import { grantInstructions, ownerInstructions, type GrantTarget } from './grant-commands.js'
import {
  ADMIN_DIRECTORY_ROLES,
  CAPABILITY_RULES,
  DEFAULT_APP_ONLY_WID,
  type Capability,
  type GraphPermission
} from './graph-permissions.js'
import type { Plan } from './plan.js'
import type { DirectoryRoleAssignment, RefusedRead } from './tenant-state.js'
import { EXCHANGE_MANAGE_AS_APP } from './well-known.js'

/** What the identity's Graph token says about it (no extra request: it is decoded locally). */
export interface IdentityClaims {
  /** Object id of its service principal (`oid`). */
  servicePrincipalId?: string
  /** Application permissions granted to it, by value (`roles`); empty when the claim is absent. */
  roles: string[]
  /**
   * Template ids of the built-in directory roles it holds over the whole directory (`wids`),
   * lower-case; undefined when the token has no `wids` claim (then its roles are unknown).
   */
  wids?: string[]
}

/** What the preflight knows of the identity: its token, and its own directory entries when they were read. */
export interface IdentityEvidence {
  claims: IdentityClaims
  /** Object ids of what it owns; undefined when not read or refused. */
  ownedObjectIds?: readonly string[]
  /** Its own directory role assignments, custom and scoped ones included; undefined when not read or refused. */
  roleAssignments?: readonly DirectoryRoleAssignment[]
}

/** One piece of work the run will do, and what it needs. */
export interface Need {
  capability: Capability
  /** In words, e.g. `assign the directory role Exchange Administrator`. */
  task: string
  /**
   * Work the run can do without (removing expired or superseded certificates): when it is all
   * a missing capability is needed for, the run skips it with a warning instead of stopping.
   */
  bestEffort?: boolean
  /**
   * Best-effort for the preflight, but not skipped (removing a federated credential this action
   * no longer wants): it stays in the plan and is tried last, after everything else is done and
   * stored; when Graph refuses it, the job fails naming the credential (removeFederatedCredentials).
   * A federated credential never expires, so a run must not end green while one it should
   * remove still lets its subject sign in; but that is no reason to stop a rotation first.
   */
  triedLast?: boolean
}

export type Verdict = 'granted' | 'missing' | 'unknown'

export interface Requirement {
  capability: Capability
  /** The tasks that need it, in plan order. */
  tasks: string[]
  verdict: Verdict
  /** Why this verdict, in words. */
  because: string
  /** When missing: the Microsoft Graph application permission to grant (least privilege). */
  grant?: GraphPermission
  /** When missing because Application.ReadWrite.OwnedBy does not cover this existing app: the app. */
  notOwned?: ExistingApp
  /** Every task that needs it is best-effort: when missing, those tasks are skipped and the run goes on. */
  bestEffort?: boolean
  /** Of `tasks`, those tried anyway, last (Need.triedLast): not skipped when the requirement is. */
  triedLast?: string[]
}

export interface PreflightReport {
  requirements: Requirement[]
  /** The requirements that are certainly missing: the run must not start writing. */
  missing: Requirement[]
  /**
   * Missing, but needed only for best-effort tasks, in a run that can otherwise finish: those
   * tasks are left out (withoutSkippedTasks) and a warning says how to allow them.
   */
  skipped: Requirement[]
  ok: boolean
}

export interface ExistingApp {
  objectId: string
  appId: string
  displayName: string
}

/** The capabilities in words, for the log. */
export const CAPABILITY_NAMES: Record<Capability, string> = {
  'manage-app': 'change the app registration and its service principal',
  'grant-consent': 'grant admin consent',
  'assign-role': 'assign directory roles',
  'read-tenant': 'read app registrations and service principals',
  'read-organization': "read the organization's domains"
}

/**
 * Which of the identity's own directory entries the first read should also fetch, decided
 * from the token alone before that read (they ride in the same `$batch`, so they cost no round
 * trip): its owned objects when Application.ReadWrite.OwnedBy is all it has to change apps,
 * and its role assignments when a custom role could be what allows a change.
 */
export function identityReadsFor(claims: IdentityClaims): { ownedObjects: boolean; roleAssignments: boolean } {
  if (claims.servicePrincipalId === undefined || claims.wids === undefined) return { ownedObjects: false, roleAssignments: false }
  const settled = (capability: Capability) => grantedBy(capability, claims) !== undefined
  const manageApp = settled('manage-app')
  return {
    ownedObjects: !manageApp && claims.roles.includes('Application.ReadWrite.OwnedBy'),
    roleAssignments: !manageApp || !settled('grant-consent')
  }
}

/** Every change of the plan as the capability it needs. Organization discovery is a read and comes in as a refused read. */
export function needsOfPlan(plan: Plan): Need[] {
  const app = `"${plan.app.displayName}"`
  const needs: Need[] = []
  for (const change of plan.changes) {
    switch (change.kind) {
      case 'create-app':
        needs.push({ capability: 'manage-app', task: `create the app ${app}` })
        break
      case 'set-required-resource-access':
        needs.push({ capability: 'manage-app', task: `request ${EXCHANGE_MANAGE_AS_APP} on the app ${app}` })
        break
      case 'create-service-principal':
        needs.push({ capability: 'manage-app', task: `create the service principal of ${app}` })
        break
      case 'add-certificate':
        // A rotation adds the new certificate with addKey, proven by the held certificate:
        // Graph asks no permission for that (application-addkey.md).
        if (!(plan.certificate.decision === 'add-new' && plan.certificate.reason === 'held-expiring' && plan.certificate.held.daysLeft >= 0)) {
          needs.push({ capability: 'manage-app', task: `add the new certificate to ${app}` })
        }
        break
      case 'remove-expired-certificates':
        needs.push({ capability: 'manage-app', task: `remove the expired certificates of ${app}`, bestEffort: true })
        break
      case 'revoke-previous-certificates':
        needs.push({
          capability: 'manage-app',
          task: `remove the previous certificates of ${app} (revoke-previous; 'never' keeps them until they expire)`,
          bestEffort: true
        })
        break
      case 'add-federated-credential':
      case 'update-federated-credential':
        needs.push({ capability: 'manage-app', task: `set the federated credential for '${change.credential.subject}' on ${app}` })
        break
      case 'remove-federated-credential':
        // The same permission as adding one (federatedidentitycredential-delete.md: Application.ReadWrite.OwnedBy).
        // It must not stop a rotation that addKey can still do, but is not skipped either (Need.triedLast).
        needs.push({
          capability: 'manage-app',
          task: `remove the federated credential for '${change.credential.subject}' from ${app}`,
          bestEffort: true,
          triedLast: true
        })
        break
      case 'grant-exchange-manage-as-app':
        needs.push({ capability: 'grant-consent', task: `grant ${EXCHANGE_MANAGE_AS_APP} of Office 365 Exchange Online` })
        break
      case 'grant-security-and-compliance':
        needs.push({ capability: 'grant-consent', task: `grant ${EXCHANGE_MANAGE_AS_APP} of Microsoft Exchange Online Protection` })
        break
      case 'assign-directory-role':
        needs.push({ capability: 'assign-role', task: `assign the directory role ${change.role.displayName}` })
        break
    }
  }
  return needs
}

/**
 * What a first run on this tenant needs, for when the tenant could not be read and so there
 * is no plan: everything, so that one message names every permission the identity lacks.
 */
export function needsOfFirstRun(appName: string, roles: readonly { displayName: string }[]): Need[] {
  return [
    { capability: 'manage-app', task: `create the app "${appName}", its service principal and its certificate` },
    { capability: 'grant-consent', task: `grant ${EXCHANGE_MANAGE_AS_APP} of Office 365 Exchange Online` },
    ...roles.map(role => ({ capability: 'assign-role' as const, task: `assign the directory role ${role.displayName}` }))
  ]
}

/** The verdict for each capability the needs name, plus the reads Graph already refused. */
export function checkPreflight(
  needs: readonly Need[],
  evidence: IdentityEvidence,
  context: { app?: ExistingApp; refusedReads?: readonly RefusedRead[] } = {}
): PreflightReport {
  const requirements: Requirement[] = []
  for (const refused of context.refusedReads ?? []) {
    const existing = requirements.find(r => r.capability === refused.capability)
    if (existing !== undefined) {
      if (!existing.tasks.includes(refused.task)) existing.tasks.push(refused.task)
      continue
    }
    requirements.push({
      capability: refused.capability,
      tasks: [refused.task],
      verdict: 'missing',
      because: `Microsoft Graph refused ${refused.request} (403)`,
      grant: CAPABILITY_RULES[refused.capability].grant
    })
  }
  const capabilities = [...new Set(needs.map(need => need.capability))]
  for (const capability of capabilities) {
    const needed = needs.filter(need => need.capability === capability)
    const bestEffort = needed.every(need => need.bestEffort === true) && !requirements.some(r => r.capability === capability)
    const triedLast = needed.filter(need => need.triedLast === true).map(need => need.task)
    requirements.push({
      capability,
      tasks: needed.map(need => need.task),
      ...evaluate(capability, evidence, context.app),
      ...(bestEffort ? { bestEffort } : {}),
      ...(triedLast.length > 0 ? { triedLast } : {})
    })
  }
  const certain = requirements.filter(requirement => requirement.verdict === 'missing')
  // A run that stops anyway names everything at once, so the next run does not stop or skip.
  const stops = certain.some(requirement => requirement.bestEffort !== true)
  const missing = stops ? certain : []
  const skipped = stops ? [] : certain
  return { requirements, missing, skipped, ok: missing.length === 0 }
}

/**
 * The plan without the best-effort changes the preflight skipped (expired and superseded
 * certificates stay on the app, marked `skipped` with the permission that would remove them),
 * so the dry run, apply and the summary agree with what runs.
 */
export function withoutSkippedTasks(plan: Plan, report: PreflightReport): Plan {
  const appManagement = report.skipped.find(requirement => requirement.capability === 'manage-app')
  if (appManagement === undefined) return plan
  const permission = `${appManagement.grant ?? 'Application.ReadWrite.All'}${appManagement.notOwned === undefined ? '' : ', or ownership of the app'}`
  // Both run after the phases (plan.prune, plan.revokePrevious), never inside one.
  const kept: Plan = {
    ...plan,
    changes: plan.changes.filter(change => change.kind !== 'remove-expired-certificates' && change.kind !== 'revoke-previous-certificates'),
    certificatesOnApp: plan.certificatesOnApp.map(certificate =>
      certificate.outcome === 'remove-expired' || certificate.outcome === 'revoke'
        ? { ...certificate, outcome: 'skipped' as const, skipped: { was: certificate.outcome, permission } }
        : certificate
    )
  }
  delete kept.prune
  delete kept.revokePrevious
  return kept
}

/**
 * The warning for skipped best-effort tasks: what stays undone, the federated removals still
 * tried (and how the job ends if they are refused), the permission, and how to grant it.
 */
export function skippedWarning(report: PreflightReport, target: GrantTarget): string | undefined {
  if (report.skipped.length === 0) return undefined
  const who = `The provisioning identity (client-id ${target.clientId ?? '<client-id>'})`
  const triedLast = report.skipped.flatMap(requirement => requirement.triedLast ?? [])
  const skipsCertificates = report.skipped.some(requirement => requirement.tasks.some(task => !triedLast.includes(task)))
  const opening = [
    `${who} may not change the app`,
    skipsCertificates
      ? ', so this run skipped what it can do without: the certificates stay on the app until they expire (a superseded one still signs in until then).'
      : '.',
    triedLast.length > 0
      ? ' The federated credentials this action no longer wants are still tried last, once everything else is done and stored: a federated credential never expires, ' +
        'so when Graph refuses, the job fails and names them with the command that removes them.'
      : '',
    ' It lacks:'
  ]
  const lines = [opening.join(''), ...report.skipped.map(requirement => `- ${missingSentence(requirement)}`)]
  const grants = [...new Set(report.skipped.flatMap(requirement => (requirement.grant === undefined ? [] : [requirement.grant])))]
  if (grants.length > 0) lines.push('To let the next run remove them, grant these Microsoft Graph application permissions (admin consent):', ...grantInstructions(grants, target))
  for (const requirement of report.skipped) {
    if (requirement.notOwned === undefined) continue
    lines.push(`Or keep Application.ReadWrite.OwnedBy and make the identity an owner of "${requirement.notOwned.displayName}":`, ...ownerInstructions(requirement.notOwned, target))
  }
  return lines.join('\n')
}

/**
 * The permissions to grant for what is missing, without one another's duplicates. When the
 * run stops anyway, what the token could not settle is granted in the same go, so the next
 * run does not stop at it.
 */
export function permissionsToGrant(report: PreflightReport): GraphPermission[] {
  const grants = new Set(
    [...report.missing, ...uncertain(report)].flatMap(requirement => (requirement.grant === undefined ? [] : [requirement.grant]))
  )
  // Any Application.ReadWrite.* permission reads apps too.
  if (grants.has('Application.ReadWrite.OwnedBy') || grants.has('Application.ReadWrite.All')) grants.delete('Application.Read.All')
  return [...grants]
}

/** The verdict in log lines (the plan's log group and the dry run print it). */
export function describePreflight(report: PreflightReport): string[] {
  if (report.requirements.length === 0) return ['Preflight: nothing to write, so no write permission is needed.']
  const mark: Record<Verdict, string> = { granted: 'ok     ', missing: 'MISSING', unknown: '?      ' }
  return [
    "Preflight (from the provisioning identity's Graph token, before any write):",
    ...report.requirements.map(
      requirement =>
        `  ${report.skipped.includes(requirement) ? 'SKIPPED' : mark[requirement.verdict]} ${CAPABILITY_NAMES[requirement.capability]} (${requirement.tasks.join('; ')}): ${requirement.because}`
    ),
    ...(report.skipped.length > 0 ? ['  SKIPPED = missing, but needed only for best-effort removals: the run goes on without them.'] : []),
    ...(report.skipped.some(requirement => (requirement.triedLast ?? []).length > 0)
      ? ['  Except federated credentials to remove: tried last; if Graph refuses, the job fails at the end, naming them.']
      : []),
    ...(report.requirements.some(requirement => requirement.verdict === 'unknown')
      ? ['  ? = cannot tell from the token; the run goes on, and a refusal is explained where it happens.']
      : [])
  ]
}

/** The error for a run that cannot finish: every missing permission, why, and how to grant it. */
export function preflightFailure(report: PreflightReport, target: GrantTarget, options: { dryRun?: boolean } = {}): UserError {
  const who = `The provisioning identity (client-id ${target.clientId ?? '<client-id>'})`
  const lines = [
    options.dryRun
      ? `${who} could not finish this run: a real run would stop before changing anything in the tenant. It lacks:`
      : `${who} cannot finish this run, so it stopped before changing anything in the tenant. It lacks:`,
    ...report.missing.map(requirement => `- ${missingSentence(requirement)}`)
  ]
  const maybe = uncertain(report)
  if (maybe.length > 0) {
    lines.push(
      'It may lack these too (its token cannot settle them; they are granted below as well, so the next run does not stop at them):',
      ...maybe.map(requirement => `- ${missingSentence(requirement)}`)
    )
  }
  const grants = permissionsToGrant(report)
  if (grants.length > 0) {
    lines.push('Grant these Microsoft Graph application permissions (admin consent), then run again (the next token carries them):', ...grantInstructions(grants, target))
  }
  for (const requirement of report.missing) {
    if (requirement.notOwned === undefined) continue
    lines.push(
      `Or keep Application.ReadWrite.OwnedBy and make the identity an owner of "${requirement.notOwned.displayName}":`,
      ...ownerInstructions(requirement.notOwned, target)
    )
  }
  return new UserError(lines.join('\n'))
}

/** The requirements the token could not settle. */
function uncertain(report: PreflightReport): Requirement[] {
  return report.requirements.filter(requirement => requirement.verdict === 'unknown')
}

function missingSentence(requirement: Requirement): string {
  const roles = CAPABILITY_RULES[requirement.capability].directoryRoles
  // A refused read was refused whatever the token says; and a role is no way round "not an owner".
  const orRole =
    requirement.because.startsWith('Microsoft Graph refused') || requirement.notOwned !== undefined || roles.length === 0
      ? ''
      : ` (or the ${roles.length === 1 ? roles[0] : `${roles.slice(0, -1).join(', ')} or ${roles[roles.length - 1]}`} role)`
  return `${requirement.grant ?? CAPABILITY_NAMES[requirement.capability]}${orRole}, needed to ${requirement.tasks.join('; ')}: ${requirement.because}.`
}

type Evaluation = Pick<Requirement, 'verdict' | 'because' | 'grant' | 'notOwned'>

function evaluate(capability: Capability, evidence: IdentityEvidence, app: ExistingApp | undefined): Evaluation {
  const { claims } = evidence
  const rule = CAPABILITY_RULES[capability]
  const allowedBy = grantedBy(capability, claims)
  if (allowedBy !== undefined) return { verdict: 'granted', because: allowedBy }

  let grant = rule.grant
  let notOwned: ExistingApp | undefined
  let lacking = `its token has no permission or admin role that allows it`
  if (capability === 'manage-app') {
    if (claims.roles.includes('Application.ReadWrite.OwnedBy')) {
      if (app === undefined) return { verdict: 'granted', because: 'Application.ReadWrite.OwnedBy in its token (it will own the app it creates)' }
      if (evidence.ownedObjectIds === undefined) {
        return { verdict: 'unknown', because: 'Application.ReadWrite.OwnedBy in its token, but whether it owns the app could not be read', grant: 'Application.ReadWrite.All' }
      }
      if (evidence.ownedObjectIds.some(id => sameId(id, app.objectId))) {
        return { verdict: 'granted', because: 'Application.ReadWrite.OwnedBy in its token, on an app it owns' }
      }
      notOwned = app
      lacking = `it has Application.ReadWrite.OwnedBy, which covers only apps it owns, and it is not an owner of "${app.displayName}" (appId ${app.appId})`
    }
    // An existing app it does not own: Application.ReadWrite.OwnedBy alone would not do.
    if (app !== undefined) grant = 'Application.ReadWrite.All'
  }

  if (claims.wids === undefined) return { verdict: 'unknown', because: `${lacking}, and the token has no wids claim, so its directory roles are unknown`, grant }
  if (rule.customRolesMayAllow) {
    if (evidence.roleAssignments === undefined) {
      return { verdict: 'unknown', because: `${lacking}; a custom directory role could allow it, and its role assignments could not be read`, grant }
    }
    const unexplained = evidence.roleAssignments.filter(
      assignment => !(assignment.directoryScopeId === '/' && claims.wids?.includes(assignment.roleDefinitionId.toLowerCase()))
    )
    if (unexplained.length > 0) {
      return {
        verdict: 'unknown',
        because: `${lacking}, but it holds directory roles the token does not show (custom or scoped: ${unexplained.map(a => a.roleDefinitionId).join(', ')})`,
        grant
      }
    }
  }
  return { verdict: 'missing', because: lacking, grant, ...(notOwned === undefined ? {} : { notOwned }) }
}

/** The permission or built-in role in the token that allows the capability outright, in words. */
function grantedBy(capability: Capability, claims: IdentityClaims): string | undefined {
  const rule = CAPABILITY_RULES[capability]
  const permission = rule.permissions.find(candidate => claims.roles.includes(candidate))
  if (permission !== undefined) return `${permission} in its token`
  const role = rule.directoryRoles.find(candidate => claims.wids?.includes(ADMIN_DIRECTORY_ROLES[candidate]))
  return role === undefined ? undefined : `the ${role} role in its token`
}

/** The token's claims as the preflight reads them (see IdentityClaims). */
export function identityClaimsOf(claims: { oid?: unknown; roles?: unknown; wids?: unknown }): IdentityClaims {
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])
  return {
    ...(typeof claims.oid === 'string' && claims.oid !== '' ? { servicePrincipalId: claims.oid } : {}),
    roles: strings(claims.roles),
    // The default app-only wid is not a role; keeping it would not change a verdict, dropping it keeps messages clean.
    ...(Array.isArray(claims.wids) ? { wids: strings(claims.wids).map(id => id.toLowerCase()).filter(id => id !== DEFAULT_APP_ONLY_WID) } : {})
  }
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
