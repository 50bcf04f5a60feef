import { describe, it, expect, beforeEach, afterEach } from '@jest/globals'
import { createServer, type AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import sodium from 'libsodium-wrappers'
import { GITHUB_SEED, type GitHubEmulator } from '../../emulator/github.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { UserError } from '../../src/errors.js'
import { sealSecretValue } from '../../src/github/sealed-box.js'
import { secretNames } from '../../src/github/secret-names.js'
import { SecretWriteError, writeSecrets, type SecretTarget, type WriteSecretsOptions } from '../../src/github/secrets.js'
import { writeSecretSet } from '../../src/github/stored-secrets.js'

const { owner, repo, environment, org, adminToken, repositoryToken, workflowToken } = GITHUB_SEED
const repositoryTarget: SecretTarget = { kind: 'repository', owner, repo }
const environmentTarget: SecretTarget = { kind: 'environment', owner, repo, environment }

/** What a provision run stores: six values that must never show up in an error. */
function sixSecrets(prefix = 'EXO_'): Record<string, string> {
  const names = secretNames(prefix)
  return {
    [names.appId]: 'a1b2c3d4-0000-4000-8000-00000000app1',
    [names.tenantId]: 'tttttttt-0000-4000-8000-0000000tenant',
    [names.organization]: 'contoso.onmicrosoft.com',
    [names.certThumbprint]: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
    [names.certPfxBase64]: Buffer.from('pretend-pfx-bytes-\u0000\u00ff-'.repeat(200)).toString('base64'),
    [names.certPassword]: 'Pfx-Password-Üñíçødé-very-secret'
  }
}

let emulator: Emulator
let github: GitHubEmulator
let options: WriteSecretsOptions
beforeEach(async () => {
  emulator = await startEmulator()
  github = emulator.github
  // Tiny backoff so retries do not slow the tests; the policy itself is unchanged.
  options = { token: adminToken, apiUrl: emulator.urls.github, retry: { baseDelayMs: 1 } }
})
afterEach(async () => {
  await emulator.close()
})

/** What reached the emulated GitHub, in order. */
function requests(): Array<{ method: string; path: string; status: number }> {
  return emulator.log.list({ service: 'github' }).map(({ method, path, status }) => ({ method, path, status }))
}

/** Runs `write`, expecting a UserError whose text and dump carry neither a secret value nor the token. */
async function failure(write: () => Promise<unknown>, values: Record<string, string>, token: string): Promise<UserError> {
  const error = await write().then(
    () => {
      throw new Error('expected the write to fail')
    },
    (caught: unknown) => caught
  )
  expect(error).toBeInstanceOf(UserError)
  const dump = `${String(error)}\n${inspect(error, { depth: 20 })}`
  for (const value of Object.values(values)) expect(dump).not.toContain(value)
  expect(dump).not.toContain(token)
  return error as UserError
}

describe('sealed boxes', () => {
  it('open with the matching private key to exactly the sealed text', async () => {
    await sodium.ready
    const pair = sodium.crypto_box_keypair()
    const value = 'line one\nline two – ünïcode ✓'
    const box = await sealSecretValue(value, sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL))
    const opened = sodium.crypto_box_seal_open(sodium.from_base64(box, sodium.base64_variants.ORIGINAL), pair.publicKey, pair.privateKey)
    expect(sodium.to_string(opened)).toBe(value)
    expect(box).not.toContain(Buffer.from(value).toString('base64').slice(0, 12))
  })
})

describe('writeSecrets', () => {
  it('writes the six secrets to a repository, and GitHub decrypts exactly the values', async () => {
    const secrets = sixSecrets()
    const result = await writeSecrets(repositoryTarget, secrets, options)
    expect(result.target).toBe(`repository ${owner}/${repo}`)
    expect(result.created).toEqual(Object.keys(secrets).sort())
    expect(result.updated).toEqual([])
    for (const [name, value] of Object.entries(secrets)) expect(github.secretValue(repositoryTarget, name)).toBe(value)
    // One public key for the whole call.
    expect(requests().filter((r) => r.path.endsWith('/public-key'))).toHaveLength(1)
  })

  it('writes environment secrets', async () => {
    const secrets = sixSecrets('PROD_')
    const result = await writeSecrets(environmentTarget, secrets, options)
    expect(result.created).toHaveLength(6)
    for (const [name, value] of Object.entries(secrets)) expect(github.secretValue(environmentTarget, name)).toBe(value)
    expect(github.secretNames(repositoryTarget)).toEqual([])
  })

  it('writes organization secrets visible to repositories selected by name and by id', async () => {
    const secrets = sixSecrets()
    const target: SecretTarget = {
      kind: 'organization',
      org,
      visibility: 'selected',
      selectedRepositories: [repo],
      selectedRepositoryIds: [GITHUB_SEED.otherRepositoryId]
    }
    await writeSecrets(target, secrets, options)
    for (const [name, value] of Object.entries(secrets)) {
      expect(github.secretValue(target, name)).toBe(value)
      const stored = github.secret(target, name)
      expect(stored?.visibility).toBe('selected')
      expect(stored?.selectedRepositoryIds?.sort()).toEqual([GITHUB_SEED.repositoryId, GITHUB_SEED.otherRepositoryId].sort())
    }
  })

  it('writes private organization secrets', async () => {
    const target: SecretTarget = { kind: 'organization', org, visibility: 'private' }
    await writeSecrets(target, { EXO_APP_ID: 'app' }, options)
    expect(github.secret(target, 'EXO_APP_ID')).toMatchObject({ visibility: 'private' })
    expect(github.secret(target, 'EXO_APP_ID')?.selectedRepositoryIds).toBeUndefined()
  })

  it('reports which secrets were created and which were updated', async () => {
    github.seedSecret(repositoryTarget, 'EXO_APP_ID', 'old app id')
    github.seedSecret(repositoryTarget, 'EXO_CERT_PASSWORD', 'old password')
    const secrets = sixSecrets()
    const result = await writeSecrets(repositoryTarget, secrets, options)
    expect(result.updated).toEqual(['EXO_APP_ID', 'EXO_CERT_PASSWORD'])
    expect(result.created).toEqual(['EXO_CERT_PFX_BASE64', 'EXO_CERT_THUMBPRINT', 'EXO_ORGANIZATION', 'EXO_TENANT_ID'])
    expect(github.secretValue(repositoryTarget, 'EXO_APP_ID')).toBe(secrets.EXO_APP_ID)
  })

  it('asks GitHub nothing when there is nothing to write', async () => {
    const result = await writeSecrets(repositoryTarget, {}, options)
    expect(result).toEqual({ target: `repository ${owner}/${repo}`, created: [], updated: [] })
    expect(requests()).toEqual([])
  })

  it('stores names upper-case, as GitHub does', async () => {
    const result = await writeSecrets(repositoryTarget, { exo_app_id: 'lower' }, options)
    expect(result.created).toEqual(['EXO_APP_ID'])
    expect(github.secretNames(repositoryTarget)).toEqual(['EXO_APP_ID'])
  })

  it('has all six writes in flight at the same time', async () => {
    // The emulator answers none of them until all six have arrived: sequential writes would hang.
    github.holdSecretWritesUntilConcurrent(6)
    const result = await writeSecrets(repositoryTarget, sixSecrets(), options)
    expect(result.created).toHaveLength(6)
  }, 15000)

  it('works against a GHES-style API root with a path prefix', async () => {
    await writeSecrets(repositoryTarget, { EXO_APP_ID: 'on ghes' }, { ...options, apiUrl: `${emulator.urls.github}/api/v3/` })
    expect(github.secretValue(repositoryTarget, 'EXO_APP_ID')).toBe('on ghes')
    expect(requests().every((r) => r.path.startsWith('/api/v3/repos/'))).toBe(true)
  })
})

describe('writeSecrets: errors a user can act on', () => {
  it('401: the token is wrong or expired; says which token to use', async () => {
    const secrets = sixSecrets()
    const error = await failure(() => writeSecrets(repositoryTarget, secrets, { ...options, token: 'ghp_revoked' }), secrets, 'ghp_revoked')
    expect(error.message).toMatch(/401 Bad credentials/)
    expect(error.message).toMatch(/wrong, expired or revoked/)
    expect(error.message).toMatch(/fine-grained personal access token/)
    expect(error.message).toMatch(/Secrets: Read and write/)
    expect(error.message).toMatch(/GitHub App installation token/)
    expect(error.input).toBe('github-token')
  })

  it("403 by integration: the workflow's GITHUB_TOKEN cannot write secrets", async () => {
    const secrets = sixSecrets()
    const error = await failure(() => writeSecrets(environmentTarget, secrets, { ...options, token: workflowToken }), secrets, workflowToken)
    expect(error.message).toMatch(/Resource not accessible by integration/)
    expect(error.message).toMatch(/GITHUB_TOKEN can never write Actions secrets/)
    expect(error.message).toMatch(/Repository permissions → Secrets: Read and write, and Environments: Read/)
    expect(error.message).toMatch(/actions\/create-github-app-token/)
    expect(error.message).toContain(`environment '${environment}' of repository ${owner}/${repo}`)
  })

  it('403 for organization secrets names the organization permission', async () => {
    const secrets = sixSecrets()
    const target: SecretTarget = { kind: 'organization', org, visibility: 'all' }
    const error = await failure(() => writeSecrets(target, secrets, { ...options, token: repositoryToken }), secrets, repositoryToken)
    expect(error.message).toMatch(/Resource not accessible by personal access token/)
    expect(error.message).toMatch(/Organization permissions → Secrets: Read and write/)
    expect(error.message).toContain(`organization ${org}`)
  })

  it('404: names the repository that was not found', async () => {
    const secrets = sixSecrets()
    const target: SecretTarget = { kind: 'repository', owner, repo: 'no-such-repo' }
    const error = await failure(() => writeSecrets(target, secrets, options), secrets, adminToken)
    expect(error.message).toContain(`the repository ${owner}/no-such-repo does not exist, or github-token cannot see it`)
    expect(error.message).toMatch(/Repository access/)
    expect(error.input).toBe('repository')
  })

  it('404: tells a missing environment apart from a missing repository', async () => {
    const secrets = sixSecrets()
    const missingEnvironment = await failure(
      () => writeSecrets({ kind: 'environment', owner, repo, environment: 'staging' }, secrets, options),
      secrets,
      adminToken
    )
    const missingRepository = await failure(
      () => writeSecrets({ kind: 'environment', owner, repo: 'gone', environment }, secrets, options),
      secrets,
      adminToken
    )
    expect(missingEnvironment.message).toContain(`the repository ${owner}/${repo} has no environment 'staging'`)
    expect(missingEnvironment.message).toMatch(/Settings → Environments/)
    expect(missingEnvironment.input).toBe('secret-environment')
    expect(missingRepository.message).toContain(`the repository ${owner}/gone does not exist, or github-token cannot see it`)
    expect(missingRepository.input).toBe('repository')
  })

  it('404: names the organization, and a selected repository that does not exist', async () => {
    const secrets = { EXO_APP_ID: 'value-that-must-not-leak' }
    const missingOrg = await failure(
      () => writeSecrets({ kind: 'organization', org: 'fabrikam', visibility: 'all' }, secrets, options),
      secrets,
      adminToken
    )
    const missingRepo = await failure(
      () => writeSecrets({ kind: 'organization', org, visibility: 'selected', selectedRepositories: ['ghost'] }, secrets, options),
      secrets,
      adminToken
    )
    expect(missingOrg.message).toContain('the organization fabrikam does not exist, or github-token cannot see it')
    expect(missingOrg.message).toMatch(/Resource owner must be fabrikam/)
    expect(missingRepo.message).toContain(`the repository ${org}/ghost does not exist, or github-token cannot see it. Correct secret-repositories`)
    expect(missingRepo.input).toBe('secret-repositories')
    expect(missingOrg.input).toBe('repository')
    expect(github.secretWrites).toEqual([])
  })

  it('refuses an invalid name before sending anything', async () => {
    const secrets = { GITHUB_EXO_APP_ID: 'value-that-must-not-leak' }
    const error = await failure(() => writeSecrets(repositoryTarget, secrets, options), secrets, adminToken)
    expect(error.message).toMatch(/must not start with GITHUB_/)
    expect(requests()).toEqual([])
  })

  it('refuses a value over 48 KB before sending anything, without printing it', async () => {
    const secrets = { EXO_CERT_PFX_BASE64: 'Q'.repeat(48 * 1024 + 1) }
    const error = await failure(() => writeSecrets(repositoryTarget, secrets, options), secrets, adminToken)
    expect(error.message).toMatch(/EXO_CERT_PFX_BASE64/)
    expect(error.message).toMatch(/49153 bytes.*48 KB/)
    expect(requests()).toEqual([])
  })

  it('passes on the message of a 422 from GitHub', async () => {
    github.failSecretWrites(422, 1)
    const error = await failure(() => writeSecrets(repositoryTarget, { EXO_APP_ID: 'v-422' }, options), { v: 'v-422' }, adminToken)
    expect(error.message).toMatch(/GitHub refused to write secret EXO_APP_ID to repository .* \(422\): Server Error/)
  })
})

describe('writeSecrets: retries and partial failures', () => {
  it('retries a GitHub 5xx and succeeds', async () => {
    github.failSecretWrites(503, 2)
    const result = await writeSecrets(repositoryTarget, { EXO_APP_ID: 'after retry' }, options)
    expect(result.created).toEqual(['EXO_APP_ID'])
    expect(requests().filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([503, 503, 201])
  })

  it('retries a connection reset', async () => {
    emulator.faults.add({ service: 'github', path: /public-key$/, first: 1, action: { kind: 'reset' } })
    const result = await writeSecrets(repositoryTarget, { EXO_APP_ID: 'after reset' }, options)
    expect(result.created).toEqual(['EXO_APP_ID'])
    expect(requests().filter((r) => r.path.endsWith('/public-key')).map((r) => r.status)).toEqual([0, 200])
  })

  it('waits out a secondary rate limit as GitHub asks (retry-after) and succeeds', async () => {
    github.failSecretWrites(403, 1, { retryAfterSeconds: 0 })
    const result = await writeSecrets(repositoryTarget, { EXO_APP_ID: 'after rate limit' }, options)
    expect(result.created).toEqual(['EXO_APP_ID'])
    expect(github.secretValue(repositoryTarget, 'EXO_APP_ID')).toBe('after rate limit')
  })

  it('does not block a job on a rate limit that asks for a long wait', async () => {
    github.failSecretWrites(429, 1, { retryAfterSeconds: 3600 })
    const error = await failure(() => writeSecrets(repositoryTarget, { EXO_APP_ID: 'v-rl' }, options), { v: 'v-rl' }, adminToken)
    expect(error.message).toMatch(/rate-limited .* and asked to wait 3600 s, longer than the 60 s this action waits within a job, so it did not retry/)
    expect(error.message).not.toMatch(/retrying within the job/)
    expect(requests().filter((r) => r.method === 'PUT')).toHaveLength(1)
  })

  it('after the waits GitHub asked for, a rate limit that still refuses says it was retried', async () => {
    github.failSecretWrites(429, 10, { retryAfterSeconds: 0 })
    const error = await failure(() => writeSecrets(repositoryTarget, { EXO_APP_ID: 'v-rl2' }, options), { v: 'v-rl2' }, adminToken)
    expect(error.message).toMatch(/rate-limited .* and retrying within the job, after the waits GitHub asked for, did not get through/)
  })

  it('gives up after a bounded number of retries and says which secrets were and were not written', async () => {
    const secrets = sixSecrets()
    // Retries off: exactly three of the six parallel PUTs fail.
    github.failSecretWrites(500, 3)
    const error = await failure(() => writeSecrets(repositoryTarget, secrets, { ...options, retry: { retries: 0 } }), secrets, adminToken)
    expect(error).toBeInstanceOf(SecretWriteError)
    const partial = error as SecretWriteError
    expect(partial.failed).toHaveLength(3)
    expect([...partial.created, ...partial.failed].sort()).toEqual(Object.keys(secrets).sort())
    expect(partial.message).toMatch(/\(500 Server Error\)/)
    expect(partial.message).toContain(`Not written: ${partial.failed.join(', ')}. Written: ${partial.created.join(', ')}.`)
    expect(github.secretNames(repositoryTarget)).toEqual([...partial.created].sort())
  })

  it('says GitHub could not be reached when nothing answers at GITHUB_API_URL', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const apiUrl = `https://127.0.0.1:${port}`
    const error = await failure(() => writeSecrets(repositoryTarget, { EXO_APP_ID: 'v-net' }, { ...options, apiUrl }), { v: 'v-net' }, adminToken)
    expect(error.message).toContain(`Could not reach GitHub at ${apiUrl} to read the Actions secrets public key of repository`)
    expect(error.message).toMatch(/GITHUB_API_URL/)
  })

  it('stops retrying a permanent outage', async () => {
    github.failSecretWrites(502)
    const error = await failure(() => writeSecrets(repositoryTarget, { EXO_APP_ID: 'v-502' }, options), { v: 'v-502' }, adminToken)
    expect(error.message).toMatch(/502/)
    expect(error.message).toMatch(/githubstatus\.com/)
    // First attempt plus the default two retries.
    expect(requests().filter((r) => r.method === 'PUT')).toHaveLength(3)
  })
})

describe('writeSecretSet', () => {
  it('writes the thumbprint last, in a later second than the PFX and its password (GitHub dates are whole seconds)', async () => {
    const names = secretNames('EXO_')
    let putsBeforeWait: string[] | undefined
    let waited = 0
    await writeSecretSet('EXO_', repositoryTarget, sixSecrets(), options, async ms => {
      waited += ms
      putsBeforeWait = emulator.log.list({ service: 'github', method: 'PUT' }).map(entry => entry.path.split('/').at(-1) ?? '')
    })
    expect(waited).toBeGreaterThanOrEqual(1000)
    expect(putsBeforeWait?.sort()).toEqual([names.appId, names.certPassword, names.certPfxBase64, names.organization, names.tenantId].sort())
    expect(emulator.log.list({ service: 'github', method: 'PUT' }).at(-1)?.path).toMatch(new RegExp(`${names.certThumbprint}$`))
  })

  it('does not wait without a thumbprint to write', async () => {
    let waited = false
    await writeSecretSet('EXO_', repositoryTarget, { EXO_APP_ID: 'x' }, options, async () => void (waited = true))
    expect(waited).toBe(false)
  })
})
