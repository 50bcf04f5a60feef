/**
 * Emulated GitHub REST API: the Actions secrets endpoints for repositories, environments
 * and organizations, as documented in "REST API endpoints for GitHub Actions secrets".
 *
 * Like GitHub, it hands out a libsodium crypto_box public key per scope and keeps the
 * private key; PUT bodies are sealed boxes that it opens, so tests can read back exactly
 * the plaintext the client sealed (`secretValue`). The rules the action relies on are
 * enforced as GitHub does: 201 created / 204 updated, name rules, 48 KB per value, the
 * per-scope count limit, 401 for unknown tokens, 403 "Resource not accessible by
 * integration" for the workflow's GITHUB_TOKEN, 404 for unknown repositories,
 * environments and organizations. A GHES-style `/api/v3` prefix is accepted.
 *
 * Where GitHub's documentation does not give the exact error text (stale key_id, value too
 * large, too many secrets) the status code is GitHub's and the message is our wording.
 */
import { randomInt } from 'node:crypto'
import sodium from 'libsodium-wrappers'
import type { EmulatedService, EmulatorRequest, EmulatorResponse } from './http.js'

/**
 * What a token may do:
 * - `admin`: a token with Secrets read/write on repositories and organizations;
 * - `repository-secrets`: a fine-grained PAT with repository Secrets (and Environments) but
 *   no organization permission;
 * - `workflow-token`: the workflow's GITHUB_TOKEN, which can never touch Actions secrets.
 */
export type GitHubTokenPower = 'admin' | 'repository-secrets' | 'workflow-token'

export interface EmulatedRepository {
  /** `owner/name` */
  fullName: string
  id?: number
  private?: boolean
  environments?: string[]
}

export interface GitHubEmulatorOptions {
  repositories?: EmulatedRepository[]
  organizations?: string[]
  tokens?: Record<string, GitHubTokenPower>
}

/** Where secrets live; the same shape as the client's secret targets. */
export type GitHubSecretScope =
  | { kind: 'repository'; owner: string; repo: string }
  | { kind: 'environment'; owner: string; repo: string; environment: string }
  | { kind: 'organization'; org: string }

export type OrganizationSecretVisibility = 'all' | 'private' | 'selected'

export interface StoredSecret {
  name: string
  createdAt: string
  updatedAt: string
  /** Organization secrets only. */
  visibility?: OrganizationSecretVisibility
  selectedRepositoryIds?: number[]
}

/** One successful secret PUT, as GitHub answered it. */
export interface SecretWrite {
  /** `repos/o/r`, `repos/o/r/environments/e` or `orgs/o` (canonical spelling). */
  scope: string
  name: string
  outcome: 'created' | 'updated'
}

export interface GitHubDump {
  repositories: Array<{ fullName: string; id: number; environments: string[] }>
  organizations: string[]
  /** Secret metadata per scope label (`repos/o/r`, `repos/o/r/environments/e`, `orgs/o`). */
  secrets: Record<string, StoredSecret[]>
  writes: SecretWrite[]
}

/** The seed every emulator starts with unless options replace it. */
export const GITHUB_SEED = {
  owner: 'contoso',
  repo: 'exo-automation',
  repositoryId: 700100,
  otherRepo: 'exo-reports',
  otherRepositoryId: 700101,
  environment: 'production',
  org: 'contoso',
  /** A token that may write every kind of secret. */
  adminToken: 'github_pat_emulator_admin',
  /** A fine-grained PAT with repository secrets but no organization permission. */
  repositoryToken: 'github_pat_emulator_repository',
  /** The workflow's GITHUB_TOKEN. */
  workflowToken: 'ghs_emulator_workflow_token'
} as const

const DOCS = 'https://docs.github.com/rest/actions/secrets'
const MAX_VALUE_BYTES = 48 * 1024
const MAX_SECRETS = { repository: 100, environment: 100, organization: 1000 } as const

interface KeyPair {
  keyId: string
  publicKey: Uint8Array
  privateKey: Uint8Array
}

interface StoredEntry extends StoredSecret {
  value: string
}

interface Scope {
  kind: GitHubSecretScope['kind']
  /** Canonical path label, e.g. `repos/contoso/exo-automation`. */
  label: string
  key?: KeyPair
  secrets: Map<string, StoredEntry>
}

interface Repository {
  owner: string
  name: string
  id: number
  private: boolean
  environments: Map<string, string>
}

interface WriteFault {
  status: number
  remaining: number
  retryAfterSeconds?: number
  /** Only PUTs of names (upper-case) matching this fail. */
  only?: RegExp
}

/** PUTs that are stored but whose answer is lost on the way back. */
interface LostAnswer {
  status: 502 | 504
  remaining: number
  only?: RegExp
}

/** Holds requests until `size` of them are waiting, then lets them all go on. */
interface Barrier {
  size: number
  waiting: Array<() => void>
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function error(status: number, message: string, documentation = 'https://docs.github.com/rest'): EmulatorResponse {
  return { status, json: { message, documentation_url: documentation, status: String(status) } }
}

export class GitHubEmulator implements EmulatedService {
  readonly name = 'github'
  private readonly repositories = new Map<string, Repository>()
  private readonly organizations = new Map<string, string>()
  private readonly tokens = new Map<string, GitHubTokenPower>()
  private readonly scopes = new Map<string, Scope>()
  private readonly writes: SecretWrite[] = []
  private readonly faults: WriteFault[] = []
  private readonly lostAnswers: LostAnswer[] = []
  private nextRepositoryId = 800000
  /** At a PUT's arrival (holdSecretWritesUntilConcurrent). */
  private gate?: Barrier
  /** Between a PUT's lookup of the secret and its store (interleaveSecretWrites). */
  private interleave?: Barrier

  constructor(options: GitHubEmulatorOptions = {}) {
    const repositories = options.repositories ?? [
      {
        fullName: `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`,
        id: GITHUB_SEED.repositoryId,
        private: true,
        environments: [GITHUB_SEED.environment]
      },
      { fullName: `${GITHUB_SEED.owner}/${GITHUB_SEED.otherRepo}`, id: GITHUB_SEED.otherRepositoryId, private: true }
    ]
    for (const repository of repositories) this.addRepository(repository)
    for (const org of options.organizations ?? [GITHUB_SEED.org]) this.addOrganization(org)
    const tokens = options.tokens ?? {
      [GITHUB_SEED.adminToken]: 'admin',
      [GITHUB_SEED.repositoryToken]: 'repository-secrets',
      [GITHUB_SEED.workflowToken]: 'workflow-token'
    }
    for (const [token, power] of Object.entries(tokens)) this.addToken(token, power)
  }

  // ---- set-up -------------------------------------------------------------------------

  /** Adds a repository; returns its id. */
  addRepository(repository: EmulatedRepository): number {
    const [owner, name, extra] = repository.fullName.split('/')
    if (!owner || !name || extra !== undefined) throw new Error(`repository must be owner/name: ${repository.fullName}`)
    const id = repository.id ?? this.nextRepositoryId++
    const environments = new Map<string, string>()
    for (const environment of repository.environments ?? []) environments.set(environment.toLowerCase(), environment)
    this.repositories.set(`${owner}/${name}`.toLowerCase(), { owner, name, id, private: repository.private ?? true, environments })
    return id
  }

  addEnvironment(fullName: string, environment: string): void {
    const repository = this.repositories.get(fullName.toLowerCase())
    if (!repository) throw new Error(`unknown repository ${fullName}`)
    repository.environments.set(environment.toLowerCase(), environment)
  }

  addOrganization(org: string): void {
    this.organizations.set(org.toLowerCase(), org)
  }

  addToken(token: string, power: GitHubTokenPower): void {
    this.tokens.set(token, power)
  }

  // ---- observation and control --------------------------------------------------------

  /** The plaintext GitHub would hand to workflows, or undefined when there is no such secret. */
  secretValue(scope: GitHubSecretScope, name: string): string | undefined {
    return this.scopes.get(this.scopeKey(scope))?.secrets.get(name.toUpperCase())?.value
  }

  /** The secret's metadata (never its value), or undefined. */
  secret(scope: GitHubSecretScope, name: string): StoredSecret | undefined {
    const entry = this.scopes.get(this.scopeKey(scope))?.secrets.get(name.toUpperCase())
    if (!entry) return undefined
    const { value: _value, ...metadata } = entry
    return { ...metadata, selectedRepositoryIds: metadata.selectedRepositoryIds?.slice() }
  }

  /** Names of the secrets stored in a scope, sorted. */
  secretNames(scope: GitHubSecretScope): string[] {
    return [...(this.scopes.get(this.scopeKey(scope))?.secrets.keys() ?? [])].sort()
  }

  /** Repositories, environments, organizations and secret metadata as JSON; never a value or a key. */
  dump(): GitHubDump {
    return {
      repositories: [...this.repositories.values()].map((repository) => ({
        fullName: `${repository.owner}/${repository.name}`,
        id: repository.id,
        environments: [...repository.environments.values()]
      })),
      organizations: [...this.organizations.values()],
      secrets: Object.fromEntries(
        [...this.scopes.values()].map((scope) => [
          scope.label,
          [...scope.secrets.values()].map(({ value: _value, ...metadata }) => metadata)
        ])
      ),
      writes: this.writes.slice()
    }
  }

  /**
   * Stores a secret as if an earlier run had written it (not recorded in `secretWrites`);
   * `writtenAt` backdates it (e.g. a lease left by a runner that died an hour ago).
   */
  seedSecret(scope: GitHubSecretScope, name: string, value: string, writtenAt?: Date): void {
    const target = this.scopeFor(scope)
    const now = writtenAt === undefined ? timestamp() : writtenAt.toISOString().replace(/\.\d{3}Z$/, 'Z')
    const upper = name.toUpperCase()
    const previous = target.secrets.get(upper)
    target.secrets.set(upper, {
      ...(previous ?? { name: upper, createdAt: now }),
      ...(scope.kind === 'organization' && !previous ? { visibility: 'private' as const } : {}),
      value,
      updatedAt: now
    })
  }

  /** Deletes a secret as someone else would (a person in the settings, another run). */
  removeSecret(scope: GitHubSecretScope, name: string): void {
    this.scopeFor(scope).secrets.delete(name.toUpperCase())
  }

  /** Every successful secret PUT since start (or the last `clearSecretWrites`), in order. */
  get secretWrites(): readonly SecretWrite[] {
    return this.writes
  }

  clearSecretWrites(): void {
    this.writes.length = 0
  }

  /**
   * Makes the next `count` secret PUTs fail with `status` before anything is stored
   * (500/502/503 for outages; 403 or 429 with `retryAfterSeconds` for a secondary rate limit).
   * With `only`, just the PUTs of matching names (upper-case) fail and count.
   */
  failSecretWrites(status: number, count = Number.POSITIVE_INFINITY, options: { retryAfterSeconds?: number; only?: RegExp } = {}): void {
    this.faults.push({ status, remaining: count, retryAfterSeconds: options.retryAfterSeconds, only: options.only })
  }

  /**
   * Holds the next `count` secret PUTs until all of them have arrived, then lets them
   * proceed together: a client that writes one secret after another never gets there,
   * which is how a test proves the writes are in flight at the same time.
   */
  holdSecretWritesUntilConcurrent(count: number): void {
    this.gate = { size: count, waiting: [] }
  }

  /**
   * Holds the next `count` secret PUTs after each has looked up whether its secret exists
   * and before it stores it, until all `count` have looked it up; then they store one after
   * another. This is the interleaving of a service that handles requests in parallel: a
   * handler that answered 201 from its lookup would answer 201 to every one of `count` PUTs
   * racing to create one name. This one decides created or updated when the write is stored,
   * as a unique key in a database does, so exactly one of them is answered 201.
   */
  interleaveSecretWrites(count: number): void {
    this.interleave = { size: count, waiting: [] }
  }

  /**
   * Stores the next `count` secret PUTs (of names matching `only`, upper-case) but loses
   * their answers on the way back: the client gets a gateway's 502 (or 504) although GitHub
   * stored the secret, so it cannot tell whether its PUT took effect (a retry then gets 204).
   */
  loseSecretWriteAnswers(count = 1, options: { status?: 502 | 504; only?: RegExp } = {}): void {
    this.lostAnswers.push({ status: options.status ?? 502, remaining: count, only: options.only })
  }

  /** Clears every pending secret-write fault (failures and lost answers). */
  stopFailingSecretWrites(): void {
    this.faults.length = 0
    this.lostAnswers.length = 0
  }

  /** GitHub rotates its public keys now and then: a PUT sealed with the old key_id then fails. */
  rotatePublicKey(scope: GitHubSecretScope): void {
    delete this.scopeFor(scope).key
  }

  // ---- HTTP ---------------------------------------------------------------------------

  notFound(_req: EmulatorRequest): EmulatorResponse {
    return error(404, 'Not Found')
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    // GHES serves the same API under /api/v3.
    const path = req.url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/\/+$/, '')
    const segments = path.split('/').slice(1).map(decodeURIComponent)
    const route = this.route(req.method, segments)
    if (!route) return undefined

    const auth = this.authenticate(req)
    if ('status' in auth) return auth
    return route(auth.power, req)
  }

  private route(
    method: string,
    s: string[]
  ): ((power: GitHubTokenPower, req: EmulatorRequest) => Promise<EmulatorResponse> | EmulatorResponse) | undefined {
    if (s[0] === 'repos' && s.length >= 3) {
      const [, owner, repo] = s
      if (s.length === 3 && method === 'GET') return () => this.getRepository(owner, repo)
      if (s[3] === 'actions' && s[4] === 'secrets') {
        return this.secretRoutes(method, s.slice(5), { kind: 'repository', owner, repo })
      }
      if (s[3] === 'environments' && s.length >= 5) {
        const environment = s[4]
        if (s.length === 5 && method === 'GET') return () => this.getEnvironment(owner, repo, environment)
        if (s[5] === 'secrets') {
          return this.secretRoutes(method, s.slice(6), { kind: 'environment', owner, repo, environment })
        }
      }
      return undefined
    }
    if (s[0] === 'orgs' && s.length >= 4 && s[2] === 'actions' && s[3] === 'secrets') {
      const org = s[1]
      if (s.length === 6 && s[5] === 'repositories' && method === 'GET') {
        return (power) => this.listSelectedRepositories(power, org, s[4])
      }
      return this.secretRoutes(method, s.slice(4), { kind: 'organization', org })
    }
    return undefined
  }

  private secretRoutes(
    method: string,
    rest: string[],
    scope: GitHubSecretScope
  ): ((power: GitHubTokenPower, req: EmulatorRequest) => Promise<EmulatorResponse> | EmulatorResponse) | undefined {
    if (rest.length === 0 && method === 'GET') return (power, req) => this.list(power, scope, req)
    if (rest.length !== 1) return undefined
    const [name] = rest
    if (name === 'public-key' && method === 'GET') return (power) => this.publicKey(power, scope)
    if (method === 'GET') return (power) => this.getSecret(power, scope, name)
    if (method === 'PUT') return (power, req) => this.putSecret(power, scope, name, req)
    if (method === 'DELETE') return (power) => this.deleteSecret(power, scope, name)
    return undefined
  }

  private authenticate(req: EmulatorRequest): { power: GitHubTokenPower } | EmulatorResponse {
    const header = req.headers.authorization
    if (!header) return error(401, 'Requires authentication')
    const match = /^(?:bearer|token)\s+(\S+)$/i.exec(header)
    const power = match ? this.tokens.get(match[1]) : undefined
    if (!power) return error(401, 'Bad credentials')
    return { power }
  }

  private getRepository(owner: string, repo: string): EmulatorResponse {
    const repository = this.repositories.get(`${owner}/${repo}`.toLowerCase())
    if (!repository) return error(404, 'Not Found', 'https://docs.github.com/rest/repos/repos#get-a-repository')
    return { status: 200, json: this.repositoryJson(repository) }
  }

  private getEnvironment(owner: string, repo: string, environment: string): EmulatorResponse {
    const repository = this.repositories.get(`${owner}/${repo}`.toLowerCase())
    const name = repository?.environments.get(environment.toLowerCase())
    if (!repository || !name) return error(404, 'Not Found', 'https://docs.github.com/rest/deployments/environments#get-an-environment')
    return { status: 200, json: { id: repository.id * 10, name, protection_rules: [] } }
  }

  private repositoryJson(repository: Repository): Record<string, unknown> {
    return {
      id: repository.id,
      name: repository.name,
      full_name: `${repository.owner}/${repository.name}`,
      owner: { login: repository.owner },
      private: repository.private,
      visibility: repository.private ? 'private' : 'public'
    }
  }

  /** Resolves the scope and checks that the token may use Actions secrets there. */
  private access(power: GitHubTokenPower, scope: GitHubSecretScope): Scope | EmulatorResponse {
    if (scope.kind === 'organization') {
      if (!this.organizations.has(scope.org.toLowerCase())) return error(404, 'Not Found')
    } else {
      const repository = this.repositories.get(`${scope.owner}/${scope.repo}`.toLowerCase())
      if (!repository) return error(404, 'Not Found')
      if (scope.kind === 'environment' && !repository.environments.has(scope.environment.toLowerCase())) {
        return error(404, 'Not Found')
      }
    }
    if (power === 'workflow-token') return error(403, 'Resource not accessible by integration', DOCS)
    if (power === 'repository-secrets' && scope.kind === 'organization') {
      return error(403, 'Resource not accessible by personal access token', DOCS)
    }
    return this.scopeFor(scope)
  }

  private async keyFor(scope: Scope): Promise<KeyPair> {
    await sodium.ready
    if (!scope.key) {
      const pair = sodium.crypto_box_keypair()
      // GitHub's key ids are long decimal strings.
      scope.key = { keyId: String(randomInt(1, 2 ** 47)) + String(randomInt(100000, 999999)), ...pair }
    }
    return scope.key
  }

  private async publicKey(power: GitHubTokenPower, scope: GitHubSecretScope): Promise<EmulatorResponse> {
    const target = this.access(power, scope)
    if ('status' in target) return target
    const key = await this.keyFor(target)
    return { status: 200, json: { key_id: key.keyId, key: sodium.to_base64(key.publicKey, sodium.base64_variants.ORIGINAL) } }
  }

  private list(power: GitHubTokenPower, scope: GitHubSecretScope, req: EmulatorRequest): EmulatorResponse {
    const target = this.access(power, scope)
    if ('status' in target) return target
    const perPage = Math.min(Math.max(Number(req.url.searchParams.get('per_page') ?? 30) || 30, 1), 100)
    const page = Math.max(Number(req.url.searchParams.get('page') ?? 1) || 1, 1)
    const all = [...target.secrets.values()].sort((a, b) => a.name.localeCompare(b.name))
    const secrets = all.slice((page - 1) * perPage, page * perPage).map((entry) => this.secretJson(target, entry))
    return { status: 200, json: { total_count: all.length, secrets } }
  }

  private getSecret(power: GitHubTokenPower, scope: GitHubSecretScope, name: string): EmulatorResponse {
    const target = this.access(power, scope)
    if ('status' in target) return target
    const entry = target.secrets.get(name.toUpperCase())
    if (!entry) return error(404, 'Not Found')
    return { status: 200, json: this.secretJson(target, entry) }
  }

  private secretJson(scope: Scope, entry: StoredEntry): Record<string, unknown> {
    const json: Record<string, unknown> = { name: entry.name, created_at: entry.createdAt, updated_at: entry.updatedAt }
    if (scope.kind === 'organization') {
      json.visibility = entry.visibility
      if (entry.visibility === 'selected') {
        json.selected_repositories_url = `https://api.github.com/${scope.label}/actions/secrets/${entry.name}/repositories`
      }
    }
    return json
  }

  private listSelectedRepositories(power: GitHubTokenPower, org: string, name: string): EmulatorResponse {
    const target = this.access(power, { kind: 'organization', org })
    if ('status' in target) return target
    const entry = target.secrets.get(name.toUpperCase())
    if (!entry) return error(404, 'Not Found')
    const repositories = [...this.repositories.values()]
      .filter((repository) => entry.selectedRepositoryIds?.includes(repository.id))
      .map((repository) => this.repositoryJson(repository))
    return { status: 200, json: { total_count: repositories.length, repositories } }
  }

  private deleteSecret(power: GitHubTokenPower, scope: GitHubSecretScope, name: string): EmulatorResponse {
    const target = this.access(power, scope)
    if ('status' in target) return target
    if (!target.secrets.delete(name.toUpperCase())) return error(404, 'Not Found')
    return { status: 204 }
  }

  private async putSecret(
    power: GitHubTokenPower,
    scope: GitHubSecretScope,
    rawName: string,
    req: EmulatorRequest
  ): Promise<EmulatorResponse> {
    const target = this.access(power, scope)
    if ('status' in target) return target
    await this.passGate('gate')

    const fault = this.faults.find(
      (candidate) => candidate.remaining > 0 && (candidate.only === undefined || candidate.only.test(rawName.toUpperCase()))
    )
    if (fault) {
      fault.remaining -= 1
      const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) }
      const message =
        fault.status === 403 || fault.status === 429
          ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
          : 'Server Error'
      return { ...error(fault.status, message), headers }
    }

    const nameProblem = invalidName(rawName)
    if (nameProblem) return error(422, nameProblem, DOCS)
    const name = rawName.toUpperCase()

    const body = (req.body ?? {}) as Record<string, unknown>
    const previous = target.secrets.get(name)
    // Other PUTs may run between this lookup and the store below (interleaveSecretWrites).
    await this.passGate('interleave')

    let visibility: OrganizationSecretVisibility | undefined
    let selectedRepositoryIds: number[] | undefined
    if (target.kind === 'organization') {
      const checked = this.checkVisibility(scope as { org: string }, body)
      if ('status' in checked) return checked
      ;({ visibility, selectedRepositoryIds } = checked)
    }

    let value: string | undefined
    if (body.encrypted_value !== undefined || target.kind !== 'organization' || !previous) {
      const opened = await this.open(target, body)
      if (typeof opened !== 'string') return opened
      value = opened
    }

    // 201 "Response when creating a secret", 204 "Response when updating a secret": the
    // responses GitHub's description gives these PUTs. Created or updated is decided when
    // the write commits, as a database row is: of two PUTs racing to create one name,
    // exactly one is answered 201 (the provisioning lease relies on it; see
    // src/github/lease.ts). Racing is a behaviour the description is silent on.
    const existing = target.secrets.get(name)
    if (!existing && target.secrets.size >= MAX_SECRETS[target.kind]) {
      return error(422, `Failed to add secret. The ${target.kind} has reached the limit of ${MAX_SECRETS[target.kind]} secrets.`, DOCS)
    }
    if (value === undefined && !existing) {
      // A visibility-only update of an organization secret deleted meanwhile.
      return error(422, 'encrypted_value is required to create a secret.', DOCS)
    }

    const now = timestamp()
    target.secrets.set(name, {
      name,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      value: value ?? existing!.value,
      ...(target.kind === 'organization' ? { visibility, selectedRepositoryIds } : {})
    })
    const outcome = existing ? 'updated' : 'created'
    this.writes.push({ scope: target.label, name, outcome })
    const lost = this.lostAnswers.find((candidate) => candidate.remaining > 0 && (candidate.only === undefined || candidate.only.test(name)))
    if (lost) {
      lost.remaining -= 1
      return error(lost.status, lost.status === 502 ? 'Bad Gateway' : 'Gateway Timeout')
    }
    return existing ? { status: 204 } : { status: 201, json: {} }
  }

  private async passGate(which: 'gate' | 'interleave'): Promise<void> {
    const barrier = this[which]
    if (!barrier) return
    await new Promise<void>((resolve) => {
      barrier.waiting.push(resolve)
      if (barrier.waiting.length >= barrier.size) {
        this[which] = undefined
        for (const release of barrier.waiting) release()
      }
    })
  }

  /** Opens the sealed box with the scope's private key; anything else is a 422, as on GitHub. */
  private async open(target: Scope, body: Record<string, unknown>): Promise<string | EmulatorResponse> {
    if (typeof body.encrypted_value !== 'string' || typeof body.key_id !== 'string') {
      return error(422, 'Invalid request.\n\n"encrypted_value" and "key_id" are required.', DOCS)
    }
    const key = await this.keyFor(target)
    if (body.key_id !== key.keyId) {
      return error(422, `Bad request: key_id ${body.key_id} does not match the current public key; fetch the public key again.`, DOCS)
    }
    let plaintext: Uint8Array
    try {
      const box = sodium.from_base64(body.encrypted_value, sodium.base64_variants.ORIGINAL)
      plaintext = sodium.crypto_box_seal_open(box, key.publicKey, key.privateKey)
    } catch {
      return error(422, 'Bad request: encrypted_value could not be decrypted with the public key.', DOCS)
    }
    if (plaintext.length > MAX_VALUE_BYTES) {
      return error(422, `Secret value is too large: ${plaintext.length} bytes, the limit is 48 KB.`, DOCS)
    }
    return sodium.to_string(plaintext)
  }

  private checkVisibility(
    scope: { org: string },
    body: Record<string, unknown>
  ): { visibility: OrganizationSecretVisibility; selectedRepositoryIds?: number[] } | EmulatorResponse {
    const visibility = body.visibility
    if (visibility !== 'all' && visibility !== 'private' && visibility !== 'selected') {
      return error(422, 'Invalid request.\n\n"visibility" must be one of: all, private, selected.', DOCS)
    }
    const ids = body.selected_repository_ids
    // The description's own words for selected_repository_ids: "You can only provide a list
    // of repository ids when the visibility is set to selected" (its schema cannot say so).
    if (visibility !== 'selected') {
      if (ids !== undefined) {
        return error(422, 'Invalid request.\n\nselected_repository_ids can only be given when visibility is "selected".', DOCS)
      }
      return { visibility }
    }
    if (!Array.isArray(ids)) return { visibility, selectedRepositoryIds: [] }
    const owned = new Set(
      [...this.repositories.values()]
        .filter((repository) => repository.owner.toLowerCase() === scope.org.toLowerCase())
        .map((repository) => repository.id)
    )
    const selectedRepositoryIds = ids.map(Number)
    const foreign = selectedRepositoryIds.filter((id) => !owned.has(id))
    if (foreign.length > 0) {
      return error(422, `Invalid request.\n\nRepositories ${foreign.join(', ')} are not in the organization ${scope.org}.`, DOCS)
    }
    return { visibility, selectedRepositoryIds }
  }

  // ---- scopes -------------------------------------------------------------------------

  private scopeKey(scope: GitHubSecretScope): string {
    switch (scope.kind) {
      case 'repository':
        return `repository:${scope.owner}/${scope.repo}`.toLowerCase()
      case 'environment':
        return `environment:${scope.owner}/${scope.repo}/${scope.environment}`.toLowerCase()
      case 'organization':
        return `organization:${scope.org}`.toLowerCase()
    }
  }

  private scopeFor(scope: GitHubSecretScope): Scope {
    const key = this.scopeKey(scope)
    let found = this.scopes.get(key)
    if (!found) {
      found = { kind: scope.kind, label: this.label(scope), secrets: new Map() }
      this.scopes.set(key, found)
    }
    return found
  }

  private label(scope: GitHubSecretScope): string {
    if (scope.kind === 'organization') return `orgs/${this.organizations.get(scope.org.toLowerCase()) ?? scope.org}`
    const repository = this.repositories.get(`${scope.owner}/${scope.repo}`.toLowerCase())
    const repo = repository ? `${repository.owner}/${repository.name}` : `${scope.owner}/${scope.repo}`
    if (scope.kind === 'repository') return `repos/${repo}`
    return `repos/${repo}/environments/${repository?.environments.get(scope.environment.toLowerCase()) ?? scope.environment}`
  }
}

/** GitHub's secret naming rules, as the 422 message a client would see. */
function invalidName(name: string): string | undefined {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    return 'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed.'
  }
  if (/^[0-9]/.test(name)) return 'Secret names must not start with a number.'
  if (/^GITHUB_/i.test(name)) return 'Secret names must not start with the GITHUB_ prefix.'
  return undefined
}
