/**
 * Provision mode with `credential: federated` against the emulator (issue 14): which subjects
 * the app trusts, never a duplicate, Entra's limit of 20, a job the app does not trust, and
 * switching an existing app from certificate to federated and back. Issue 21: federated
 * credentials never expire, so this action's own that are no longer wanted (a subject dropped,
 * or credential: certificate) are removed, shown in the dry run and the summary; credentials
 * someone else made are kept and warned about.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { emulatorEnv, githubEventEnv, inputsFromStoredSecrets, repositorySecretInputs } from '../../scripts/lib/emulated-run.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { errorsOf, explain, graphWrites, provision, resourceRows, warningsOf } from '../provision/provision-helpers.js'
import { graph, provisioningToken } from '../emulator/helpers.js'

const MAIN = 'repo:octo/demo:ref:refs/heads/main'
const PROD = 'repo:octo/demo:environment:prod'
const REPOSITORY = { kind: 'repository' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }

let action: BundledAction
let emulator: Emulator | undefined

beforeAll(() => {
  action = new BundledAction()
})
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})
afterAll(() => action?.cleanup())

function theApp() {
  return [...emulator!.tenant.applications.values()].find(app => app.displayName === 'EXO Background Process')!
}

describe('which jobs the app trusts', () => {
  it('listed subjects: one credential each; this job is not among them, so it neither verifies nor connects', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { credential: 'federated', 'federated-subjects': `${PROD}\nrepo:octo/demo:ref:refs/heads/release` })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(theApp().federatedIdentityCredentials.map(f => f.subject).sort()).toEqual([PROD, 'repo:octo/demo:ref:refs/heads/release'])
    expect(run.main.stdout).toMatch(/Not verifying: this job's GitHub OIDC token \(subject 'repo:octo\/demo:ref:refs\/heads\/main'\) is not one the app trusts/)
    expect(run.outputs).not.toHaveProperty('connect-script')
    expect(run.summary).toContain("This job's token is not one the app trusts, so no connect script was written here")
  }, 120_000)

  it('a rerun changes nothing; a credential someone made by hand for the same subject counts, and is never duplicated or removed', async () => {
    emulator = await startEmulator({
      apps: [{ displayName: 'EXO Background Process', federatedCredentials: [{ name: 'made-in-the-portal', subject: MAIN }, { name: 'other-team', subject: 'repo:octo/other:ref:refs/heads/main' }] }]
    })
    const run = await provision(action, emulator, { credential: 'federated', organization: 'contoso.onmicrosoft.com' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    const kinds = (JSON.parse(run.outputs.changes) as Array<{ kind: string }>).map(c => c.kind)
    expect(kinds).not.toContain('add-federated-credential')
    expect(theApp().federatedIdentityCredentials.map(f => f.name).sort()).toEqual(['made-in-the-portal', 'other-team'])

    emulator.log.clear()
    const rerun = await provision(action, emulator, { credential: 'federated', organization: 'contoso.onmicrosoft.com' })
    expect(rerun.main.exitCode === 0 ? 'exit 0' : explain(rerun)).toBe('exit 0')
    expect(JSON.parse(rerun.outputs.changes)).toEqual([])
    expect(graphWrites(emulator)).toEqual([])
  }, 120_000)

  it('more than 20 on the app: a clear error before any write', async () => {
    const existing = Array.from({ length: 19 }, (_, i) => ({ name: `team-${i}`, subject: `repo:octo/team-${i}:ref:refs/heads/main` }))
    emulator = await startEmulator({ apps: [{ displayName: 'EXO Background Process', federatedCredentials: existing }] })
    const run = await provision(action, emulator, { credential: 'federated', 'federated-subjects': `${MAIN}, ${PROD}`, organization: 'contoso.onmicrosoft.com' })
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toMatch(/The app would need 21 federated identity credentials \(19 already on it, 2 to add\), but Entra allows at most 20 per application/)
    expect(graphWrites(emulator)).toEqual([])
  }, 120_000)

  it('a wildcard subject is refused before anything happens', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { credential: 'federated', 'federated-subjects': 'repo:octo/demo:*' })
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toMatch(/Input 'federated-subjects' lists "repo:octo\/demo:\*", which is not a GitHub OIDC subject/)
    expect(emulator.log.list({ service: 'graph' })).toEqual([])
  }, 60_000)

  it('without the OIDC permission and with no subjects listed: a clear error, no GITHUB_REF guess, no request', async () => {
    emulator = await startEmulator()
    const env = emulatorEnv(emulator)
    delete env.ACTIONS_ID_TOKEN_REQUEST_URL
    delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
    const run = await provision(action, emulator, { credential: 'federated', 'client-secret': emulator.provisioning.clientSecret }, {
      env: { ...env, GITHUB_REPOSITORY: 'octo/demo', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SERVER_URL: 'https://ghes.contoso.com' }
    })
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toMatch(/Input 'federated-subjects' is empty.*this job cannot request an OIDC token: add `permissions: id-token: write` to the job, or list the subjects/)
    expect(emulator.log.list()).toEqual([])
  }, 60_000)
})

/** Issue 21, point 1: who can make the app trust them, and what the run says about it. */
describe('federated trust a pull request cannot reach', () => {
  // The provisioning identity signs in with its secret here: its own federated credential trusts
  // one subject, and these runs present others (the app's trust is what is under test).
  const secret = () => ({ 'client-secret': emulator!.provisioning.clientSecret })
  /** Secret and Graph writes so far: a refused run must have made none. */
  const writes = () => [...graphWrites(emulator!), ...emulator!.log.list({ service: 'github', kind: 'write' }).map(e => `${e.method} ${e.path}`)]

  it('a provisioning run triggered by a pull request is refused before any write, and says why and how to allow it', async () => {
    emulator = await startEmulator()
    emulator.oidc.subject = 'repo:octo/demo:pull_request'
    const run = await provision(action, emulator, { ...repositorySecretInputs(), ...secret(), credential: 'federated' }, {
      env: { ...emulatorEnv(emulator), ...githubEventEnv('pull_request', 'refs/pull/7/merge') }
    })
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    expect(error).toMatch(/this job runs for a pull request \(event pull_request\), so trusting its subject 'repo:octo\/demo:pull_request' means anyone who can open a pull request could then sign in to Exchange Online as an administrator/)
    expect(error).toContain('federated-allow-unprotected-subjects: true')
    expect(writes()).toEqual([])
    expect(emulator.github.secretNames(REPOSITORY)).toEqual([])
    expect([...emulator.tenant.applications.values()].filter(app => app.displayName === 'EXO Background Process')).toEqual([])
  }, 60_000)

  it('pull_request_target (which runs with the default branch\'s subject) and a pushed feature branch are refused too', async () => {
    emulator = await startEmulator()
    const target = await provision(action, emulator, { ...secret(), credential: 'federated' }, { env: { ...emulatorEnv(emulator), ...githubEventEnv('pull_request_target', 'refs/heads/main') } })
    expect(target.main.exitCode).toBe(1)
    expect(errorsOf(target).join('\n')).toMatch(/event pull_request_target/)
    emulator.oidc.subject = 'repo:octo/demo:ref:refs/heads/feature'
    const branch = await provision(action, emulator, { ...secret(), credential: 'federated' }, { env: { ...emulatorEnv(emulator), ...githubEventEnv('push', 'refs/heads/feature') } })
    expect(branch.main.exitCode).toBe(1)
    expect(errorsOf(branch).join('\n')).toMatch(/runs on refs\/heads\/feature, not on the default branch refs\/heads\/main, so trusting its subject .* anyone who can push a branch/)
    expect(writes()).toEqual([])
  }, 60_000)

  it('an environment job is trusted from any branch outside pull requests (the environment\'s reviewers guard it), not during one; the opt-in allows a pull request, with a warning', async () => {
    emulator = await startEmulator()
    emulator.oidc.subject = PROD
    // During a pull request the action cannot know whether the environment has required
    // reviewers, and the job may run workflow code the pull request changed: refused, before any write.
    const duringPullRequest = await provision(action, emulator, { ...secret(), credential: 'federated' }, { env: { ...emulatorEnv(emulator), ...githubEventEnv('pull_request', 'refs/pull/7/merge') } })
    expect(duringPullRequest.main.exitCode).toBe(1)
    expect(errorsOf(duringPullRequest).join('\n')).toMatch(/this job runs for a pull request \(event pull_request\) — even in environment 'prod'.*federated-allow-unprotected-subjects/)
    expect(graphWrites(emulator)).toEqual([])
    const environment = await provision(action, emulator, { ...secret(), credential: 'federated' }, { env: { ...emulatorEnv(emulator), ...githubEventEnv('push', 'refs/heads/feature') } })
    expect(environment.main.exitCode === 0 ? 'exit 0' : explain(environment)).toBe('exit 0')
    expect(theApp().federatedIdentityCredentials.map(f => f.subject)).toEqual([PROD])

    emulator.oidc.subject = 'repo:octo/demo:pull_request'
    const optIn = await provision(action, emulator, { ...secret(), credential: 'federated', organization: 'contoso.onmicrosoft.com', 'federated-allow-unprotected-subjects': 'true' }, {
      env: { ...emulatorEnv(emulator), ...githubEventEnv('pull_request', 'refs/pull/7/merge') }
    })
    expect(optIn.main.exitCode === 0 ? 'exit 0' : explain(optIn)).toBe('exit 0')
    expect(warningsOf(optIn).join('\n')).toMatch(/trusts this job's own subject although this job runs for a pull request.*federated-allow-unprotected-subjects: true/)
    // The default trusts this job's subject alone, so the environment's credential is no longer wanted and goes.
    expect(theApp().federatedIdentityCredentials.map(f => f.subject)).toEqual(['repo:octo/demo:pull_request'])
  }, 120_000)

  it('a listed pull_request subject is refused before any request', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { credential: 'federated', 'federated-subjects': `${PROD}\nrepo:octo/demo:pull_request` })
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toMatch(/Input 'federated-subjects' lists 'repo:octo\/demo:pull_request', the subject of pull-request jobs: anyone who can open a pull request/)
    expect(emulator.log.list({ service: 'graph' })).toEqual([])
  }, 60_000)

  it('warns about a branch subject beside an environment, another repository\'s subject, and an issuer that is not GitHub\'s', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, {
      credential: 'federated',
      'federated-subjects': `${PROD}\n${MAIN}\nrepo:fabrikam/exo-jobs:environment:prod`,
      'federated-issuer': 'https://idp.fabrikam.example'
    })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    const warnings = warningsOf(run).join('\n')
    expect(warnings).toMatch(/trusts 'repo:octo\/demo:ref:refs\/heads\/main', a branch or tag subject, while environments are in use/)
    expect(warnings).toMatch(/federated-subjects lists 'repo:fabrikam\/exo-jobs:environment:prod', a subject of another repository than contoso\/exo-automation/)
    expect(warnings).toMatch(/federated-issuer is 'https:\/\/idp\.fabrikam\.example', not GitHub's OIDC issuer/)
    expect(run.main.stdout).toMatch(/^::warning title=Federated trust wider than it looks::/m)
  }, 120_000)

  it('federated-audience sets the app\'s credentials and the jobs\' tokens; audience stays the provisioning identity\'s', async () => {
    emulator = await startEmulator()
    const run = await provision(action, emulator, { credential: 'federated', 'federated-audience': 'api://contoso-exo-jobs' })
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
    expect(theApp().federatedIdentityCredentials.map(f => f.audiences)).toEqual([['api://contoso-exo-jobs']])
    // Verified with a job token for that audience (the emulator checks aud against the credential).
    expect(run.main.stdout).toMatch(/Verified: a token from this job's GitHub OIDC token carries Exchange\.ManageAsApp/)

    const moved = await provision(action, emulator, { credential: 'federated', audience: 'api://contoso-provisioning' })
    expect(moved.main.exitCode).toBe(1)
    expect(errorsOf(moved).join('\n')).toMatch(/Input 'audience' is 'api:\/\/contoso-provisioning'.*Set federated-audience: api:\/\/contoso-provisioning to keep what the app trusts/)
    expect(theApp().federatedIdentityCredentials.map(f => f.audiences)).toEqual([['api://contoso-exo-jobs']])
  }, 120_000)
})

describe('connect mode never suggests trusting a pull request', () => {
  it('a pull-request job that is not trusted: told to use an environment, not to add its subject', async () => {
    emulator = await startEmulator()
    const provisioned = await provision(action, emulator, { credential: 'federated', 'federated-subjects': PROD })
    expect(provisioned.main.exitCode === 0 ? 'exit 0' : explain(provisioned)).toBe('exit 0')
    emulator.oidc.subject = 'repo:octo/demo:pull_request'
    const run = await action.run({
      inputs: { mode: 'connect', credential: 'federated', 'app-id': provisioned.outputs['app-id'], 'tenant-id': emulator.tenant.tenantId, organization: 'contoso.onmicrosoft.com', 'authority-host': emulator.urls.login },
      env: { ...emulatorEnv(emulator), ...githubEventEnv('pull_request', 'refs/pull/7/merge') }
    })
    expect(run.main.exitCode).toBe(1)
    const error = errorsOf(run).join('\n')
    expect(error).toContain("subject 'repo:octo/demo:pull_request'")
    expect(error).toMatch(/pull-request jobs should not sign in to Exchange Online.*environment that has required reviewers.*repo:octo\/demo:environment:NAME/)
    expect(error).not.toMatch(/Add 'repo:octo\/demo:pull_request'|az ad app federated-credential create/)
  }, 120_000)
})

describe('federated credentials the app no longer needs (issue 21)', () => {
  it('a subject dropped from federated-subjects: the dry run lists its removal and writes nothing, the run removes it, a rerun writes nothing', async () => {
    emulator = await startEmulator()
    const inputs = { credential: 'federated', organization: 'contoso.onmicrosoft.com' }
    const first = await provision(action, emulator, { ...inputs, 'federated-subjects': `${MAIN}\n${PROD}` })
    expect(first.main.exitCode === 0 ? 'exit 0' : explain(first)).toBe('exit 0')
    const prod = theApp().federatedIdentityCredentials.find(f => f.subject === PROD)!
    expect(prod.name).toMatch(/^exo-cba-/)

    emulator.log.clear()
    const dryRun = await provision(action, emulator, { ...inputs, 'federated-subjects': MAIN, 'dry-run': 'true' })
    expect(dryRun.main.exitCode === 0 ? 'exit 0' : explain(dryRun)).toBe('exit 0')
    expect(dryRun.main.stdout).toContain(`- remove federated credential ${prod.name} (subject '${PROD}') from app "EXO Background Process": its subject is no longer in 'federated-subjects'`)
    expect(JSON.parse(dryRun.outputs.changes)).toEqual([expect.objectContaining({ kind: 'remove-federated-credential', reason: 'not-listed', credential: expect.objectContaining({ subject: PROD }) })])
    expect(resourceRows(dryRun.summary).get(`Federated credential: ${PROD}`)).toMatchObject({ before: 'present', after: 'removed' })
    expect(graphWrites(emulator)).toEqual([])
    expect(theApp().federatedIdentityCredentials.map(f => f.subject).sort()).toEqual([MAIN, PROD].sort())

    emulator.log.clear()
    const dropped = await provision(action, emulator, { ...inputs, 'federated-subjects': MAIN })
    expect(dropped.main.exitCode === 0 ? 'exit 0' : explain(dropped)).toBe('exit 0')
    expect(theApp().federatedIdentityCredentials.map(f => f.subject)).toEqual([MAIN])
    expect(graphWrites(emulator)).toEqual([`DELETE /v1.0/applications/${theApp().id}/federatedIdentityCredentials/${prod.id} → 204`])
    const rows = resourceRows(dropped.summary)
    expect(rows.get(`Federated credential: ${MAIN}`)).toMatchObject({ before: 'present', after: 'present', detail: expect.stringMatching(/^this pipeline's \(set [0-9a-f]{8}\): exo-cba-/) })
    expect(rows.get(`Federated credential: ${PROD}`)).toMatchObject({ before: 'present', after: 'removed', detail: expect.stringMatching(/^this pipeline's \(set [0-9a-f]{8}\): exo-cba-.*removed: its subject is no longer in 'federated-subjects'/) })

    emulator.log.clear()
    const rerun = await provision(action, emulator, { ...inputs, 'federated-subjects': MAIN })
    expect(rerun.main.exitCode === 0 ? 'exit 0' : explain(rerun)).toBe('exit 0')
    expect(JSON.parse(rerun.outputs.changes)).toEqual([])
    expect(graphWrites(emulator)).toEqual([])
  }, 180_000)
})

describe('switching an existing app between the two credentials', () => {
  it("certificate → federated → certificate: each job kind keeps working, the summary says which credential; back on the certificate, this action's federated credential is removed and a hand-made one kept", async () => {
    emulator = await startEmulator()
    const first = await provision(action, emulator, repositorySecretInputs())
    expect(first.main.exitCode === 0 ? 'exit 0' : explain(first)).toBe('exit 0')
    const certificate = first.outputs['certificate-thumbprint']

    // To federated: the app gains the credential, keeps its certificate (jobs not yet switched
    // still use it), and the stored certificate secrets are named for deletion.
    const toFederated = await provision(action, emulator, { ...repositorySecretInputs(), ...inputsFromStoredSecrets(emulator), credential: 'federated' })
    expect(toFederated.main.exitCode === 0 ? 'exit 0' : explain(toFederated)).toBe('exit 0')
    expect(warningsOf(toFederated).join('\n')).toMatch(/pfx-base64 is ignored with credential: federated/)
    expect(warningsOf(toFederated).join('\n')).toMatch(/The secrets EXO_CERT_THUMBPRINT, EXO_CERT_PFX_BASE64, EXO_CERT_PASSWORD from credential: certificate are still stored/)
    expect(toFederated.summary).toMatch(/### Credential: federated/)
    expect(toFederated.outputs.credential).toBe('federated')
    expect(theApp().federatedIdentityCredentials.map(f => f.subject)).toEqual([MAIN])
    expect(theApp().keyCredentials.map(k => k.customKeyIdentifier)).toEqual([certificate])

    // A job still on the certificate connects as before.
    const stored = inputsFromStoredSecrets(emulator)
    const certificateJob = await action.run({ inputs: { mode: 'connect', 'app-id': stored['app-id'], organization: stored.organization, 'pfx-base64': stored['pfx-base64'], 'pfx-password': stored['pfx-password'] } })
    expect(certificateJob.main.exitCode === 0 ? 'exit 0' : explain(certificateJob)).toBe('exit 0')
    expect(certificateJob.outputs.credential).toBe('certificate')

    // Someone adds a federated credential by hand: this action never removes it.
    const token = await provisioningToken(emulator)
    const byHand = await graph(emulator, token, 'POST', `/applications/${theApp().id}/federatedIdentityCredentials`, {
      name: 'made-by-hand', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:octo/other:environment:prod', audiences: ['api://AzureADTokenExchange']
    })
    expect(byHand.status).toBe(201)

    // Back to the certificate: the held one is still valid, so it is kept; this action's
    // federated credential comes off (it would trust its subject for good), the hand-made one
    // stays and is warned about, and the summary marks both.
    emulator.log.clear()
    const back = await provision(action, emulator, { ...repositorySecretInputs(), ...inputsFromStoredSecrets(emulator) })
    expect(back.main.exitCode === 0 ? 'exit 0' : explain(back)).toBe('exit 0')
    expect(back.outputs.credential).toBe('certificate')
    expect(back.outputs['certificate-thumbprint']).toBe(certificate)
    expect(back.outputs.rotated).toBe('false')
    expect(back.summary).toMatch(/### Certificate/)
    expect(theApp().federatedIdentityCredentials.map(f => f.name)).toEqual(['made-by-hand'])
    expect(graphWrites(emulator)).toEqual([expect.stringMatching(/^DELETE \/v1\.0\/applications\/[0-9a-f-]+\/federatedIdentityCredentials\/[0-9a-f-]+ → 204$/)])
    expect(warningsOf(back).join('\n')).toMatch(/The app has a federated credential "made-by-hand" \(subject 'repo:octo\/other:environment:prod'.*\) that this action did not make/)
    const rows = resourceRows(back.summary)
    expect(rows.get(`Federated credential: ${MAIN}`)).toMatchObject({ before: 'present', after: 'removed', detail: expect.stringMatching(/^this pipeline's \(set [0-9a-f]{8}\): .*removed: the workflow uses credential: certificate/) })
    expect(rows.get('Federated credential: repo:octo/other:environment:prod')).toMatchObject({ before: 'present', after: 'present', detail: expect.stringMatching(/^made by someone else: made-by-hand;/) })
    expect(emulator.github.secretNames(REPOSITORY)).toEqual(expect.arrayContaining(['EXO_CERT_PFX_BASE64', 'EXO_APP_ID']))

    // A rerun: nothing more to remove, nothing written; the hand-made one is still warned about.
    emulator.log.clear()
    const rerun = await provision(action, emulator, { ...repositorySecretInputs(), ...inputsFromStoredSecrets(emulator) })
    expect(rerun.main.exitCode === 0 ? 'exit 0' : explain(rerun)).toBe('exit 0')
    expect(graphWrites(emulator)).toEqual([])
    expect(warningsOf(rerun).join('\n')).toMatch(/"made-by-hand"/)
  }, 240_000)

  it("back on credential: certificate with verify: false, this action's federated credential stays (with a warning) until a run's certificate has signed in", async () => {
    emulator = await startEmulator()
    const federated = await provision(action, emulator, { ...repositorySecretInputs(), credential: 'federated' })
    expect(federated.main.exitCode === 0 ? 'exit 0' : explain(federated)).toBe('exit 0')
    // The first certificate is stored unverified: jobs keep their federated sign-in.
    const unverified = await provision(action, emulator, { ...repositorySecretInputs(), ...inputsFromStoredSecrets(emulator), verify: 'false' })
    expect(unverified.main.exitCode === 0 ? 'exit 0' : explain(unverified)).toBe('exit 0')
    expect(theApp().keyCredentials).toHaveLength(1)
    expect(theApp().federatedIdentityCredentials.map(f => f.subject)).toEqual([MAIN])
    expect(warningsOf(unverified).join('\n')).toMatch(
      /Not removing the federated credential this pipeline no longer wants \(credential: certificate\) yet: 'verify' is false.*The next run whose certificate signs in \(verify: true\) removes it/
    )
    // The summary says so too: the credential is kept, not "removed".
    expect(resourceRows(unverified.summary).get(`Federated credential: ${MAIN}`)).toMatchObject({ before: 'present', after: 'present' })
    // The next run holds that certificate (nothing else to change): it verifies it, then the credential goes.
    const verified = await provision(action, emulator, { ...repositorySecretInputs(), ...inputsFromStoredSecrets(emulator) })
    expect(verified.main.exitCode === 0 ? 'exit 0' : explain(verified)).toBe('exit 0')
    expect(verified.outputs.rotated).toBe('false')
    expect(verified.main.stdout).toMatch(/Verified/)
    expect(theApp().federatedIdentityCredentials).toEqual([])
    expect(resourceRows(verified.summary).get(`Federated credential: ${MAIN}`)).toMatchObject({ before: 'present', after: 'removed' })
  }, 240_000)

  it('an app provisioned federated gets its first certificate when switched to certificate', async () => {
    emulator = await startEmulator()
    const federated = await provision(action, emulator, { ...repositorySecretInputs(), credential: 'federated' })
    expect(federated.main.exitCode === 0 ? 'exit 0' : explain(federated)).toBe('exit 0')
    expect(theApp().keyCredentials).toEqual([])
    const certificate = await provision(action, emulator, { ...repositorySecretInputs(), ...inputsFromStoredSecrets(emulator) })
    expect(certificate.main.exitCode === 0 ? 'exit 0' : explain(certificate)).toBe('exit 0')
    expect(certificate.outputs.rotated).toBe('true')
    expect(theApp().keyCredentials).toHaveLength(1)
    expect(emulator.github.secretValue(REPOSITORY, 'EXO_CERT_THUMBPRINT')).toBe(certificate.outputs['certificate-thumbprint'])
    expect(certificate.main.stdout).toMatch(/Verified/)
  }, 180_000)
})
