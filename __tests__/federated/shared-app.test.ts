/**
 * Issue 21: two pipelines of different repositories keep the default app-name, so they share
 * one app, both with `credential: federated` and their own subjects. Each run removes only the
 * federated credentials of its own secret set it no longer wants, so neither pipeline's runs
 * cut off the other's jobs (before, each run removed the other's credentials: their jobs took
 * turns failing). Credentials made by an earlier version record no set: the one naming this
 * repository that the pipeline no longer lists is removed, another repository's is left with a
 * warning, and one still listed gets the pipeline's set.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { emulatorEnv } from '../../scripts/lib/emulated-run.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { explain, graphWrites, provision, resourceRows, warningsOf } from '../provision/provision-helpers.js'

interface Pipeline {
  label: string
  repository: string
  /** The subject of its Exchange jobs (they run in its prod environment). */
  subject: string
}

const A: Pipeline = { label: 'A', repository: `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`, subject: `repo:${GITHUB_SEED.owner}/${GITHUB_SEED.repo}:environment:prod` }
const B: Pipeline = { label: 'B', repository: `${GITHUB_SEED.owner}/${GITHUB_SEED.otherRepo}`, subject: `repo:${GITHUB_SEED.owner}/${GITHUB_SEED.otherRepo}:environment:prod` }
const A_STAGING = `repo:${A.repository}:environment:staging`
/** A branch of A's repository whose jobs once signed in outside an environment. */
const A_RELEASE = `repo:${A.repository}:ref:refs/heads/release`
const APP_NAME = 'EXO Background Process'
/** The description earlier versions wrote: no secret set. */
const EARLIER_DESCRIPTION = 'exo-cba-action: GitHub Actions jobs with this subject sign in to Exchange Online as this app (credential: federated).'

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
  return [...emulator!.tenant.applications.values()].find(app => app.displayName === APP_NAME)!
}
const credentialsOnApp = () => theApp().federatedIdentityCredentials.map(f => f.subject).sort()

/** The pipeline's provisioning run, in its own repository, keeping its secrets there. */
async function provisionRun(pipeline: Pipeline, subjects: string[], extra: Record<string, string> = {}): Promise<ActionRun> {
  const run = await provision(
    action,
    emulator!,
    {
      credential: 'federated',
      'federated-subjects': subjects.join('\n'),
      organization: 'contoso.onmicrosoft.com',
      'secret-target': 'repository',
      'github-token': GITHUB_SEED.adminToken,
      repository: pipeline.repository,
      ...extra
    },
    { env: { ...emulatorEnv(emulator!), GITHUB_REPOSITORY: pipeline.repository } }
  )
  expect({ pipeline: pipeline.label, result: run.main.exitCode === 0 ? 'exit 0' : explain(run) }).toEqual({ pipeline: pipeline.label, result: 'exit 0' })
  return run
}

/** One of the pipeline's Exchange jobs: connect mode with its own OIDC token (subject), as a job in its prod environment. */
async function jobSignsIn(pipeline: Pipeline): Promise<string> {
  const provisioning = emulator!.oidc.subject
  emulator!.oidc.subject = pipeline.subject
  try {
    const run = await action.run({
      inputs: { mode: 'connect', credential: 'federated', 'app-id': theApp().appId, 'tenant-id': emulator!.tenant.tenantId, organization: 'contoso.onmicrosoft.com', 'authority-host': emulator!.urls.login },
      env: { ...emulatorEnv(emulator!), GITHUB_REPOSITORY: pipeline.repository },
      skipPost: true
    })
    return run.main.exitCode === 0 ? 'signs in' : explain(run)
  } finally {
    emulator!.oidc.subject = provisioning
  }
}

describe('two pipelines sharing one app, both with credential: federated', () => {
  it("A, B, A: both pipelines' credentials stay on the app and both pipelines' jobs sign in; A's dropped subject goes; reruns write nothing", async () => {
    emulator = await startEmulator()
    await provisionRun(A, [A.subject, A_STAGING])
    await provisionRun(B, [B.subject])
    expect(credentialsOnApp()).toEqual([A.subject, A_STAGING, B.subject].sort())

    // A drops staging: its own credential goes, B's (which A does not list either) stays.
    emulator.log.clear()
    const again = await provisionRun(A, [A.subject])
    expect(credentialsOnApp()).toEqual([A.subject, B.subject].sort())
    expect(graphWrites(emulator)).toEqual([expect.stringMatching(/^DELETE \/v1\.0\/applications\/[0-9a-f-]+\/federatedIdentityCredentials\/[0-9a-f-]+ → 204$/)])
    const rows = resourceRows(again.summary)
    expect(rows.get(`Federated credential: ${B.subject}`)).toMatchObject({ before: 'present', after: 'present', detail: expect.stringMatching(/^another pipeline's \(set [0-9a-f]{8}\): exo-cba-/) })
    expect(rows.get(`Federated credential: ${A.subject}`)).toMatchObject({ after: 'present', detail: expect.stringMatching(/^this pipeline's \(set [0-9a-f]{8}\)/) })
    expect(rows.get(`Federated credential: ${A_STAGING}`)).toMatchObject({ after: 'removed' })

    expect({ A: await jobSignsIn(A), B: await jobSignsIn(B) }).toEqual({ A: 'signs in', B: 'signs in' })

    // Each credential records its pipeline's set in its description; the two sets differ.
    const sets = theApp().federatedIdentityCredentials.map(f => /\(credential: federated; secret set ([0-9a-f]{8})\)\.$/.exec(f.description ?? '')?.[1])
    expect(new Set(sets).size).toBe(2)
    expect(sets).not.toContain(undefined)

    // Reruns of both pipelines: nothing to add, update or remove.
    emulator.log.clear()
    await provisionRun(B, [B.subject])
    await provisionRun(A, [A.subject])
    expect(graphWrites(emulator)).toEqual([])
    expect(credentialsOnApp()).toEqual([A.subject, B.subject].sort())
    expect({ A: await jobSignsIn(A), B: await jobSignsIn(B) }).toEqual({ A: 'signs in', B: 'signs in' })
  }, 300_000)

  it("back on credential: certificate, A removes its own federated credentials and none of B's", async () => {
    emulator = await startEmulator()
    await provisionRun(A, [A.subject])
    await provisionRun(B, [B.subject])
    const back = await provisionRun(A, [], { credential: 'certificate', 'federated-subjects': '' })
    expect(credentialsOnApp()).toEqual([B.subject])
    expect(resourceRows(back.summary).get(`Federated credential: ${B.subject}`)).toMatchObject({ after: 'present', detail: expect.stringMatching(/^another pipeline's \(set [0-9a-f]{8}\)/) })
    expect(await jobSignsIn(B)).toBe('signs in')
  }, 240_000)
})

describe('upgrading: federated credentials made by an earlier version (no secret set recorded)', () => {
  it("this repository's listed one gets A's set (same credential), its unlisted branch one is removed, another repository's is kept with a warning; a rerun writes nothing", async () => {
    const earlier = (subject: string, slug: string) => ({ name: `exo-cba-${slug}`, subject, description: EARLIER_DESCRIPTION })
    emulator = await startEmulator({
      apps: [{ displayName: APP_NAME, federatedCredentials: [earlier(A.subject, 'a-prod'), earlier(A_RELEASE, 'a-release'), earlier(B.subject, 'b-prod')] }]
    })
    const before = new Map(theApp().federatedIdentityCredentials.map(f => [f.subject, f.id]))

    emulator.log.clear()
    const run = await provisionRun(A, [A.subject])
    expect(credentialsOnApp()).toEqual([A.subject, B.subject].sort())
    const prod = theApp().federatedIdentityCredentials.find(f => f.subject === A.subject)!
    expect({ id: prod.id, name: prod.name }).toEqual({ id: before.get(A.subject), name: 'exo-cba-a-prod' })
    expect(prod.description).toMatch(/\(credential: federated; secret set [0-9a-f]{8}\)\.$/)
    expect(theApp().federatedIdentityCredentials.find(f => f.subject === B.subject)?.description).toBe(EARLIER_DESCRIPTION)
    // Its set recorded on the listed one (PATCH, name unchanged), its unlisted one removed; nothing else of the credentials written.
    expect(graphWrites(emulator).filter(write => write.includes('/federatedIdentityCredentials')).sort()).toEqual(
      [
        `PATCH /v1.0/applications/${theApp().id}/federatedIdentityCredentials/${prod.id} → 204`,
        `DELETE /v1.0/applications/${theApp().id}/federatedIdentityCredentials/${before.get(A_RELEASE)} → 204`
      ].sort()
    )
    expect(warningsOf(run).join('\n')).toContain(`"exo-cba-b-prod" (subject '${B.subject}'`)
    expect(warningsOf(run).join('\n')).toContain(`az ad app federated-credential delete --id ${theApp().appId} --federated-credential-id ${before.get(B.subject)}`)
    const rows = resourceRows(run.summary)
    expect(rows.get(`Federated credential: ${B.subject}`)).toMatchObject({ after: 'present', detail: expect.stringMatching(/^earlier version's \(no secret set recorded\)/) })
    expect(rows.get(`Federated credential: ${A.subject}`)).toMatchObject({ after: 'updated', detail: expect.stringMatching(/^this pipeline's \(set [0-9a-f]{8}\)/) })
    expect(rows.get(`Federated credential: ${A_RELEASE}`)).toMatchObject({ after: 'removed', detail: expect.stringMatching(/^earlier version's/) })
    expect(await jobSignsIn(A)).toBe('signs in')
    expect(await jobSignsIn(B)).toBe('signs in')

    emulator.log.clear()
    await provisionRun(A, [A.subject])
    expect(graphWrites(emulator)).toEqual([])

    // B upgrades too: its credential gets B's set, so A's later runs report it as another pipeline's.
    await provisionRun(B, [B.subject])
    expect(theApp().federatedIdentityCredentials.find(f => f.subject === B.subject)?.description).toMatch(/secret set [0-9a-f]{8}\)\.$/)
    const later = await provisionRun(A, [A.subject])
    expect(resourceRows(later.summary).get(`Federated credential: ${B.subject}`)?.detail).toMatch(/^another pipeline's \(set [0-9a-f]{8}\)/)
    expect(warningsOf(later).join('\n')).not.toContain('exo-cba-b-prod')
  }, 300_000)

  it("one repository, P1 (repository secrets, lists ref:refs/heads/main) then P2 (environment secrets, lists environment:production): P1 never removes P2's credential, and P2's jobs still sign in", async () => {
    const repository = A.repository
    const P1: Pipeline = { label: 'P1', repository, subject: `repo:${repository}:ref:refs/heads/main` }
    const P2: Pipeline = { label: 'P2', repository, subject: `repo:${repository}:environment:${GITHUB_SEED.environment}` }
    emulator = await startEmulator({
      apps: [{ displayName: APP_NAME, federatedCredentials: [{ name: 'exo-cba-main', subject: P1.subject, description: EARLIER_DESCRIPTION }, { name: 'exo-cba-production', subject: P2.subject, description: EARLIER_DESCRIPTION }] }]
    })
    const p2Credential = theApp().federatedIdentityCredentials.find(f => f.subject === P2.subject)!

    // P1's first run of this version: P2's environment credential records no set and names this
    // repository, but an environment subject is never the repository set's to claim.
    const first = await provisionRun(P1, [P1.subject])
    expect(credentialsOnApp()).toEqual([P1.subject, P2.subject].sort())
    expect(p2Credential.description).toBe(EARLIER_DESCRIPTION)
    expect(warningsOf(first).join('\n')).toContain(`az ad app federated-credential delete --id ${theApp().appId} --federated-credential-id ${p2Credential.id}`)
    expect(await jobSignsIn(P2)).toBe('signs in')

    // P2's first run records its set; P1's next run then reports it as another pipeline's.
    await provisionRun(P2, [P2.subject], { 'secret-target': 'environment', 'secret-environment': GITHUB_SEED.environment })
    expect(p2Credential.description).toMatch(/secret set [0-9a-f]{8}\)\.$/)
    const later = await provisionRun(P1, [P1.subject])
    expect(resourceRows(later.summary).get(`Federated credential: ${P2.subject}`)?.detail).toMatch(/^another pipeline's \(set [0-9a-f]{8}\)/)
    expect({ P1: await jobSignsIn(P1), P2: await jobSignsIn(P2) }).toEqual({ P1: 'signs in', P2: 'signs in' })
  }, 300_000)
})
