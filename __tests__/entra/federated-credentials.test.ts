/**
 * Federated credentials (issue 14), pure parts: the names Entra accepts, which credentials
 * to add, set again or remove (issue 21: this action's own that are no longer wanted; never
 * someone else's), never a duplicate, and Entra's limit of 20; the plan
 * with `credential: federated`; the default issuer per GitHub server; the three secrets.
 */
import { describe, expect, it } from '@jest/globals'
import {
  federatedCredentialDescription,
  federatedCredentialName,
  federatedCredentialSets,
  planFederatedCredentials as planWithPipeline,
  type DesiredFederation,
  type FederatedCredential,
  type FederatedPipeline
} from '../../src/entra/federated-credentials.js'
import { planProvisioning } from '../../src/entra/plan.js'
import { secretChanges, secretValues, storedSetIncomplete } from '../../src/github/stored-secrets.js'
import { gitHubIssuerFor, withClaims } from '../../src/runner/github-oidc.js'
import { UserError } from '../../src/errors.js'
import { completeTenant, desired, freshTenant, NOW, OTHER_SET, THIS_SET } from './plan-fixtures.js'

const ISSUER = 'https://token.actions.githubusercontent.com'
const AUDIENCE = 'api://AzureADTokenExchange'
const MAIN = 'repo:contoso/exo-jobs:ref:refs/heads/main'
const PROD = 'repo:contoso/exo-jobs:environment:prod'
const federation = (subjects: string[]) => ({ subjects, issuer: ISSUER, audience: AUDIENCE })
/** Entra's rule for a credential name (federated-credential-configuration-considerations.md). */
const ENTRA_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/

function existing(name: string, subject: string, audiences = [AUDIENCE], issuer = ISSUER): FederatedCredential {
  return { id: `id-${name}`, name, issuer, subject, audiences }
}

/** This pipeline's credential for a subject, as this version writes it (its secret set in the description). */
function ours(subject: string, sets = [THIS_SET.id], audiences = [AUDIENCE]): FederatedCredential {
  return { ...existing(federatedCredentialName(subject), subject, audiences), description: federatedCredentialDescription(sets) }
}

/** A credential an earlier version made: this action's name, its old description (no secret set). */
function earlier(subject: string): FederatedCredential {
  return {
    ...existing(federatedCredentialName(subject), subject),
    description: 'exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated).'
  }
}

/** This pipeline: THIS_SET, repository secrets of contoso/exo-jobs under the default prefix unless told. */
const THIS_PIPELINE: FederatedPipeline = { secretSet: THIS_SET.id, earlierVersionsOf: { owner: 'contoso', repo: 'exo-jobs' } }

function planFederatedCredentials(desired: DesiredFederation | undefined, current: FederatedCredential[] | undefined, pipeline: FederatedPipeline = THIS_PIPELINE) {
  return planWithPipeline(desired, current, pipeline)
}

describe('federatedCredentialName', () => {
  it('is readable, stable, and within Entra\'s rules', () => {
    expect(federatedCredentialName(MAIN)).toBe(federatedCredentialName(MAIN))
    expect(federatedCredentialName(MAIN)).toMatch(/^exo-cba-repo-contoso-exo-jobs-ref-refs-heads-main-[0-9a-f]{8}$/)
    expect(federatedCredentialName(MAIN)).toMatch(ENTRA_NAME)
  })

  it('keeps subjects that slug alike apart, and stays within 120 characters for a 600-character subject', () => {
    expect(federatedCredentialName('repo:a/b:ref:refs/heads/x.y')).not.toBe(federatedCredentialName('repo:a/b:ref:refs/heads/x-y'))
    const long = `repo:contoso/${'x'.repeat(560)}:ref:refs/heads/main`
    expect(federatedCredentialName(long)).toMatch(ENTRA_NAME)
    expect(federatedCredentialName(long).length).toBeLessThanOrEqual(120)
  })

  it('starts with a letter even for a subject of symbols only', () => {
    expect(federatedCredentialName(':::')).toMatch(ENTRA_NAME)
  })
})

describe('the secret sets a federated credential records (issue 21)', () => {
  it('in its description, beside the sentence for people; read back in any order, within Graph\'s 600 characters', () => {
    const one = federatedCredentialDescription([THIS_SET.id])
    expect(one).toBe('exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated; secret set 1a2b3c4d).')
    expect(federatedCredentialSets({ description: one })).toEqual([THIS_SET.id])
    const two = federatedCredentialDescription([OTHER_SET.id, THIS_SET.id, OTHER_SET.id])
    expect(two).toContain('secret sets 1a2b3c4d 9f8e7d6c)')
    expect(federatedCredentialSets({ description: two })).toEqual([THIS_SET.id, OTHER_SET.id])
    expect(federatedCredentialDescription(Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(8, '0'))).length).toBeLessThanOrEqual(600)
    expect(() => federatedCredentialDescription(Array.from({ length: 60 }, (_, i) => i.toString(16).padStart(8, '0')))).toThrow(/Give these pipelines their own app/)
  })

  it('none for an earlier version\'s description, or none at all', () => {
    expect(federatedCredentialSets({ description: 'exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated).' })).toEqual([])
    expect(federatedCredentialSets({ description: null })).toEqual([])
    expect(federatedCredentialSets({})).toEqual([])
  })
})

describe('planFederatedCredentials', () => {
  it('a new app: one credential per subject, duplicates in the list once', () => {
    const plan = planFederatedCredentials(federation([MAIN, PROD, MAIN]), undefined)
    expect(plan.add.map(c => c.subject)).toEqual([MAIN, PROD])
    expect(plan.add[0]).toMatchObject({ issuer: ISSUER, audiences: [AUDIENCE], name: federatedCredentialName(MAIN) })
    expect(plan.update).toEqual([])
  })

  it('a credential someone else made for the same issuer and subject counts as present (never a duplicate)', () => {
    const portal = existing('made-in-portal', MAIN)
    const plan = planFederatedCredentials(federation([MAIN]), [portal])
    expect(plan.add).toEqual([])
    expect(plan.present).toEqual([portal])
  })

  it('issuers compare as URLs (trailing slash, host case)', () => {
    const plan = planFederatedCredentials(federation([MAIN]), [existing('x', MAIN, [AUDIENCE], 'https://TOKEN.actions.githubusercontent.com/')])
    expect(plan.add).toEqual([])
  })

  it('subjects are exact: another branch is another credential', () => {
    const plan = planFederatedCredentials(federation([MAIN]), [existing('x', 'repo:contoso/exo-jobs:ref:refs/heads/Main')])
    expect(plan.add.map(c => c.subject)).toEqual([MAIN])
  })

  it("this action's own credential with another audience is set again; someone else's is a clear error", () => {
    const mine = ours(MAIN, [THIS_SET.id], ['api://other'])
    expect(planFederatedCredentials(federation([MAIN]), [mine]).update).toEqual([
      { id: mine.id, credential: expect.objectContaining({ name: mine.name, audiences: [AUDIENCE], description: mine.description }), why: 'audience' }
    ])
    const theirs = existing('team-made', MAIN, ['api://other'])
    expect(() => planFederatedCredentials(federation([MAIN]), [theirs])).toThrow(UserError)
    expect(() => planFederatedCredentials(federation([MAIN]), [theirs])).toThrow(/one credential per issuer and subject/)
  })

  it("removes this action's credentials for subjects no longer listed; someone else's stay, reported", () => {
    const old = ours('repo:contoso/exo-jobs:ref:refs/heads/old')
    const someone = existing('someone', 'repo:x/y:ref:refs/heads/main')
    const plan = planFederatedCredentials(federation([MAIN]), [old, someone])
    expect(plan.remove).toEqual([old])
    expect(plan.foreign).toEqual([someone])
    expect(plan.add.map(c => c.subject)).toEqual([MAIN])
  })

  it('a credential someone else made for a listed subject is kept as present, neither removed nor reported', () => {
    const portal = existing('made-in-portal', MAIN)
    const plan = planFederatedCredentials(federation([MAIN]), [portal])
    expect([plan.present, plan.remove, plan.foreign]).toEqual([[portal], [], []])
  })

  it("credential: certificate (nothing wanted): every credential this action made goes, someone else's stay", () => {
    const mine = [ours(MAIN), ours(PROD)]
    const portal = existing('made-in-portal', 'repo:contoso/exo-jobs:environment:staging')
    const plan = planFederatedCredentials(undefined, [...mine, portal])
    expect(plan).toEqual({ wanted: [], present: [], add: [], update: [], remove: mine, earlierVersion: [], otherPipelines: [], unrecorded: [], foreign: [portal] })
  })

  it('a rerun after the removals plans nothing', () => {
    const plan = planFederatedCredentials(federation([MAIN]), [ours(MAIN)])
    expect([plan.add, plan.update, plan.remove, plan.foreign]).toEqual([[], [], [], []])
  })

  it('at most 20 per application: 20 is fine, 21 is a clear error naming the input', () => {
    const nineteen = Array.from({ length: 19 }, (_, i) => existing(`team-${i}`, `repo:contoso/team-${i}:ref:refs/heads/main`))
    expect(planFederatedCredentials(federation([MAIN]), nineteen).add).toHaveLength(1)
    let error: unknown
    try {
      planFederatedCredentials(federation([MAIN, PROD]), nineteen)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).input).toBe('federated-subjects')
    expect((error as Error).message).toMatch(/21 federated identity credentials \(19 already on it, 2 to add\), but Entra allows at most 20/)
  })
})

describe('the plan with credential: federated', () => {
  it('a fresh tenant: no certificate; the credentials go beside the service principal', () => {
    const plan = planProvisioning({ ...desired(), federation: federation([MAIN]) }, freshTenant(), NOW)
    expect(plan.certificate).toEqual({ decision: 'none', reason: 'federated', rotateBeforeDays: 30 })
    expect(plan.phases.map(phase => phase.map(change => change.kind))).toEqual([
      ['create-app'],
      ['create-service-principal', 'add-federated-credential'],
      ['grant-exchange-manage-as-app', 'assign-directory-role']
    ])
  })

  it("a subject dropped from the list: this action's credential is removed last, after prune and revoke, outside the phases", () => {
    const tenant = completeTenant([])
    const dropped = ours(PROD)
    tenant.app!.federatedCredentials = [ours(MAIN), dropped, existing('made-in-portal', 'repo:x/y:ref:refs/heads/main')]
    const plan = planProvisioning({ ...desired(), federation: federation([MAIN]) }, tenant, NOW)
    expect(plan.phases).toEqual([])
    expect(plan.changes).toEqual([{ kind: 'remove-federated-credential', appObjectId: tenant.app!.objectId, credential: dropped, reason: 'not-listed' }])
    expect(plan.removeFederatedCredentials).toEqual(plan.changes)
    expect(plan.federatedCredentials?.foreign.map(c => c.name)).toEqual(['made-in-portal'])
  })

  it('everything in place: no change, whatever certificates the app has', () => {
    const tenant = completeTenant([])
    tenant.app!.federatedCredentials = [existing('x', MAIN)]
    const plan = planProvisioning({ ...desired(), federation: federation([MAIN]) }, tenant, NOW)
    expect(plan.changes).toEqual([])
  })
})

describe('the plan with credential: certificate', () => {
  it("removes this action's federated credentials, keeps someone else's, and keeps the certificate plan as it was", () => {
    const without = planProvisioning(desired(), completeTenant([]), NOW)
    const tenant = completeTenant([])
    const mine = ours(MAIN)
    const portal = existing('made-in-portal', PROD)
    tenant.app!.federatedCredentials = [mine, portal]
    const plan = planProvisioning(desired(), tenant, NOW)
    expect(plan.certificate).toEqual(without.certificate)
    expect(plan.phases).toEqual(without.phases)
    expect(plan.changes).toEqual([...without.changes, { kind: 'remove-federated-credential', appObjectId: tenant.app!.objectId, credential: mine, reason: 'certificate' }])
    expect(plan.federatedCredentials?.foreign).toEqual([portal])
  })

  it('an app without federated credentials: no federated plan at all (the plan is what it was)', () => {
    const tenant = completeTenant([])
    tenant.app!.federatedCredentials = []
    const plan = planProvisioning(desired(), tenant, NOW)
    expect(plan).not.toHaveProperty('federatedCredentials')
    expect(plan).not.toHaveProperty('removeFederatedCredentials')
  })
})

describe('the issuer of GitHub OIDC tokens', () => {
  it.each([
    [undefined, 'https://token.actions.githubusercontent.com'],
    ['https://github.com', 'https://token.actions.githubusercontent.com'],
    ['https://contoso.ghe.com', 'https://token.actions.contoso.ghe.com'],
    ['https://ghes.contoso.com', 'https://ghes.contoso.com/_services/token'],
    ['https://ghes.contoso.com/', 'https://ghes.contoso.com/_services/token']
  ])('GITHUB_SERVER_URL %s → %s', (server, issuer) => {
    expect(gitHubIssuerFor(server)).toBe(issuer)
  })

  it('reads sub, iss and exp of a job token (unverified: for names and messages)', () => {
    const payload = Buffer.from(JSON.stringify({ sub: MAIN, iss: ISSUER, exp: 2_000_000_000 })).toString('base64url')
    expect(withClaims(`e30.${payload}.sig`)).toEqual({ token: `e30.${payload}.sig`, subject: MAIN, issuer: ISSUER, expiresAt: new Date(2_000_000_000_000) })
    expect(withClaims('not a jwt')).toEqual({ token: 'not a jwt' })
  })
})

describe('the secrets with credential: federated', () => {
  const values = { appId: 'app', tenantId: 'tenant', organization: 'contoso.onmicrosoft.com' }
  it('three, none of them a certificate', () => {
    expect(secretValues('EXO_', values)).toEqual({ EXO_APP_ID: 'app', EXO_TENANT_ID: 'tenant', EXO_ORGANIZATION: 'contoso.onmicrosoft.com' })
  })

  it('unchanged when the run was given the same values and all three are stored', () => {
    const stored = { EXO_APP_ID: new Date(), EXO_TENANT_ID: new Date(), EXO_ORGANIZATION: new Date() }
    expect(storedSetIncomplete('EXO_', stored, false)).toBe(false)
    expect(secretChanges('EXO_', values, values, stored)).toEqual({ changed: {}, unchanged: ['EXO_APP_ID', 'EXO_TENANT_ID', 'EXO_ORGANIZATION'] })
  })

  it('one of the three missing: all three written', () => {
    const stored = { EXO_APP_ID: new Date(), EXO_TENANT_ID: new Date() }
    expect(Object.keys(secretChanges('EXO_', values, values, stored).changed)).toEqual(['EXO_APP_ID', 'EXO_TENANT_ID', 'EXO_ORGANIZATION'])
  })
})
