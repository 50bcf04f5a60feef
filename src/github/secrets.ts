/**
 * The one place that writes GitHub Actions secrets: repository, environment or
 * organization secrets, through Octokit against GITHUB_API_URL (so GHES works).
 *
 * GitHub cannot hand a secret back, so each value is sealed with the target's public key
 * (fetched once per call) and PUT; all PUTs of a call run in parallel. GitHub answers 201
 * for a new secret and 204 for a replaced one, which the result reports by name.
 *
 * An organization secret's PUT must say who may use it (`visibility`, and the selected
 * repositories, which a PUT without them clears). Without a chosen visibility the writes
 * keep what each stored secret has, so a secret an admin narrowed stays narrowed.
 */
import type { getOctokit } from '@actions/github'
import { UserError } from '../errors.js'
import { sealSecretValue } from './sealed-box.js'
import { describeTarget, secretFailure, type FailureContext } from './secret-errors.js'
import { validateSecretName } from './secret-names.js'
import { DEFAULT_RETRY_POLICY, isHttpFailure, withGitHubRetries, type RetryPolicy } from './retry.js'

export type OrganizationSecretVisibility = 'private' | 'all' | 'selected'

export type SecretTarget =
  | { kind: 'repository'; owner: string; repo: string }
  | { kind: 'environment'; owner: string; repo: string; environment: string }
  | {
      kind: 'organization'
      org: string
      /**
       * `private` (private and internal repositories), `all`, or `selected` repositories.
       * Undefined keeps the visibility and selected repositories each existing secret has;
       * a secret that does not exist yet gets the narrowest of `siblings` that exist (a
       * complete set missing one), and with none of them there it is refused.
       */
      visibility?: OrganizationSecretVisibility
      /** With `selected`: repository ids that may use the secrets. */
      selectedRepositoryIds?: number[]
      /** With `selected`: repositories by `name` (in the organization) or `owner/name`; resolved to ids. */
      selectedRepositories?: string[]
      /** Without `visibility`: the secrets of the same set, whose access a new secret copies. */
      siblings?: string[]
    }

export interface WriteSecretsOptions {
  /** A token allowed to write Actions secrets (fine-grained PAT or GitHub App token). */
  token: string
  /** GITHUB_API_URL, e.g. `https://api.github.com` or `https://ghes.example.com/api/v3`. */
  apiUrl: string
  retry?: Partial<RetryPolicy>
  /** The target's public key, when already fetched (by `readSecretDates`): saves a round trip. */
  publicKey?: TargetPublicKey
}

/** The key GitHub seals a target's secret values to, and its id. */
export interface TargetPublicKey {
  key_id: string
  key: string
}

export interface SecretWriteResult {
  /** e.g. "repository contoso/exo-automation" */
  target: string
  /** Names (upper-case, as GitHub stores them) that did not exist before (201). */
  created: string[]
  /** Names whose value was replaced (204). */
  updated: string[]
}

/**
 * Some PUTs failed. `created`/`updated` list what was written anyway, so the caller can
 * restore or retry; `failed` lists the names that were not written.
 */
export class SecretWriteError extends UserError {
  readonly created: string[]
  readonly updated: string[]
  readonly failed: string[]

  constructor(message: string, written: { created: string[]; updated: string[]; failed: string[] }, cause: unknown) {
    super(message, { input: cause instanceof UserError ? cause.input : undefined, cause })
    this.created = written.created
    this.updated = written.updated
    this.failed = written.failed
  }
}

/** GitHub's documented size limit for one secret value. */
export const MAX_SECRET_VALUE_BYTES = 48 * 1024

type GitHubClient = ReturnType<typeof getOctokit>

/** The client, GitHub's retry rules, and the error mapping for this call's target. */
interface GitHub {
  octokit: GitHubClient
  call<T>(request: () => Promise<T>): Promise<T>
  fail(error: unknown, context: Omit<FailureContext, 'target' | 'apiUrl'>): unknown
}

/** Writes every entry of `secrets` to `target`; names are case-insensitive and stored upper-case. */
export async function writeSecrets(
  target: SecretTarget,
  secrets: Record<string, string>,
  options: WriteSecretsOptions
): Promise<SecretWriteResult> {
  const where = describeTarget(target)
  const names = checkSecrets(secrets, where)
  if (names.length === 0) return { target: where, created: [], updated: [] }
  if (!options.token) {
    throw new UserError(`github-token is required to write Actions secrets to the ${where}.`, { input: 'github-token' })
  }
  const github = await gitHubFor(target, options)

  // Independent reads: the key to seal with, and (organization) who may use the secrets.
  const [key, access] = await Promise.all([
    options.publicKey ?? publicKey(github, target),
    target.kind === 'organization' ? organizationAccess(github, target, names) : undefined
  ])

  const outcomes = await Promise.allSettled(
    names.map(async (name) => {
      const encrypted_value = await sealSecretValue(secrets[name], key.key)
      const body = { secret_name: name, encrypted_value, key_id: key.key_id }
      try {
        const response = await github.call(() => put(github.octokit, target, body, access?.get(name.toUpperCase())))
        return { name: name.toUpperCase(), created: response.status === 201 }
      } catch (error) {
        throw github.fail(error, { action: `write secret ${name.toUpperCase()} to` })
      }
    })
  )

  const result: SecretWriteResult = { target: where, created: [], updated: [] }
  const failed: string[] = []
  let firstFailure: unknown
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') {
      ;(outcome.value.created ? result.created : result.updated).push(outcome.value.name)
    } else {
      failed.push(names[index].toUpperCase())
      firstFailure ??= outcome.reason
    }
  })
  if (failed.length > 0) {
    const reason = firstFailure instanceof Error ? firstFailure.message : String(firstFailure)
    const written = [...result.created, ...result.updated]
    throw new SecretWriteError(
      `${reason}\nNot written: ${failed.join(', ')}.${written.length > 0 ? ` Written: ${written.join(', ')}.` : ''}`,
      { ...result, failed },
      firstFailure
    )
  }
  return result
}

/**
 * Deletes secrets from `target` (names that are already gone count as deleted). Used to
 * take back secrets a failed run created for a certificate it then removed, so no secret
 * names a certificate that is not on the app. Returns the names deleted, upper-case.
 */
export async function deleteSecrets(target: SecretTarget, names: string[], options: WriteSecretsOptions): Promise<string[]> {
  if (names.length === 0) return []
  const github = await gitHubFor(target, options)
  const deleted = await Promise.all(
    names.map(async (raw) => {
      const name = raw.toUpperCase()
      try {
        await github.call(() => remove(github.octokit, target, name))
      } catch (error) {
        if (!(isHttpFailure(error) && error.status === 404)) {
          throw github.fail(error, { action: `delete secret ${name} from` })
        }
      }
      return name
    })
  )
  return deleted
}

/**
 * When each named secret was last written (undefined: it does not exist), and the
 * target's public key for the writes that may follow. GitHub never returns values, but
 * these dates tell whether an earlier run was cut off halfway through writing the set.
 * The key is read first, so a token or target GitHub refuses gets the same explanation
 * as a write would; then the secrets are read in parallel. An organization target without
 * a visibility is refused here when none of the secrets exists: the writes would have to
 * create them and choose who may use them (see `visibilityRequired`).
 */
export async function readSecretDates(
  target: SecretTarget,
  names: string[],
  options: WriteSecretsOptions
): Promise<{ publicKey: TargetPublicKey; dates: Record<string, Date | undefined>; created: Record<string, Date | undefined> }> {
  const github = await gitHubFor(target, options)
  const key = await publicKey(github, target)
  const entries = await Promise.all(
    names.map(async (raw): Promise<[string, { updated: Date; created: Date } | undefined]> => {
      const name = raw.toUpperCase()
      try {
        const response = await github.call(() => metadata(github.octokit, target, name))
        return [name, { updated: new Date(response.data.updated_at), created: new Date(response.data.created_at) }]
      } catch (error) {
        // The key was readable, so the place exists: a 404 is this secret missing.
        if (isHttpFailure(error) && error.status === 404) return [name, undefined]
        throw github.fail(error, { action: `read when secret ${name} was written in` })
      }
    })
  )
  if (target.kind === 'organization' && target.visibility === undefined && entries.every(([, date]) => date === undefined)) {
    throw visibilityRequired(target.org, entries.map(([name]) => name))
  }
  return {
    publicKey: key,
    dates: Object.fromEntries(entries.map(([name, dates]) => [name, dates?.updated])),
    created: Object.fromEntries(entries.map(([name, dates]) => [name, dates?.created]))
  }
}

/** One secret's dates, and GitHub's clock when it answered. */
export interface SecretMetadata {
  createdAt: Date
  updatedAt: Date
  /** The answer's `Date` header: "now" by GitHub's clock, so ages do not depend on the runner's. */
  gitHubNow?: Date
}

/** When one secret was created and last written; undefined when it does not exist. */
export async function readSecretMetadata(target: SecretTarget, name: string, options: WriteSecretsOptions): Promise<SecretMetadata | undefined> {
  const github = await gitHubFor(target, options)
  const upper = name.toUpperCase()
  try {
    const response = await github.call(() => metadata(github.octokit, target, upper))
    const date = response.headers.date === undefined ? Number.NaN : Date.parse(response.headers.date)
    return {
      createdAt: new Date(response.data.created_at),
      updatedAt: new Date(response.data.updated_at),
      ...(Number.isNaN(date) ? {} : { gitHubNow: new Date(date) })
    }
  } catch (error) {
    if (isHttpFailure(error) && error.status === 404) return undefined
    throw github.fail(error, { action: `read secret ${upper} in` })
  }
}

function metadata(
  octokit: GitHubClient,
  target: SecretTarget,
  secret_name: string
): Promise<{ data: { created_at: string; updated_at: string }; headers: { date?: string } }> {
  switch (target.kind) {
    case 'repository':
      return octokit.rest.actions.getRepoSecret({ owner: target.owner, repo: target.repo, secret_name })
    case 'environment':
      return octokit.rest.actions.getEnvironmentSecret({ owner: target.owner, repo: target.repo, environment_name: target.environment, secret_name })
    case 'organization':
      return octokit.rest.actions.getOrgSecret({ org: target.org, secret_name })
  }
}

function remove(octokit: GitHubClient, target: SecretTarget, secret_name: string): Promise<unknown> {
  switch (target.kind) {
    case 'repository':
      return octokit.rest.actions.deleteRepoSecret({ owner: target.owner, repo: target.repo, secret_name })
    case 'environment':
      return octokit.rest.actions.deleteEnvironmentSecret({
        owner: target.owner,
        repo: target.repo,
        environment_name: target.environment,
        secret_name
      })
    case 'organization':
      return octokit.rest.actions.deleteOrgSecret({ org: target.org, secret_name })
  }
}

/**
 * Octokit for GITHUB_API_URL, with this module's retries and error explanations. Octokit
 * is loaded on first use: a run without a secret target (and a post step with no lease to
 * give back) never needs it.
 */
async function gitHubFor(target: SecretTarget, options: WriteSecretsOptions): Promise<GitHub> {
  const { getOctokit } = await import('@actions/github')
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
  const apiUrl = options.apiUrl.replace(/\/+$/, '')
  return {
    octokit: getOctokit(options.token, { baseUrl: apiUrl }),
    call: (request) => withGitHubRetries(request, policy),
    fail: (error, context) => secretFailure(error, { target, apiUrl, ...context })
  }
}

/** Checks names and sizes before anything is sent; returns the names in a stable order. */
function checkSecrets(secrets: Record<string, string>, where: string): string[] {
  const names = Object.keys(secrets).sort()
  const seen = new Map<string, string>()
  for (const name of names) {
    const problem = validateSecretName(name)
    if (problem) throw new UserError(`Cannot write to the ${where}: ${problem}`, { input: 'secret-prefix' })
    const twin = seen.get(name.toUpperCase())
    if (twin) throw new UserError(`Cannot write to the ${where}: secret names ${twin} and ${name} are the same to GitHub (names ignore case).`)
    seen.set(name.toUpperCase(), name)
    const bytes = Buffer.byteLength(secrets[name], 'utf8')
    if (bytes > MAX_SECRET_VALUE_BYTES) {
      throw new UserError(
        `Cannot write secret ${name.toUpperCase()} to the ${where}: its value is ${bytes} bytes and GitHub allows at most 48 KB per secret.`
      )
    }
  }
  return names
}

async function publicKey({ octokit, call, fail }: GitHub, target: SecretTarget): Promise<TargetPublicKey> {
  const action = 'read the Actions secrets public key of'
  try {
    const response = await call(() => {
      switch (target.kind) {
        case 'repository':
          return octokit.rest.actions.getRepoPublicKey({ owner: target.owner, repo: target.repo })
        case 'environment':
          return octokit.rest.actions.getEnvironmentPublicKey({
            owner: target.owner,
            repo: target.repo,
            environment_name: target.environment
          })
        case 'organization':
          return octokit.rest.actions.getOrgPublicKey({ org: target.org })
      }
    })
    return { key_id: response.data.key_id, key: response.data.key }
  } catch (error) {
    if (target.kind === 'environment' && isHttpFailure(error) && error.status === 404) {
      // The same 404 means "no such environment" or "no such (visible) repository": find out which.
      const repositoryVisible = await call(() => octokit.rest.repos.get({ owner: target.owner, repo: target.repo })).then(
        () => true,
        () => false
      )
      if (repositoryVisible) {
        throw fail(error, {
          action,
          notFound: {
            explanation: `the repository ${target.owner}/${target.repo} has no environment '${target.environment}'. Create it under the repository's Settings → Environments, or correct secret-environment.`,
            input: 'secret-environment'
          }
        })
      }
      throw fail(error, { action })
    }
    throw fail(error, { action })
  }
}

interface OrganizationAccess {
  visibility: OrganizationSecretVisibility
  selected_repository_ids?: number[]
}

type OrganizationTarget = Extract<SecretTarget, { kind: 'organization' }>

/** Who may use each of `names` (upper-case) once written: the chosen visibility, or what is stored. */
async function organizationAccess(github: GitHub, target: OrganizationTarget, names: string[]): Promise<Map<string, OrganizationAccess>> {
  const upper = names.map(name => name.toUpperCase())
  if (target.visibility !== undefined) {
    const chosen = await chosenAccess(github, target, target.visibility)
    return new Map(upper.map(name => [name, chosen]))
  }
  const pool = [...new Set([...upper, ...(target.siblings ?? []).map(name => name.toUpperCase())])]
  const stored = await Promise.all(pool.map(async name => [name, await storedAccess(github, target, name)] as const))
  const current = new Map(stored.flatMap(([name, access]) => (access === undefined ? [] : [[name, access] as const])))
  const template = narrowest([...current.values()])
  return new Map(
    upper.map(name => {
      const access = current.get(name) ?? template
      if (access === undefined) throw visibilityRequired(target.org, pool)
      return [name, access]
    })
  )
}

/** The chosen visibility; selected repositories given by name are resolved to ids. */
async function chosenAccess(
  { octokit, call, fail }: GitHub,
  target: OrganizationTarget,
  visibility: OrganizationSecretVisibility
): Promise<OrganizationAccess> {
  if (visibility !== 'selected') return { visibility }
  const ids = [...(target.selectedRepositoryIds ?? [])]
  for (const entry of target.selectedRepositories ?? []) {
    const [owner, repo] = entry.includes('/') ? entry.split('/', 2) : [target.org, entry]
    try {
      const response = await call(() => octokit.rest.repos.get({ owner, repo }))
      ids.push(response.data.id)
    } catch (error) {
      throw fail(error, {
        action: `look up the selected repository ${owner}/${repo} for`,
        notFound: {
          explanation: `the repository ${owner}/${repo} does not exist, or github-token cannot see it. Correct secret-repositories (names of repositories in ${target.org}).`,
          input: 'secret-repositories'
        }
      })
    }
  }
  if (ids.length === 0) {
    throw new UserError(
      `Organization secrets of ${target.org} with visibility 'selected' need at least one selected repository.`
    )
  }
  return { visibility: 'selected', selected_repository_ids: [...new Set(ids)] }
}

/**
 * Who may use a stored organization secret now; undefined when it does not exist. A PUT
 * with `selected` and no repository ids clears the selection, so the ids are read too.
 */
async function storedAccess({ octokit, call, fail }: GitHub, target: OrganizationTarget, secret_name: string): Promise<OrganizationAccess | undefined> {
  try {
    const { data } = await call(() => octokit.rest.actions.getOrgSecret({ org: target.org, secret_name }))
    if (data.visibility !== 'selected') return { visibility: data.visibility }
    const repositories = await call(() =>
      octokit.paginate(octokit.rest.actions.listSelectedReposForOrgSecret, { org: target.org, secret_name, per_page: 100 })
    )
    return { visibility: 'selected', selected_repository_ids: repositories.map(repository => repository.id) }
  } catch (error) {
    if (isHttpFailure(error) && error.status === 404) return undefined
    throw fail(error, { action: `read which repositories may use secret ${secret_name} in` })
  }
}

/** The narrowest of several secrets' access: `selected` (the repositories all of them share) before `private` before `all`. */
function narrowest(accesses: OrganizationAccess[]): OrganizationAccess | undefined {
  const selected = accesses.filter(access => access.visibility === 'selected')
  if (selected.length > 0) {
    const lists = selected.map(access => access.selected_repository_ids ?? [])
    return { visibility: 'selected', selected_repository_ids: lists.reduce((common, list) => common.filter(id => list.includes(id))) }
  }
  if (accesses.some(access => access.visibility === 'private')) return { visibility: 'private' }
  return accesses[0]
}

/** No visibility was chosen and there is no stored secret to keep one from. */
function visibilityRequired(org: string, names: string[]): UserError {
  return new UserError(
    `Input 'secret-visibility' is required to create organization secrets: none of ${names.join(', ')} exists in the organization ${org} yet, so someone has to choose which repositories may use them. ` +
      "Use secret-visibility: selected with secret-repositories listing the repositories whose jobs connect to Exchange Online (recommended: the certificate signs in as an Exchange admin); 'private' gives them to every private and internal repository of the organization, 'all' to every repository, public ones included. " +
      'Once the secrets exist, runs without secret-visibility keep the visibility they have, also one an admin narrowed later.',
    { input: 'secret-visibility' }
  )
}

async function put(
  octokit: GitHubClient,
  target: SecretTarget,
  body: { secret_name: string; encrypted_value: string; key_id: string },
  access: OrganizationAccess | undefined
): Promise<{ status: number }> {
  switch (target.kind) {
    case 'repository':
      return octokit.rest.actions.createOrUpdateRepoSecret({ owner: target.owner, repo: target.repo, ...body })
    case 'environment':
      return octokit.rest.actions.createOrUpdateEnvironmentSecret({
        owner: target.owner,
        repo: target.repo,
        environment_name: target.environment,
        ...body
      })
    case 'organization':
      return octokit.rest.actions.createOrUpdateOrgSecret({ org: target.org, ...body, ...access! })
  }
}
