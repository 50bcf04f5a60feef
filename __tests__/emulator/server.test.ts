/**
 * The emulator as a whole: the GitHub service is mounted next to Entra and Graph (Octokit
 * talks to it over the same CA), the request log and state dump, the HTTP control routes,
 * and the child-process mode used by `npm start` and end-to-end tests.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { getOctokit } from '@actions/github'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { graph, provisioningToken } from './helpers.js'

describe('emulator server', () => {
  let emulator: Emulator
  let token: string

  beforeAll(async () => {
    emulator = await startEmulator()
    token = await provisioningToken(emulator)
  })
  afterAll(async () => { await emulator?.close() })

  it('serves the GitHub secrets API to Octokit on its own port', async () => {
    const octokit = getOctokit(GITHUB_SEED.adminToken, { baseUrl: emulator.urls.github })
    const key = await octokit.rest.actions.getRepoPublicKey({ owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo })
    expect(key.status).toBe(200)
    expect(key.data.key_id).toEqual(expect.any(String))
    expect(emulator.log.list({ service: 'github' }).at(-1)).toMatchObject({ method: 'GET', status: 200, kind: 'read' })
  })

  it('logs every request with service, method, path, status, kind and timing', async () => {
    emulator.log.clear()
    await graph(emulator, token, 'POST', '/applications', { displayName: 'logged' })
    await graph(emulator, token, 'GET', '/organization')
    const entries = emulator.log.list({ service: 'graph' })
    expect(entries).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1.0/applications', status: 201, kind: 'write', ms: expect.any(Number), timestamp: expect.any(String) }),
      expect.objectContaining({ method: 'GET', path: '/v1.0/organization', status: 200, kind: 'read' })
    ])
    expect(emulator.log.list({ kind: 'write' })).toHaveLength(1)
  })

  it('dumps the directory state without secrets', () => {
    const dump = emulator.dump()
    expect(dump.tenant.tenantId).toBe(emulator.tenant.tenantId)
    expect(dump.tenant.applications.length).toBeGreaterThan(0)
    expect(JSON.stringify(dump)).not.toContain(emulator.provisioning.clientSecret)
  })

  it('is driven over HTTP through /_emulator control routes on the Graph port', async () => {
    const control = (method: string, path: string, body?: unknown) => fetch(`${emulator.urls.graph}/_emulator/${path}`, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body)
    })
    expect((await control('POST', 'faults', { service: 'graph', path: '/organization', first: 1, action: { kind: 'status', status: 503 } })).status).toBe(201)
    expect((await graph(emulator, token, 'GET', '/organization')).status).toBe(503)
    expect((await control('DELETE', 'faults')).status).toBe(204)
    const state = (await (await control('GET', 'state')).json()) as { tenant: { tenantId: string } }
    expect(state.tenant.tenantId).toBe(emulator.tenant.tenantId)
    const log = (await (await control('GET', 'log')).json()) as Array<{ status: number }>
    expect(log.some(e => e.status === 503)).toBe(true)
    const seeded = await control('POST', 'applications', { displayName: 'Seeded over HTTP', graphPermissions: ['Application.Read.All'] })
    expect(seeded.status).toBe(201)
    const { appId } = (await seeded.json()) as { appId: string }
    expect((await graph(emulator, token, 'GET', `/servicePrincipals(appId='${appId}')`)).json.displayName).toBe('Seeded over HTTP')
  })

  it('runs as a child process: prints its URLs as one JSON line and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'emulator/cli.ts'], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string]
      const started = JSON.parse(line) as { urls: Record<string, string>; tenantId: string; organization: string }
      expect(Object.keys(started.urls).sort()).toEqual(['arm', 'github', 'graph', 'login', 'oidc', 'proxy'])
      expect(started.organization).toBe('contoso.onmicrosoft.com')
      const discovery = await fetch(`${started.urls.login}/${started.tenantId}/v2.0/.well-known/openid-configuration`)
      expect(discovery.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = (await once(child, 'exit')) as [number | null]
    expect(code).toBe(0)
  })
})
