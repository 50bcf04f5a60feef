import { describe, it, expect, beforeEach } from '@jest/globals'
import sodium from 'libsodium-wrappers'
import { GITHUB_SEED, GitHubEmulator, type GitHubSecretScope } from '../../emulator/github.js'
import type { EmulatorRequest, EmulatorResponse } from '../../emulator/http.js'

const { owner, repo, environment, org, adminToken, repositoryToken, workflowToken } = GITHUB_SEED
const REPO = `/repos/${owner}/${repo}/actions/secrets`
const ENV = `/repos/${owner}/${repo}/environments/${environment}/secrets`
const ORG = `/orgs/${org}/actions/secrets`
const repositoryScope: GitHubSecretScope = { kind: 'repository', owner, repo }

let github: GitHubEmulator
beforeEach(() => {
  github = new GitHubEmulator()
})

async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown } = {}
): Promise<EmulatorResponse> {
  const token = options.token === undefined ? adminToken : options.token
  const rawBody = Buffer.from(options.body === undefined ? '' : JSON.stringify(options.body))
  const req: EmulatorRequest = {
    method,
    url: new URL(path, 'https://127.0.0.1'),
    headers: token === null ? {} : { authorization: `token ${token}` },
    rawBody,
    body: options.body
  }
  return (await github.handle(req)) ?? github.notFound(req)
}

function json(res: EmulatorResponse): Record<string, any> {
  return res.json as Record<string, any>
}

async function seal(base: string, value: string, token = adminToken): Promise<{ encrypted_value: string; key_id: string }> {
  const key = json(await call('GET', `${base}/public-key`, { token }))
  await sodium.ready
  const box = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL))
  return { encrypted_value: sodium.to_base64(box, sodium.base64_variants.ORIGINAL), key_id: key.key_id }
}

describe('GitHub emulator: public keys', () => {
  it('hands out one stable 32-byte crypto_box key per scope', async () => {
    const first = json(await call('GET', `${REPO}/public-key`))
    const again = json(await call('GET', `${REPO}/public-key`))
    const environmentKey = json(await call('GET', `${ENV}/public-key`))
    await sodium.ready
    expect(sodium.from_base64(first.key, sodium.base64_variants.ORIGINAL)).toHaveLength(32)
    expect(first.key_id).toMatch(/^\d+$/)
    expect(again).toEqual(first)
    expect(environmentKey.key).not.toBe(first.key)
  })
})

describe('GitHub emulator: writing secrets', () => {
  it('opens the sealed box, answers 201 then 204, and keeps the plaintext', async () => {
    const created = await call('PUT', `${REPO}/exo_app_id`, { body: await seal(REPO, 'first value') })
    const updated = await call('PUT', `${REPO}/EXO_APP_ID`, { body: await seal(REPO, 'second välue') })
    expect(created.status).toBe(201)
    expect(updated.status).toBe(204)
    expect(github.secretValue(repositoryScope, 'exo_app_id')).toBe('second välue')
    expect(github.secretNames(repositoryScope)).toEqual(['EXO_APP_ID'])
    expect(github.secretWrites).toEqual([
      { scope: `repos/${owner}/${repo}`, name: 'EXO_APP_ID', outcome: 'created' },
      { scope: `repos/${owner}/${repo}`, name: 'EXO_APP_ID', outcome: 'updated' }
    ])
  })

  it('reads and lists secrets without their values, and deletes them', async () => {
    await call('PUT', `${REPO}/ONE`, { body: await seal(REPO, 'hidden-one') })
    await call('PUT', `${REPO}/TWO`, { body: await seal(REPO, 'hidden-two') })
    const one = await call('GET', `${REPO}/one`)
    const list = await call('GET', `${REPO}?per_page=1&page=2`)
    expect(Object.keys(json(one)).sort()).toEqual(['created_at', 'name', 'updated_at'])
    expect(json(list)).toEqual({ total_count: 2, secrets: [expect.objectContaining({ name: 'TWO' })] })
    expect(JSON.stringify(list.json)).not.toContain('hidden')
    expect((await call('DELETE', `${REPO}/ONE`)).status).toBe(204)
    expect((await call('GET', `${REPO}/ONE`)).status).toBe(404)
  })

  it('dumps its state without values', async () => {
    await call('PUT', `${REPO}/DUMPED`, { body: await seal(REPO, 'dump-me-not') })
    const dump = github.dump()
    expect(dump.secrets[`repos/${owner}/${repo}`].map((secret) => secret.name)).toEqual(['DUMPED'])
    expect(dump.writes).toEqual([{ scope: `repos/${owner}/${repo}`, name: 'DUMPED', outcome: 'created' }])
    expect(JSON.stringify(dump)).not.toContain('dump-me-not')
  })

  it('writes environment secrets separately from repository secrets', async () => {
    expect((await call('PUT', `${ENV}/EXO_APP_ID`, { body: await seal(ENV, 'env value') })).status).toBe(201)
    expect(github.secretValue({ kind: 'environment', owner, repo, environment }, 'EXO_APP_ID')).toBe('env value')
    expect(github.secretValue(repositoryScope, 'EXO_APP_ID')).toBeUndefined()
  })

  it('rejects a value sealed with a key it no longer holds, or not sealed at all', async () => {
    const stale = await seal(REPO, 'value')
    github.rotatePublicKey(repositoryScope)
    const rotated = await call('PUT', `${REPO}/A`, { body: stale })
    const fresh = await seal(REPO, 'value')
    const garbage = await call('PUT', `${REPO}/A`, {
      body: { key_id: fresh.key_id, encrypted_value: Buffer.from('not a sealed box at all, just text').toString('base64') }
    })
    const missing = await call('PUT', `${REPO}/A`, { body: { key_id: fresh.key_id } })
    expect([rotated.status, garbage.status, missing.status]).toEqual([422, 422, 422])
    expect(json(rotated).message).toMatch(/key_id/)
    expect(github.secretNames(repositoryScope)).toEqual([])
  })

  it.each([['GITHUB_TOKEN_COPY'], ['1ST_SECRET'], ['WITH-DASH'], ['github_lower']])('refuses the name %s', async (name) => {
    const res = await call('PUT', `${REPO}/${name}`, { body: await seal(REPO, 'v') })
    expect(res.status).toBe(422)
    expect(json(res).message).toMatch(/Secret names/)
  })

  it('refuses a value over 48 KB and accepts one of exactly 48 KB', async () => {
    const tooBig = await call('PUT', `${REPO}/BIG`, { body: await seal(REPO, 'x'.repeat(48 * 1024 + 1)) })
    const limit = await call('PUT', `${REPO}/BIG`, { body: await seal(REPO, 'x'.repeat(48 * 1024)) })
    expect(tooBig.status).toBe(422)
    expect(json(tooBig).message).toMatch(/48 KB/)
    expect(limit.status).toBe(201)
  })

  it('refuses the 101st repository secret but still updates existing ones', async () => {
    for (let i = 0; i < 100; i++) github.seedSecret(repositoryScope, `S${i}`, 'v')
    const extra = await call('PUT', `${REPO}/S100`, { body: await seal(REPO, 'v') })
    const update = await call('PUT', `${REPO}/S7`, { body: await seal(REPO, 'w') })
    expect(extra.status).toBe(422)
    expect(update.status).toBe(204)
    expect(github.secretValue(repositoryScope, 'S7')).toBe('w')
  })

  it('serves the same API under the GHES /api/v3 prefix', async () => {
    const res = await call('PUT', `/api/v3${REPO}/GHES`, { body: await seal(`/api/v3${REPO}`, 'on ghes') })
    expect(res.status).toBe(201)
    expect(github.secretValue(repositoryScope, 'GHES')).toBe('on ghes')
  })
})

describe('GitHub emulator: organization secrets', () => {
  const orgScope: GitHubSecretScope = { kind: 'organization', org }

  it('stores visibility and the selected repositories', async () => {
    const body = { ...(await seal(ORG, 'org value')), visibility: 'selected', selected_repository_ids: [GITHUB_SEED.repositoryId] }
    expect((await call('PUT', `${ORG}/EXO_APP_ID`, { body })).status).toBe(201)
    const secret = json(await call('GET', `${ORG}/EXO_APP_ID`))
    const repositories = json(await call('GET', `${ORG}/EXO_APP_ID/repositories`))
    expect(secret.visibility).toBe('selected')
    expect(secret.selected_repositories_url).toMatch(/\/orgs\/contoso\/actions\/secrets\/EXO_APP_ID\/repositories$/)
    expect(repositories.repositories.map((r: { full_name: string }) => r.full_name)).toEqual([`${owner}/${repo}`])
    expect(github.secretValue(orgScope, 'exo_app_id')).toBe('org value')
  })

  it('requires a valid visibility and repositories of the organization', async () => {
    const noVisibility = await call('PUT', `${ORG}/A`, { body: await seal(ORG, 'v') })
    const foreign = await call('PUT', `${ORG}/A`, {
      body: { ...(await seal(ORG, 'v')), visibility: 'selected', selected_repository_ids: [424242] }
    })
    const idsWithoutSelected = await call('PUT', `${ORG}/A`, {
      body: { ...(await seal(ORG, 'v')), visibility: 'all', selected_repository_ids: [GITHUB_SEED.repositoryId] }
    })
    expect([noVisibility.status, foreign.status, idsWithoutSelected.status]).toEqual([422, 422, 422])
    expect(github.secretNames(orgScope)).toEqual([])
  })

  it('changes only the visibility when no value is sent for an existing secret', async () => {
    await call('PUT', `${ORG}/A`, { body: { ...(await seal(ORG, 'kept')), visibility: 'all' } })
    const res = await call('PUT', `${ORG}/A`, { body: { visibility: 'private' } })
    expect(res.status).toBe(204)
    expect(github.secret(orgScope, 'A')?.visibility).toBe('private')
    expect(github.secretValue(orgScope, 'A')).toBe('kept')
  })

  it('resolves repositories to ids', async () => {
    const res = await call('GET', `/repos/${owner}/${GITHUB_SEED.otherRepo}`)
    expect(json(res)).toMatchObject({ id: GITHUB_SEED.otherRepositoryId, full_name: `${owner}/${GITHUB_SEED.otherRepo}` })
  })
})

describe('GitHub emulator: who may do what', () => {
  it('answers 401 Bad credentials for an unknown token and 401 without one', async () => {
    const bad = await call('GET', `${REPO}/public-key`, { token: 'ghp_unknown' })
    const none = await call('GET', `${REPO}/public-key`, { token: null })
    expect(bad.status).toBe(401)
    expect(json(bad)).toMatchObject({ message: 'Bad credentials', documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com/) })
    expect(none.status).toBe(401)
  })

  it("refuses the workflow's GITHUB_TOKEN with 403 Resource not accessible by integration", async () => {
    const body = await seal(REPO, 'value')
    const res = await call('PUT', `${REPO}/A`, { token: workflowToken, body })
    expect(res.status).toBe(403)
    expect(json(res).message).toBe('Resource not accessible by integration')
    expect(github.secretWrites).toEqual([])
  })

  it('refuses organization secrets to a token with only repository permissions', async () => {
    const res = await call('GET', `${ORG}/public-key`, { token: repositoryToken })
    expect(res.status).toBe(403)
    expect(json(res).message).toBe('Resource not accessible by personal access token')
    expect((await call('GET', `${ENV}/public-key`, { token: repositoryToken })).status).toBe(200)
  })

  it('answers 404 Not Found for an unknown repository, environment or organization', async () => {
    const paths = [
      `/repos/${owner}/nope/actions/secrets/public-key`,
      `/repos/${owner}/${repo}/environments/staging/secrets/public-key`,
      `/orgs/nope/actions/secrets/public-key`,
      `/repos/${owner}/${repo}/actions/unknown-route`
    ]
    for (const path of paths) {
      const res = await call('GET', path)
      expect([path, res.status, json(res).message]).toEqual([path, 404, 'Not Found'])
    }
  })
})

describe('GitHub emulator: faults', () => {
  it('fails the next secret writes with the given status, storing nothing, then recovers', async () => {
    github.failSecretWrites(503, 2)
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await call('PUT', `${REPO}/A`, { body: await seal(REPO, 'v') })).status)
    expect(statuses).toEqual([503, 503, 201])
    expect(github.secretWrites).toHaveLength(1)
  })

  it('answers exactly one of several PUTs racing to create one name 201, though all looked it up before any stored it', async () => {
    github.interleaveSecretWrites(4)
    const bodies = await Promise.all([0, 1, 2, 3].map(i => seal(REPO, `value ${i}`)))
    // Not awaited one by one: the emulator holds each PUT until all four have looked EXO_LEASE up.
    const answers = await Promise.all(bodies.map(body => call('PUT', `${REPO}/EXO_LEASE`, { body })))
    expect(answers.map(answer => answer.status).sort()).toEqual([201, 204, 204, 204])
    expect(github.secretWrites.map(write => write.outcome)).toEqual(['created', 'updated', 'updated', 'updated'])
    // Later PUTs are not held.
    expect((await call('PUT', `${REPO}/B`, { body: await seal(REPO, 'v') })).status).toBe(201)
  })

  it('can store a PUT and lose its answer, so the client cannot tell it took effect (a retry gets 204)', async () => {
    github.loseSecretWriteAnswers(1, { only: /^A$/ })
    const lost = await call('PUT', `${REPO}/A`, { body: await seal(REPO, 'first') })
    expect(lost.status).toBe(502)
    expect(github.secretValue(repositoryScope, 'A')).toBe('first')
    expect((await call('PUT', `${REPO}/B`, { body: await seal(REPO, 'v') })).status).toBe(201)
    expect((await call('PUT', `${REPO}/A`, { body: await seal(REPO, 'again') })).status).toBe(204)
    expect(github.secretWrites.map(write => [write.name, write.outcome])).toEqual([
      ['A', 'created'],
      ['B', 'created'],
      ['A', 'updated']
    ])
  })

  it('can answer a secondary rate limit with retry-after', async () => {
    github.failSecretWrites(403, 1, { retryAfterSeconds: 3 })
    const res = await call('PUT', `${REPO}/A`, { body: await seal(REPO, 'v') })
    expect(res.status).toBe(403)
    expect(res.headers?.['retry-after']).toBe('3')
    expect(json(res).message).toMatch(/secondary rate limit/)
  })
})
