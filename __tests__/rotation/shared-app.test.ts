/**
 * Issue 21, point 3: two pipelines that keep the default app-name share one app (its
 * uniqueName comes from the name), each with its own certificate in its own secrets. Each
 * pipeline's runs revoke only the certificates of its own secret set, so neither ever loses
 * the certificate its jobs are using.
 *
 * Rotations run with the default `revoke-previous` (24 h). The clock cannot move inside the
 * bundled action and the emulator, so "the next scheduled run, once the grace is over" is a run
 * with `revoke-previous: 0`: for a run that keeps its held certificate that is exactly "the held
 * one has been on the app for the grace". A certificate due for rotation is a year old (it
 * started 355 days ago and ends in 10), so runs a moment apart are still told apart by start date.
 */
import { describe, expect, it } from '@jest/globals'
import { generateCertificate } from '../../src/certificate/index.js'
import { GITHUB_SEED, type GitHubSecretScope } from '../../emulator/github.js'
import type { Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import {
  appKeyCredentials,
  DAY_MS,
  endToEnd,
  expectSucceeded,
  inputsFromSecrets,
  openStoredPfx,
  provision,
  signsIn,
  storedSecrets
} from '../secrets-e2e/harness.js'

interface Pipeline {
  label: string
  inputs: Record<string, string>
  scope: GitHubSecretScope
}

/** Two repositories of one organization, each storing its own repository secrets. */
const pipelineA: Pipeline = {
  label: 'A',
  inputs: { 'secret-target': 'repository', 'github-token': GITHUB_SEED.adminToken, repository: `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}` },
  scope: { kind: 'repository', owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }
}
const pipelineB: Pipeline = {
  label: 'B',
  inputs: { 'secret-target': 'repository', 'github-token': GITHUB_SEED.adminToken, repository: `${GITHUB_SEED.owner}/${GITHUB_SEED.otherRepo}` },
  scope: { kind: 'repository', owner: GITHUB_SEED.owner, repo: GITHUB_SEED.otherRepo }
}

const bed = endToEnd()

/** A pipeline's scheduled run, with its stored secrets as inputs (a first run has none). */
async function scheduledRun(pipeline: Pipeline, extra: Record<string, string> = {}): Promise<ActionRun> {
  const stored = storedSecrets(bed.emulator, pipeline.scope)
  const run = await provision(bed.action, bed.emulator, {
    ...pipeline.inputs,
    ...(stored.CERT_PFX_BASE64 === undefined ? {} : inputsFromSecrets(bed.emulator, pipeline.scope)),
    ...extra
  })
  expectSucceeded(run)
  return run
}

/** The thumbprint a pipeline's jobs sign in with: the PFX in its secrets. */
function liveThumbprint(pipeline: Pipeline): string {
  return openStoredPfx(storedSecrets(bed.emulator, pipeline.scope)).thumbprint
}

/** The pipeline's held certificate is a year old and ends on the app in 10 days: its next run rotates (rotate-before-days 30). */
function makeDue(emulator: Emulator, appId: string, pipeline: Pipeline): void {
  emulator.setKeyCredentialEndDate(appId, liveThumbprint(pipeline), new Date(Date.now() + 10 * DAY_MS)).startDateTime = new Date(Date.now() - 355 * DAY_MS).toISOString()
}

/** The next scheduled run once the grace is over (see the header). */
const PAST_THE_GRACE = { 'revoke-previous': '0' }

describe('two pipelines sharing one app (default revoke-previous)', () => {
  it('each revokes only its own superseded certificates: neither ever loses the certificate its jobs use', async () => {
    const onApp = (): string[] => appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint)
    /** Both pipelines' live certificates are on the app, and both pipelines' jobs sign in. */
    const bothStillWork = async (when: string): Promise<void> => {
      for (const pipeline of [pipelineA, pipelineB]) {
        const live = liveThumbprint(pipeline)
        expect({ when, pipeline: pipeline.label, onApp: onApp().includes(live) }).toEqual({ when, pipeline: pipeline.label, onApp: true })
        const stored = storedSecrets(bed.emulator, pipeline.scope)
        const signsInNow = await signsIn(bed.emulator, appId, { base64: stored.CERT_PFX_BASE64 ?? '', password: stored.CERT_PASSWORD ?? '' })
        expect({ when, pipeline: pipeline.label, signsIn: signsInNow }).toEqual({ when, pipeline: pipeline.label, signsIn: true })
      }
    }

    // Both pipelines' first runs: one app, one certificate each.
    const firstA = await scheduledRun(pipelineA)
    const appId = firstA.outputs['app-id']
    const firstB = await scheduledRun(pipelineB)
    expect(firstB.outputs['app-id']).toBe(appId)
    const a1 = liveThumbprint(pipelineA)
    const b1 = liveThumbprint(pipelineB)
    expect(onApp().sort()).toEqual([a1, b1].sort())

    // A rotates; its next run past the grace revokes A's previous certificate, and only it.
    makeDue(bed.emulator, appId, pipelineA)
    const rotationA = await scheduledRun(pipelineA)
    expect(rotationA.outputs.rotated).toBe('true')
    const laterA = await scheduledRun(pipelineA, PAST_THE_GRACE)
    expect(onApp()).not.toContain(a1)
    await bothStillWork("after A's rotation and its run past the grace")
    expect(laterA.summary).toMatch(new RegExp(`\\| \`${b1}\` \\| another pipeline's \\(set [0-9a-f]{8}\\) \\|`))

    // B rotates; its next run past the grace revokes B's previous certificate, never A's.
    makeDue(bed.emulator, appId, pipelineB)
    const rotationB = await scheduledRun(pipelineB)
    expect(rotationB.outputs.rotated).toBe('true')
    await scheduledRun(pipelineB, PAST_THE_GRACE)
    expect(onApp()).not.toContain(b1)
    await bothStillWork("after B's rotation and its run past the grace")

    // A rotates again, revoking in the rotating run itself (0): A's held certificate goes, B's stays.
    const a2 = liveThumbprint(pipelineA)
    makeDue(bed.emulator, appId, pipelineA)
    const again = await scheduledRun(pipelineA, PAST_THE_GRACE)
    expect(again.outputs.rotated).toBe('true')
    expect(again.summary).toContain('The previous certificate was revoked in this run')
    expect(onApp()).not.toContain(a2)
    await scheduledRun(pipelineB, PAST_THE_GRACE)
    await bothStillWork("after A's second rotation and both pipelines' runs")
    expect(onApp().sort()).toEqual([liveThumbprint(pipelineA), liveThumbprint(pipelineB)].sort())
    // Each certificate records its pipeline's secret set: two sets, one per pipeline.
    const sets = new Set(appKeyCredentials(bed.emulator, appId).map(credential => /^exo-cba-action set ([0-9a-f]{8}) /.exec(credential.displayName ?? '')?.[1]))
    expect(sets.size).toBe(2)
    expect(sets.has(undefined)).toBe(false)
  }, 240_000)

  it("upgrading: a certificate made before certificates recorded their set is never revoked by another pipeline; the run warns how to remove it", async () => {
    const firstA = await scheduledRun(pipelineA)
    const appId = firstA.outputs['app-id']
    // B was set up 200 days ago by a version that did not record secret sets.
    const started = new Date(Date.now() - 200 * DAY_MS)
    const old = generateCertificate({ subject: 'CN=EXO Background Process', keySize: 2048, validityDays: 365, encryption: 'aes256', friendlyName: 'EXO Background Process', now: started })
    const app = bed.emulator.tenant.applicationByAppId(appId)
    if (app === undefined) throw new Error(`no app ${appId}`)
    const legacy = bed.emulator.tenant.keyCredentialFromCertificate(old.derBase64, { displayName: `exo-cba-action ${old.thumbprint.toUpperCase()} expires ${old.notAfter.toISOString().slice(0, 10)}`, visibleAt: 0 })
    app.keyCredentials.push(legacy)
    const seeded = { APP_ID: appId, TENANT_ID: firstA.outputs['tenant-id'], ORGANIZATION: firstA.outputs.organization, CERT_THUMBPRINT: old.thumbprint.toUpperCase(), CERT_PFX_BASE64: old.pfxBase64, CERT_PASSWORD: old.pfxPassword }
    for (const [name, value] of Object.entries(seeded)) bed.emulator.github.seedSecret(pipelineB.scope, `EXO_${name}`, value, started)
    const b1 = liveThumbprint(pipelineB)

    makeDue(bed.emulator, appId, pipelineA)
    await scheduledRun(pipelineA)
    const laterA = await scheduledRun(pipelineA, PAST_THE_GRACE)
    await scheduledRun(pipelineB, PAST_THE_GRACE)
    expect(appKeyCredentials(bed.emulator, appId).map(credential => credential.thumbprint).sort()).toEqual([liveThumbprint(pipelineA), b1].sort())
    const stored = storedSecrets(bed.emulator, pipelineB.scope)
    expect(await signsIn(bed.emulator, appId, { base64: stored.CERT_PFX_BASE64 ?? '', password: stored.CERT_PASSWORD ?? '' })).toBe(true)
    expect(laterA.main.stdout).toMatch(new RegExp(`::warning title=Certificate of an unknown pipeline left on the app::revoke-previous left certificate ${b1} .*az ad app credential delete --id ${appId} --key-id ${legacy.keyId}`))
    expect(laterA.summary).toContain(`| \`${b1}\` | unknown pipeline (made before certificates recorded their secret set) |`)
  }, 120_000)
})
