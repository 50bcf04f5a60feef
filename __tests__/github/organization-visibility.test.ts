/**
 * Issue 16, point 3: who may use organization secrets. Without `secret-visibility` nothing
 * is created (an Exchange-admin PFX must not reach every private repository because nobody
 * chose), and secrets that exist keep their visibility and selected repositories, also
 * after an admin narrowed them; a chosen visibility is applied on every write. Driven from
 * the inputs (readSettings → secretTarget) against the emulated GitHub, whose requests are
 * held to GitHub's REST description (close() rejects on a violation).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GITHUB_SEED, type GitHubSecretScope } from '../../emulator/github.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { UserError } from '../../src/errors.js'
import { secretNames } from '../../src/github/secret-names.js'
import { readSecretDates, SecretWriteError, writeSecrets, type SecretTarget, type WriteSecretsOptions } from '../../src/github/secrets.js'
import { secretTarget, writeSecretSet } from '../../src/github/stored-secrets.js'
import { readSettings } from '../../src/settings.js'
import { FakeInputs } from '../helpers/fake-inputs.js'

const { owner, repo, org, adminToken, repositoryId, otherRepositoryId } = GITHUB_SEED
const PREFIX = 'EXO_'
const NAMES = secretNames(PREFIX)
const SIX = Object.values(NAMES)
const scope: GitHubSecretScope = { kind: 'organization', org }

let emulator: Emulator
let options: WriteSecretsOptions
beforeEach(async () => {
  emulator = await startEmulator()
  options = { token: adminToken, apiUrl: emulator.urls.github, retry: { baseDelayMs: 1 } }
})
afterEach(async () => {
  expect(emulator.apiChecks.violations).toEqual([])
  await emulator.close()
})

/** The organization target the action derives from these inputs. */
function targetFromInputs(inputs: Record<string, string> = {}): SecretTarget {
  const source = new FakeInputs({
    'tenant-id': 'contoso.onmicrosoft.com',
    'client-id': '1b730954-1685-4b74-9bfd-dac224a7b894',
    'secret-target': 'organization',
    'github-token': adminToken,
    repository: `${owner}/${repo}`,
    ...inputs
  })
  const { settings } = readSettings(source, { GITHUB_API_URL: emulator.urls.github, RUNNER_TEMP: '/tmp' }, new Date())
  const target = secretTarget(settings)
  if (target === undefined) throw new Error('no secret target')
  return target
}

function values(version: string): Record<string, string> {
  return Object.fromEntries(SIX.map(name => [name, `${name.toLowerCase()}-${version}`]))
}

/** Stores secrets as another run or an admin would: with this visibility. */
async function storeAs(names: string[], visibility: 'private' | 'all' | 'selected', selectedRepositoryIds?: number[]): Promise<void> {
  const target: SecretTarget = { kind: 'organization', org, visibility, ...(selectedRepositoryIds === undefined ? {} : { selectedRepositoryIds }) }
  await writeSecrets(target, Object.fromEntries(names.map(name => [name, `${name.toLowerCase()}-before`])), options)
}

function access(name: string): { visibility?: string; selectedRepositoryIds?: number[] } {
  const secret = emulator.github.secret(scope, name)
  return { visibility: secret?.visibility, selectedRepositoryIds: secret?.selectedRepositoryIds?.sort((a, b) => a - b) }
}

async function refusal(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (caught: unknown) => caught
  )
  expect(error).toBeInstanceOf(UserError)
  return error as UserError
}

describe('secret-visibility has no default', () => {
  it('refuses to create organization secrets without it, when the secrets are first read (before the tenant is touched)', async () => {
    const error = await refusal(readSecretDates(targetFromInputs(), SIX, options))
    expect(error.input).toBe('secret-visibility')
    expect(error.message).toContain("Input 'secret-visibility' is required to create organization secrets")
    expect(error.message).toContain('secret-visibility: selected with secret-repositories')
    expect(error.message).toMatch(/'private' gives them to every private and internal repository/)
    expect(error.message).toMatch(/'all' to every repository, public ones included/)
    expect(emulator.github.secretNames(scope)).toEqual([])
  })

  it('refuses the write itself too, and writes nothing', async () => {
    const error = await refusal(writeSecretSet(PREFIX, targetFromInputs(), values('new'), options))
    expect(error.input).toBe('secret-visibility')
    expect(emulator.github.secretWrites).toEqual([])
  })

  it('creates them with the chosen visibility and repositories', async () => {
    await writeSecretSet(PREFIX, targetFromInputs({ 'secret-visibility': 'selected', 'secret-repositories': GITHUB_SEED.otherRepo }), values('new'), options)
    for (const name of SIX) expect(access(name)).toEqual({ visibility: 'selected', selectedRepositoryIds: [otherRepositoryId] })
  })
})

describe('without secret-visibility, stored secrets keep who may use them', () => {
  it('keeps a visibility an admin narrowed, with its selected repositories, while replacing every value', async () => {
    await storeAs(SIX, 'private')
    // An admin narrows the certificate and its password to one repository, and opens the app id to all.
    await storeAs([NAMES.certPfxBase64, NAMES.certPassword], 'selected', [otherRepositoryId])
    await storeAs([NAMES.appId], 'all')

    const target = targetFromInputs()
    const stored = await readSecretDates(target, SIX, options)
    expect(Object.values(stored.dates).every(date => date !== undefined)).toBe(true)
    const result = await writeSecretSet(PREFIX, target, values('rotated'), { ...options, publicKey: stored.publicKey })

    expect(result.updated.sort()).toEqual([...SIX].sort())
    for (const name of SIX) expect(emulator.github.secretValue(scope, name)).toBe(values('rotated')[name])
    expect(access(NAMES.certPfxBase64)).toEqual({ visibility: 'selected', selectedRepositoryIds: [otherRepositoryId] })
    expect(access(NAMES.certPassword)).toEqual({ visibility: 'selected', selectedRepositoryIds: [otherRepositoryId] })
    expect(access(NAMES.appId)).toEqual({ visibility: 'all', selectedRepositoryIds: undefined })
    for (const name of [NAMES.tenantId, NAMES.organization, NAMES.certThumbprint]) expect(access(name)).toEqual({ visibility: 'private', selectedRepositoryIds: undefined })
  })

  it('gives a secret missing from the set the narrowest access of the others (written alone, as the thumbprint is)', async () => {
    await storeAs([NAMES.appId], 'all')
    await storeAs([NAMES.tenantId], 'private')
    await storeAs([NAMES.organization], 'selected', [repositoryId, otherRepositoryId])
    await storeAs([NAMES.certPfxBase64, NAMES.certPassword], 'selected', [otherRepositoryId])

    const result = await writeSecretSet(PREFIX, targetFromInputs(), values('repaired'), options)

    expect(result.created).toEqual([NAMES.certThumbprint])
    expect(access(NAMES.certThumbprint)).toEqual({ visibility: 'selected', selectedRepositoryIds: [otherRepositoryId] })
    expect(access(NAMES.appId).visibility).toBe('all')
  })

  it("gives a missing secret 'private' when the others are private or all", async () => {
    await storeAs([NAMES.appId, NAMES.tenantId], 'all')
    await storeAs([NAMES.organization], 'private')
    await writeSecretSet(PREFIX, targetFromInputs(), { [NAMES.certThumbprint]: 'thumbprint' }, options)
    expect(access(NAMES.certThumbprint)).toEqual({ visibility: 'private', selectedRepositoryIds: undefined })
  })
})

describe('a failure before the thumbprint is written', () => {
  it('still reports the five secrets written before it, so a rollback can put them back', async () => {
    await storeAs(SIX, 'private')
    const target = targetFromInputs()
    const stored = await readSecretDates(target, SIX, options)
    // Keeping visibilities reads the thumbprint's before each of the two writes (the five
    // first, then the thumbprint alone); GitHub fails the second read (no retries here).
    emulator.faults.fail(503, { service: 'github', method: 'GET', path: new RegExp(`/actions/secrets/${NAMES.certThumbprint}$`), every: 2 })
    const error = await writeSecretSet(PREFIX, target, values('rotated'), { ...options, retry: { retries: 0, baseDelayMs: 1 }, publicKey: stored.publicKey }).then(
      () => undefined,
      (thrown: unknown) => thrown
    )
    expect(error).toBeInstanceOf(SecretWriteError)
    expect((error as SecretWriteError).updated.sort()).toEqual(SIX.filter(name => name !== NAMES.certThumbprint).sort())
    expect((error as SecretWriteError).failed).toEqual([NAMES.certThumbprint])
    emulator.faults.clear()
  })
})

describe('a chosen secret-visibility is applied on every write', () => {
  it('widens or narrows stored secrets to what the workflow says', async () => {
    await storeAs(SIX, 'selected', [otherRepositoryId])
    await writeSecretSet(PREFIX, targetFromInputs({ 'secret-visibility': 'private' }), values('rotated'), options)
    for (const name of SIX) expect(access(name)).toEqual({ visibility: 'private', selectedRepositoryIds: undefined })
  })
})
