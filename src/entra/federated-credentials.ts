/**
 * Federated identity credentials on the Exchange app (`credential: federated`): they let a
 * GitHub Actions job exchange its OIDC token for an app-only Exchange Online token, so no
 * certificate or secret is stored anywhere. Pure: names, matching and the plan of which to
 * add, update or remove; apply writes them.
 *
 * Unlike a certificate, a federated credential never expires: one left on the app trusts its
 * subject for good. So this action removes its own credentials that are no longer wanted
 * (a subject dropped from the list, or `credential: certificate`), and reports the ones it
 * did not make, which it never touches.
 *
 * Pipelines of different repositories or environments that keep the default app-name share
 * one app (issue 21). So, like a certificate, each credential records the secret sets
 * (github/secret-set.ts) of the pipelines that want it, in its description, and a run removes
 * only a credential no other set wants: never the one another pipeline's jobs sign in through.
 *
 * Entra's rules (entra-docs, workload-id/includes/federated-credential-configuration-considerations.md;
 * Graph application-post-federatedidentitycredentials.md): at most 20 per application; the
 * name is 3–120 characters of letters, digits, `-` and `_`, starting with a letter or digit,
 * unique on the app and immutable; issuer + subject are unique on the app; one audience
 * (`federated-audience`, by default `api://AzureADTokenExchange`). The action writes exact
 * subjects; Entra's flexible federated identity credentials (claim-matching expressions, in
 * preview) are not what it makes.
 */
import { createHash } from 'node:crypto'
import { UserError } from '../errors.js'
import { SECRET_SET_ID_PATTERN, type EarlierVersionScope, type RepositoryIdentity } from '../github/secret-set.js'
import { sameIssuer, scopeOfSubject, subjectNamesRepository } from './subject-scope.js'

export type { RepositoryIdentity } from '../github/secret-set.js'

/** Entra's limit of federated identity credentials per application. */
export const MAX_FEDERATED_CREDENTIALS = 20

/** Names of the credentials this action made start with this; it never touches any other. */
export const ACTION_FEDERATED_CREDENTIAL_PREFIX = 'exo-cba-'

/** One federated identity credential, as Graph returns it. */
export interface FederatedCredential {
  id?: string
  name: string
  issuer: string
  subject: string
  audiences: string[]
  description?: string | null
}

/** Graph's limit on a federated identity credential's description (federatedidentitycredential.md). */
export const FEDERATED_DESCRIPTION_MAX_LENGTH = 600

/**
 * Who this run is, for deciding which credentials are its own: its secret set, and where its
 * jobs run (repository, and environment for environment secrets), whose credentials made by
 * earlier versions (which recorded no set) it may count as its own (`earlierVersionsOf`;
 * absent: none, see claimsEarlierVersion).
 */
export interface FederatedPipeline {
  secretSet: string
  earlierVersionsOf?: EarlierVersionScope
}

/**
 * Whose a federated credential is: `this-set` (this pipeline's, perhaps shared with other sets:
 * `sets`), `other-set` (only other pipelines'), `earlier-version` (this action's, made before
 * credentials recorded their sets), `not-action` (someone else's).
 */
export type FederatedCredentialMaker =
  | { kind: 'this-set'; sets: string[] }
  | { kind: 'other-set'; sets: string[] }
  | { kind: 'earlier-version' }
  | { kind: 'not-action' }

/** What the app should trust: these subjects, from this issuer, for this audience. */
export interface DesiredFederation {
  subjects: readonly string[]
  issuer: string
  audience: string
}

export interface FederatedCredentialsPlan {
  /** One per desired subject: the credential jobs with that subject sign in through. */
  wanted: FederatedCredential[]
  /** Wanted credentials already on the app (by issuer and subject), any name. */
  present: FederatedCredential[]
  add: FederatedCredential[]
  /**
   * This action's credentials set again (name unchanged): `audience` — this pipeline's, for a
   * wanted subject, whose audience differs; `record-set` — for a wanted subject, made by an
   * earlier version or another pipeline: this run's set is added to its description, so no
   * other pipeline removes it while this one wants it; `leave` — shared with other sets and no
   * longer wanted here: this run's set comes off, the credential stays for the others.
   */
  update: Array<{ id: string; credential: FederatedCredential; why: 'audience' | 'record-set' | 'leave' }>
  /**
   * This pipeline's credentials no longer wanted (subjects no longer listed, or all of them with
   * `credential: certificate`) that no other set wants, and credentials of earlier versions this
   * run counts as its own (`earlierVersion`). Removed once the run's new state is in place.
   */
  remove: FederatedCredential[]
  /** Of `remove`, the names of those made by an earlier version (no set recorded). */
  earlierVersion: string[]
  /** Other pipelines' credentials (another set recorded) not wanted here: kept, reported; their runs remove them. */
  otherPipelines: FederatedCredential[]
  /**
   * Credentials made by an earlier version (no set recorded) not wanted here that this run cannot
   * tell are its own: kept, reported as warnings with the command to remove them.
   */
  unrecorded: FederatedCredential[]
  /**
   * Credentials someone else made (no `exo-cba-` prefix) for subjects not wanted here: never
   * touched, reported as warnings, since each still lets its subject sign in as the app.
   */
  foreign: FederatedCredential[]
}

/**
 * The credential's name for a subject: `exo-cba-<slug>-<hash>`, e.g.
 * `exo-cba-repo-contoso-exo-jobs-ref-refs-heads-main-1a2b3c4d`. The slug keeps it readable in
 * the portal; the hash (of the exact subject) keeps subjects that slug alike apart.
 */
export function federatedCredentialName(subject: string): string {
  const hash = createHash('sha256').update(subject, 'utf8').digest('hex').slice(0, 8)
  const room = 120 - ACTION_FEDERATED_CREDENTIAL_PREFIX.length - hash.length - 1
  const slug = subject
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, room)
    .replace(/-+$/, '')
  return `${ACTION_FEDERATED_CREDENTIAL_PREFIX}${slug === '' ? '' : `${slug}-`}${hash}`
}

/** The credential this action wants for one subject, recording the secret set(s) that want it. */
export function wantedCredential(subject: string, federation: Pick<DesiredFederation, 'issuer' | 'audience'>, sets: readonly string[]): FederatedCredential {
  return {
    name: federatedCredentialName(subject),
    issuer: federation.issuer,
    subject,
    audiences: [federation.audience],
    description: federatedCredentialDescription(sets)
  }
}

/**
 * The description this action writes: a sentence for people, and the secret sets of the
 * pipelines that want the credential, e.g. `… (credential: federated; secret set 1a2b3c4d).`
 * The name cannot carry the set: Graph makes it immutable, and credentials made by earlier
 * versions keep theirs. The description is free text of up to 600 characters
 * (https://learn.microsoft.com/graph/api/resources/federatedidentitycredential).
 */
export function federatedCredentialDescription(sets: readonly string[]): string {
  const ids = [...new Set(sets)].sort()
  for (const id of ids) {
    if (!SECRET_SET_ID_PATTERN.test(id)) throw new Error(`Expected a secret set id (8 lower-case hex digits), got ${JSON.stringify(id)}.`)
  }
  const description = `exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated; secret ${ids.length === 1 ? 'set' : 'sets'} ${ids.join(' ')}).`
  if (description.length > FEDERATED_DESCRIPTION_MAX_LENGTH) {
    throw new UserError(
      `${ids.length} pipelines (secret sets) share the app's federated credential for one subject; its description, which records them, would exceed Graph's ${FEDERATED_DESCRIPTION_MAX_LENGTH} characters. Give these pipelines their own app ('app-name').`,
      { input: 'app-name' }
    )
  }
  return description
}

const RECORDED_SETS = /\bsecret sets? ([0-9a-f]{8}(?: [0-9a-f]{8})*)\b/

/** The secret sets a credential's description records (none for one made by an earlier version). */
export function federatedCredentialSets(credential: Pick<FederatedCredential, 'description'>): string[] {
  const match = RECORDED_SETS.exec(credential.description ?? '')
  return match === null ? [] : match[1].split(' ')
}

export function isActionMadeFederatedCredential(credential: Pick<FederatedCredential, 'name'>): boolean {
  return credential.name.toLowerCase().startsWith(ACTION_FEDERATED_CREDENTIAL_PREFIX)
}

export function federatedCredentialMaker(credential: Pick<FederatedCredential, 'name' | 'description'>, secretSet: string): FederatedCredentialMaker {
  if (!isActionMadeFederatedCredential(credential)) return { kind: 'not-action' }
  const sets = federatedCredentialSets(credential)
  if (sets.length === 0) return { kind: 'earlier-version' }
  return sets.includes(secretSet) ? { kind: 'this-set', sets } : { kind: 'other-set', sets }
}

/**
 * Whether this run counts a credential made by an earlier version (no set recorded) as its
 * own, so it may remove it once no longer wanted. Earlier versions never removed federated
 * credentials and recorded nothing of who wanted one, so the evidence is the subject: it names
 * this repository, whose jobs alone can present it, and a context only this set's jobs run in.
 * Only sets under the default prefix claim any (`earlierVersionsOf`, secret-set.ts):
 * - repository secrets (or none): the repository's subjects other than `environment:` ones
 *   (`ref:`, `pull_request`, customized claims). A job in an environment presents
 *   `environment:<name>`, and environment secrets are read only by jobs in it, so an
 *   environment subject is a sibling pipeline's as likely as this one's: never claimed.
 * - environment secrets: only `environment:<its environment>`.
 * Even so a claim can hit a sibling that has not run this version yet and whose jobs present
 * the same subject: a pipeline of the same repository under another prefix or with organization
 * secrets, the other of repository secrets and `secret-target: none`, one with repository
 * secrets whose jobs run in the claimed environment, or a workflow that signs in through the
 * credential without provisioning. Each pipeline's first
 * run of this version records its set on every credential it lists, after which no claim
 * applies; a missed claim only leaves a trust the warning names with the command to remove it.
 */
export function claimsEarlierVersion(credential: Pick<FederatedCredential, 'subject'>, pipeline: FederatedPipeline): boolean {
  if (!(pipeline.earlierVersionsOf !== undefined && subjectNamesRepository(credential.subject, pipeline.earlierVersionsOf))) return false
  const { context } = scopeOfSubject(credential.subject)
  const environment = pipeline.earlierVersionsOf.environment
  if (environment === undefined) return context.kind !== 'environment'
  // GitHub compares environment names without case (managing-environments-for-deployment).
  return context.kind === 'environment' && context.name.toLowerCase() === environment.toLowerCase()
}

/**
 * What becomes of a credential this run is about to remove (`remove`) or take its set off
 * (`leave`), decided from the credential as Graph holds it right now (`fresh`; undefined: it is
 * gone). The plan was made from a read at the start of the run, and another pipeline sharing the
 * app may have recorded its set since (the removal runs after verification and the secrets):
 * - `gone`: nothing to do.
 * - `take-off`: other sets want it now: it stays; `description` (when this run's set is on it)
 *   is written instead, so only this run's set comes off and no other set is dropped.
 * - `delete`: a planned removal, and still no other set wants it.
 * - `keep`: a planned `leave`, but no other set wants it any more: it stays unchanged, with
 *   this run's set, so the next run of this pipeline removes it once verified.
 */
export type FreshDeparture =
  | { action: 'gone' }
  | { action: 'take-off'; others: string[]; description?: string }
  | { action: 'delete' }
  | { action: 'keep' }

export function departureFromFresh(fresh: Pick<FederatedCredential, 'description'> | undefined, secretSet: string, planned: 'remove' | 'leave'): FreshDeparture {
  if (fresh === undefined) return { action: 'gone' }
  const sets = federatedCredentialSets(fresh)
  const others = sets.filter(set => set !== secretSet)
  if (others.length > 0) {
    return sets.includes(secretSet) ? { action: 'take-off', others, description: federatedCredentialDescription(others) } : { action: 'take-off', others }
  }
  return planned === 'remove' ? { action: 'delete' } : { action: 'keep' }
}

/**
 * Which credentials to add, set again or remove so exactly the desired subjects sign in
 * through this action's credentials, without touching what other pipelines sharing the app
 * want. `desired` is undefined with `credential: certificate`: then this run wants none.
 * - A wanted subject: a credential already there counts (never a duplicate); when it is this
 *   action's but does not record this run's set, the set is added (`record-set`).
 * - Not wanted: removed only when this run's set is the only one it records, or when an
 *   earlier version made it and this run counts it as its own (claimsEarlierVersion); shared
 *   with other sets, only this run's set comes off (`leave`). Other pipelines' credentials, an
 *   earlier version's this run cannot claim, and someone else's are kept and reported.
 * `existing` is undefined when the app does not exist yet.
 */
export function planFederatedCredentials(
  desired: DesiredFederation | undefined,
  existing: readonly FederatedCredential[] | undefined,
  pipeline: FederatedPipeline
): FederatedCredentialsPlan {
  const current = existing ?? []
  const mine = pipeline.secretSet
  const wanted = desired === undefined ? [] : [...new Set(desired.subjects)].map(subject => wantedCredential(subject, desired, [mine]))
  const plan: FederatedCredentialsPlan = { wanted, present: [], add: [], update: [], remove: [], earlierVersion: [], otherPipelines: [], unrecorded: [], foreign: [] }
  const kept = new Set<FederatedCredential>()
  for (const credential of wanted) {
    const same = current.find(c => sameIssuer(c.issuer, credential.issuer) && c.subject === credential.subject)
    if (same === undefined) {
      plan.add.push(credential)
      continue
    }
    kept.add(same)
    const maker = federatedCredentialMaker(same, mine)
    const audienceRight = desired === undefined || same.audiences.includes(desired.audience)
    const othersUseIt = maker.kind === 'not-action' || maker.kind === 'other-set' || (maker.kind === 'this-set' && maker.sets.length > 1)
    if (!audienceRight && othersUseIt) {
      // Entra allows one credential per issuer and subject, and re-pointing it would cut off
      // whoever else signs in through it (someone else, or another pipeline sharing the app).
      const because =
        maker.kind === 'not-action' ? 'this action did not make it' : `other pipelines sharing this app use it (secret sets ${maker.sets.filter(set => set !== mine).join(', ')})`
      throw new UserError(
        `The app already has a federated credential "${same.name}" for subject '${same.subject}' (issuer ${same.issuer}), with audience ${same.audiences.join(', ')} instead of '${desired?.audience ?? ''}'. Entra allows one credential per issuer and subject, and this action does not change its audience because ${because}: add '${desired?.audience ?? ''}' to that credential's audiences, or set 'federated-audience' to ${same.audiences[0] ?? 'its audience'}.`,
        { input: 'federated-audience' }
      )
    }
    if (maker.kind === 'not-action' || same.id === undefined || (maker.kind === 'this-set' && audienceRight)) {
      plan.present.push(same)
    } else if (maker.kind === 'this-set') {
      plan.update.push({ id: same.id, credential: { ...credential, name: same.name, description: federatedCredentialDescription(maker.sets) }, why: 'audience' })
    } else {
      // An earlier version's (no set yet) or another pipeline's that this one wants too: this
      // run's set is recorded, so no run of another set removes it while this one lists it.
      const sets = maker.kind === 'other-set' ? [...maker.sets, mine] : [mine]
      plan.update.push({ id: same.id, credential: { ...credential, name: same.name, description: federatedCredentialDescription(sets) }, why: 'record-set' })
    }
  }
  for (const credential of current) {
    if (kept.has(credential)) continue
    const maker = federatedCredentialMaker(credential, mine)
    switch (maker.kind) {
      case 'not-action':
        plan.foreign.push(credential)
        break
      case 'other-set':
        plan.otherPipelines.push(credential)
        break
      case 'earlier-version':
        if (claimsEarlierVersion(credential, pipeline)) {
          plan.remove.push(credential)
          plan.earlierVersion.push(credential.name)
        } else {
          plan.unrecorded.push(credential)
        }
        break
      case 'this-set': {
        const others = maker.sets.filter(set => set !== mine)
        if (others.length === 0) plan.remove.push(credential)
        else if (credential.id === undefined) plan.otherPipelines.push(credential)
        else plan.update.push({ id: credential.id, credential: { ...credential, description: federatedCredentialDescription(others) }, why: 'leave' })
        break
      }
    }
  }
  // Removals run after the additions (once the new state is in place), so the app holds
  // both at once for a moment: Entra's limit applies to that moment.
  const total = current.length + plan.add.length
  if (total > MAX_FEDERATED_CREDENTIALS) {
    throw new UserError(
      `The app would need ${total} federated identity credentials (${current.length} already on it, ${plan.add.length} to add${plan.remove.length > 0 ? `, ${plan.remove.length} of this action's to remove afterwards` : ''}), but Entra allows at most ${MAX_FEDERATED_CREDENTIALS} per application. List fewer subjects in 'federated-subjects' (one per environment or branch that runs Exchange jobs), or remove credentials the app no longer needs (Entra admin center → App registrations → the app → Certificates & secrets → Federated credentials).`,
      { input: 'federated-subjects' }
    )
  }
  return plan
}
