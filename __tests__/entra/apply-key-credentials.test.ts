/**
 * The confirmed write of an app's keyCredentials (apply.ts): a PATCH replaces the whole
 * collection, so every write is read back; a writer that replaced it in between is merged
 * with (nothing of theirs or ours is lost), and one that keeps doing so ends the run with a
 * clear error after a bounded number of attempts, waiting as the retry policy says between them.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { ClientSecretCredential } from '@azure/identity'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { generateCertificate } from '../../src/certificate/index.js'
import { resolveCloud } from '../../src/cloud.js'
import { ensureCertificateOnApp } from '../../src/entra/apply.js'
import { Graph } from '../../src/entra/graph.js'
import { thumbprintOfDer } from '../../src/entra/key-credentials.js'
import { UserError } from '../../src/errors.js'

let emulator: Emulator
beforeEach(async () => {
  emulator = await startEmulator()
})
afterEach(async () => {
  await emulator.close()
})

function graph(): Graph {
  const credential = new ClientSecretCredential(emulator.tenant.tenantId, emulator.provisioning.appId, emulator.provisioning.clientSecret, {
    authorityHost: emulator.urls.login,
    disableInstanceDiscovery: true
  })
  return Graph.create(credential, resolveCloud('global', { authorityHost: emulator.urls.login, graphEndpoint: emulator.urls.graph }))
}

const certificate = (subject: string) =>
  generateCertificate({ subject, keySize: 2048, validityDays: 30, encryption: 'aes256', friendlyName: subject, now: new Date() })

/** After each keyCredentials PATCH of the app, `replace` sets the collection, as a concurrent writer's stale PATCH would. */
function interfere(appObjectId: string, replace: (patch: number) => string[] | undefined): { patches: () => number } {
  let patches = 0
  emulator.log.onRecord(entry => {
    if (entry.service !== 'graph' || entry.method !== 'PATCH' || entry.path !== `/v1.0/applications/${appObjectId}`) return
    const keys = replace(++patches)
    if (keys === undefined) return
    const app = [...emulator.tenant.applications.values()].find(candidate => candidate.id === appObjectId)
    if (app === undefined) throw new Error('no such app')
    app.keyCredentials = keys.map(key => emulator.tenant.keyCredentialFromCertificate(key, { visibleAt: 0 }))
  })
  return { patches: () => patches }
}

function onApp(appObjectId: string): string[] {
  const app = [...emulator.tenant.applications.values()].find(candidate => candidate.id === appObjectId)
  return (app?.keyCredentials ?? []).map(credential => thumbprintOfDer(credential.key)).sort()
}

describe('ensureCertificateOnApp', () => {
  it("merges with a writer that replaced the collection in between: both certificates stay", async () => {
    const { app } = emulator.tenant.seedApplication({ displayName: 'Contoso EXO' }, emulator.urls.oidc)
    const ours = certificate('CN=ours')
    const theirs = certificate('CN=theirs')
    const writer = interfere(app.id, patch => (patch === 1 ? [theirs.derBase64] : undefined))
    expect(await ensureCertificateOnApp(graph(), app.id, ours, '1a2b3c4d')).toBe(true)
    expect(writer.patches()).toBe(2)
    expect(onApp(app.id)).toEqual([ours.thumbprint, theirs.thumbprint].map(t => t.toUpperCase()).sort())
  })

  it('gives up with a clear error after five attempts against a writer that always undoes it', async () => {
    const { app } = emulator.tenant.seedApplication({ displayName: 'Contoso EXO' }, emulator.urls.oidc)
    const writer = interfere(app.id, () => [])
    const error = await ensureCertificateOnApp(graph(), app.id, certificate('CN=ours'), '1a2b3c4d').then(
      () => undefined,
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toMatch(/kept changing under this run .* Nothing was lost; run the workflow again/)
    expect(writer.patches()).toBe(5)
  }, 60_000)
})
