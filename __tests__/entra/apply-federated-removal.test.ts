/**
 * Removing this action's federated credentials that the plan no longer wants (apply.ts,
 * removeFederatedCredentials), against the emulator: each is a DELETE; one already gone (a
 * concurrent run or a person removed it) counts as removed; one Graph refuses fails the job
 * with a message naming every credential still on the app and the command that removes it,
 * since a federated credential never expires.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { resolveCloud } from '../../src/cloud.js'
import { removeFederatedCredentials } from '../../src/entra/apply.js'
import { federatedCredentialDescription, type FederatedCredential } from '../../src/entra/federated-credentials.js'
import { Graph } from '../../src/entra/graph.js'
import { planProvisioning } from '../../src/entra/plan.js'
import { UserError } from '../../src/errors.js'
import type { Settings } from '../../src/settings.js'
import { completeTenant, desired, NOW, THIS_SET } from './plan-fixtures.js'

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
    expect(e.log.list({ service: 'graph', method: 'DELETE' }).map(entry => entry.status)).toEqual([404, 204])
    expect(lines[0]).toMatch(/^Removing federated credential exo-cba-seeded-0 \(subject 'repo:octo\/demo:ref:refs\/heads\/main'\): the workflow uses credential: certificate/)
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
})
