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

/** Entra's limit of federated identity credentials per application. */
export const MAX_FEDERATED_CREDENTIALS = 20

/** Names of the credentials this action made start with this; it never touches any other. */
export const ACTION_FEDERATED_CREDENTIAL_PREFIX = 'exo-cba-'

/** GitHub Actions' OIDC issuer on github.com (GHES: https://HOST/_services/token). */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com'

/** One federated identity credential, as Graph returns it. */
export interface FederatedCredential {
  id?: string
  name: string
  issuer: string
  subject: string
  audiences: string[]
  description?: string | null
}

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
  /** This action's credentials for a wanted subject whose audience differs: set again. */
  update: Array<{ id: string; credential: FederatedCredential }>
  /**
   * This action's credentials (name prefix `exo-cba-`) no longer wanted: for subjects no longer
   * listed, or all of them with `credential: certificate`. Removed once the run's new state
   * is in place.
   */
  remove: FederatedCredential[]
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

/** The credential this action wants for one subject. */
export function wantedCredential(subject: string, federation: Pick<DesiredFederation, 'issuer' | 'audience'>): FederatedCredential {
  return {
    name: federatedCredentialName(subject),
    issuer: federation.issuer,
    subject,
    audiences: [federation.audience],
    description: 'exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated).'
  }
}

export function isActionMadeFederatedCredential(credential: Pick<FederatedCredential, 'name'>): boolean {
  return credential.name.toLowerCase().startsWith(ACTION_FEDERATED_CREDENTIAL_PREFIX)
}

/**
 * Which credentials to add, set again or remove so exactly the desired subjects sign in
 * through this action's credentials. `desired` is undefined with `credential: certificate`:
 * then nothing is wanted and every credential this action made goes. A credential someone
 * else made is never changed or removed, even when it trusts the same subject (it counts as
 * present) or one no longer listed (it is reported in `foreign`). `existing` is undefined
 * when the app does not exist yet.
 */
export function planFederatedCredentials(desired: DesiredFederation | undefined, existing: readonly FederatedCredential[] | undefined): FederatedCredentialsPlan {
  const current = existing ?? []
  const wanted = desired === undefined ? [] : [...new Set(desired.subjects)].map(subject => wantedCredential(subject, desired))
  const plan: FederatedCredentialsPlan = { wanted, present: [], add: [], update: [], remove: [], foreign: [] }
  const kept = new Set<FederatedCredential>()
  for (const credential of wanted) {
    const same = current.find(c => sameIssuer(c.issuer, credential.issuer) && c.subject === credential.subject)
    if (same === undefined) {
      plan.add.push(credential)
      continue
    }
    kept.add(same)
    if (desired === undefined || same.audiences.includes(desired.audience)) {
      plan.present.push(same)
    } else if (isActionMadeFederatedCredential(same) && same.id !== undefined) {
      plan.update.push({ id: same.id, credential: { ...credential, name: same.name } })
    } else {
      // Entra allows one credential per issuer and subject, and this one is someone else's.
      throw new UserError(
        `The app already has a federated credential "${same.name}" for subject '${same.subject}' (issuer ${same.issuer}), with audience ${same.audiences.join(', ')} instead of '${desired.audience}'. Entra allows one credential per issuer and subject, and this action does not change credentials it did not make: add '${desired.audience}' to that credential's audiences, or set 'federated-audience' to ${same.audiences[0] ?? 'its audience'}.`,
        { input: 'federated-audience' }
      )
    }
  }
  for (const credential of current) {
    if (kept.has(credential)) continue
    if (isActionMadeFederatedCredential(credential)) plan.remove.push(credential)
    else plan.foreign.push(credential)
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

/** Issuers compare as URLs: case-insensitive scheme and host, without a trailing slash. */
function sameIssuer(a: string, b: string): boolean {
  const normal = (issuer: string) => issuer.replace(/\/+$/, '').replace(/^https:\/\/[^/]+/i, host => host.toLowerCase())
  return normal(a) === normal(b)
}
