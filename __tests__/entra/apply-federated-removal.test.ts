/**
 * Removing this action's federated credentials that the plan no longer wants (apply.ts,
 * removeFederatedCredentials), against the emulator: each is read again, then a DELETE; one
 * already gone (a concurrent run or a person removed it) counts as removed; one another
 * pipeline recorded its set on since the plan's read stays, with only this run's set taken off
 * (the same for a `leave` update); one Graph refuses fails the job with a message naming every
 * credential still on the app and the command that removes it, since a federated credential
 * never expires.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { resolveCloud } from '../../src/cloud.js'
import type { CertificateInAdvance } from '../../src/certificate/index.js'
import { applyPlan, removeFederatedCredentials } from '../../src/entra/apply.js'
import { federatedCredentialDescription, federatedCredentialSets, type FederatedCredential } from '../../src/entra/federated-credentials.js'
import { Graph } from '../../src/entra/graph.js'
import { planProvisioning, type Plan, type UpdateFederatedCredential } from '../../src/entra/plan.js'
import { UserError } from '../../src/errors.js'
import { secretSetOf } from '../../src/github/secret-set.js'
import type { Settings } from '../../src/settings.js'
import { completeTenant, desired, NOW, OTHER_SET, THIS_SET } from './plan-fixtures.js'

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

const SUBJECTS = ['repo:octo/demo:ref:refs/heads/main', 'repo:octo/demo:environment:prod']
const settings = { signIn: { clientId: 'provisioning-client' } } as unknown as Settings

/** An app with two of this action's federated credentials, and the plan of a run back on credential: certificate. */
async function appAndPlan(graphPermissions?: string[]) {
  const e = await startEmulator(graphPermissions === undefined ? {} : { provisioning: { graphPermissions } })
  emulator = e
  const { app } = e.tenant.seedApplication(
    { displayName: 'EXO Background Process', federatedCredentials: SUBJECTS.map((subject, i) => ({ subject, name: `exo-cba-seeded-${i}` })) },
    e.urls.oidc
  )
  const tenant = completeTenant([])
  tenant.app = {
    ...tenant.app!,
    objectId: app.id,
    appId: app.appId,
    federatedCredentials: app.federatedIdentityCredentials.map(
      // This pipeline's, as this version records them (the seed has no description).
      (f): FederatedCredential => ({ id: f.id, name: f.name, issuer: f.issuer, subject: f.subject, audiences: f.audiences, description: federatedCredentialDescription([THIS_SET.id]) })
    )
  }
  const credential = new ClientSecretCredential(e.tenant.tenantId, e.provisioning.appId, e.provisioning.clientSecret, {
    authorityHost: e.urls.login,
    disableInstanceDiscovery: true
  })
  const graph = Graph.create(credential, resolveCloud('global', { authorityHost: e.urls.login, graphEndpoint: e.urls.graph }))
  return { e, app, graph, plan: planProvisioning(desired(), tenant, NOW) }
}

describe('removeFederatedCredentials', () => {
  it('deletes each one; one already gone counts as removed', async () => {
    const { e, app, graph, plan } = await appAndPlan()
    expect(plan.removeFederatedCredentials).toHaveLength(2)
    // A person removed the first one between the read and this step.
    app.federatedIdentityCredentials.shift()
    const lines: string[] = []
    const removed = await removeFederatedCredentials(plan, { graph, settings, log: line => lines.push(line) })
    expect(removed).toEqual(plan.removeFederatedCredentials)
    expect(app.federatedIdentityCredentials).toEqual([])
    // One GET each, right before its DELETE; the one already gone needs no DELETE.
    expect(e.log.list({ service: 'graph', method: 'GET', path: /federatedIdentityCredentials\/[^/?]+$/ }).map(entry => entry.status)).toEqual([404, 200])
    expect(e.log.list({ service: 'graph', method: 'DELETE' }).map(entry => entry.status)).toEqual([204])
    expect(lines[0]).toMatch(/^The federated credential exo-cba-seeded-0 \(subject 'repo:octo\/demo:ref:refs\/heads\/main'\) is already gone from the app/)
    expect(lines[1]).toMatch(/^Removing federated credential exo-cba-seeded-1 \(subject 'repo:octo\/demo:environment:prod'\): the workflow uses credential: certificate/)
  })

  it('one another pipeline recorded its set on since the plan was made stays, with only this set taken off; one it recorded on alone stays unchanged', async () => {
    const { e, app, graph, plan } = await appAndPlan()
    expect(plan.removeFederatedCredentials?.map(change => change.credential.name)).toEqual(['exo-cba-seeded-0', 'exo-cba-seeded-1'])
    // Between the plan's read and the removal (verification, secrets), pipeline B recorded its set on both.
    const [main, prod] = app.federatedIdentityCredentials
    main.description = federatedCredentialDescription([THIS_SET.id, OTHER_SET.id])
    prod.description = federatedCredentialDescription([OTHER_SET.id])
    e.log.clear()
    const lines: string[] = []
    const removed = await removeFederatedCredentials(plan, { graph, settings, log: line => lines.push(line) })
    expect(removed).toEqual([])
    expect(app.federatedIdentityCredentials.map(f => [f.name, federatedCredentialSets(f)])).toEqual([
      ['exo-cba-seeded-0', [OTHER_SET.id]],
      ['exo-cba-seeded-1', [OTHER_SET.id]]
    ])
    expect(e.log.list({ service: 'graph', method: 'DELETE' })).toEqual([])
    expect(e.log.list({ service: 'graph', method: 'PATCH' }).map(entry => `${entry.path} → ${entry.status}`)).toEqual([`/v1.0/applications/${app.id}/federatedIdentityCredentials/${main.id} → 204`])
    expect(lines).toEqual([
      expect.stringMatching(/^Keeping federated credential exo-cba-seeded-0 .*: another pipeline sharing the app recorded its secret set \(9f8e7d6c\) on it since this run read the app, so its jobs sign in through it; only this pipeline's set comes off$/),
      expect.stringMatching(/^Keeping federated credential exo-cba-seeded-1 .*recorded its secret set \(9f8e7d6c\) on it since this run read the app, so its jobs sign in through it$/)
    ])
  })

  it('a refused removal fails with every credential still on the app and the command to remove it, after trying them all', async () => {
    const { e, app, graph, plan } = await appAndPlan(['Application.Read.All'])
    const error = await removeFederatedCredentials(plan, { graph, settings, log: () => undefined }).then(
      () => undefined,
      (thrown: unknown) => thrown
    )
    expect(error).toBeInstanceOf(UserError)
    const message = (error as Error).message
    expect(message).toMatch(/^Could not remove 2 federated credentials this action made and no longer wants; until removed, jobs with their subjects can still sign in to Exchange Online as app /)
    for (const fic of app.federatedIdentityCredentials) {
      expect(message).toContain(`- ${fic.name} (subject '${fic.subject}'): `)
      expect(message).toContain(`az ad app federated-credential delete --id ${app.appId} --federated-credential-id ${fic.id}`)
    }
    expect(e.log.list({ service: 'graph', method: 'DELETE' }).map(entry => entry.status)).toEqual([403, 403])
    expect(app.federatedIdentityCredentials).toHaveLength(2)
  })

  it("a leave update reads the credential first: a set recorded since the plan's read is kept, only this set comes off", async () => {
    const { e, app, graph } = await appAndPlan()
    const secrets = { target: 'repository', prefix: 'EXO_', repository: { owner: 'octo', repo: 'demo' } } as const
    const mine = secretSetOf(secrets).id
    const third = '0c0c0c0c'
    const [main] = app.federatedIdentityCredentials
    // As the plan read it: this set and B's; this run no longer lists it, so it leaves.
    const leave: UpdateFederatedCredential = {
      kind: 'update-federated-credential',
      appObjectId: app.id,
      id: main.id,
      credential: { name: main.name, issuer: main.issuer, subject: main.subject, audiences: main.audiences, description: federatedCredentialDescription([OTHER_SET.id]) },
      why: 'leave'
    }
    // Since then a third pipeline recorded its set.
    main.description = federatedCredentialDescription([mine, OTHER_SET.id, third])
    const tenant = completeTenant([])
    tenant.app = { ...tenant.app!, objectId: app.id, appId: app.appId }
    const plan = { ...planProvisioning(desired(), tenant, NOW), phases: [[leave]] } as Plan
    e.log.clear()
    await applyPlan(plan, tenant, {
      graph,
      settings: { ...settings, secrets } as unknown as Settings,
      now: NOW,
      log: () => undefined,
      newCertificate: {} as CertificateInAdvance
    })
    expect(federatedCredentialSets(main)).toEqual([OTHER_SET.id, third].sort())
    expect(e.log.list({ service: 'graph', path: /federatedIdentityCredentials/ }).map(entry => entry.method)).toEqual(['GET', 'PATCH'])
  })
})
