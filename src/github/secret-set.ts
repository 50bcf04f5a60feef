/**
 * The secret set: where a pipeline keeps the certificate it signs in with. Pipelines of
 * different repositories or environments that keep the default app-name share one app (its
 * uniqueName comes from the name), so each certificate the action puts on the app records its
 * set in its display name, and `revoke-previous` removes only certificates of the run's own
 * set: never the one another pipeline's jobs are using.
 */
import { createHash } from 'node:crypto'
import type { Settings } from '../settings.js'
import type { JobFacts } from '../runner/github-event.js'

/** A secret set, as recorded on the certificates and shown in the log and the summary. */
export interface SecretSet {
  /** 8 lower-case hex digits of SHA-256 over where the certificate is kept. */
  id: string
  /** In words, e.g. `repository secrets of contoso/exo-jobs, prefix EXO_`. */
  description: string
}

export const SECRET_SET_ID_PATTERN = /^[0-9a-f]{8}$/

/**
 * The set of a run's `secret-target`, `secret-environment`, `repository` and `secret-prefix`.
 * Runs that write the same secrets get the same set, whatever else differs: organization
 * secrets belong to the organization (every repository writing them shares them), repository
 * and environment secrets to their repository. With `secret-target: none` the workflow keeps
 * the PFX itself (it passes `pfx-base64` from wherever it stored it), so the set is the
 * repository and the prefix: pipelines of one repository that keep their own certificates that
 * way need different `secret-prefix` values. Owner, repository and environment names are
 * compared without case, as GitHub does ("Environment names are not case sensitive":
 * https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment).
 */
export function secretSetOf(secrets: Pick<Settings['secrets'], 'target' | 'environment' | 'prefix' | 'repository'>): SecretSet {
  const repository = secrets.repository === undefined ? '' : `${secrets.repository.owner}/${secrets.repository.repo}`
  const prefix = secrets.prefix.toUpperCase()
  let where: string[]
  let description: string
  switch (secrets.target) {
    case 'organization': {
      const org = secrets.repository?.owner ?? ''
      where = [org.toLowerCase()]
      description = `organization secrets of ${org}`
      break
    }
    case 'environment': {
      const environment = secrets.environment ?? ''
      where = [repository.toLowerCase(), environment.toLowerCase()]
      description = `environment ${environment} secrets of ${repository}`
      break
    }
    case 'repository':
      where = [repository.toLowerCase()]
      description = `repository secrets of ${repository}`
      break
    case 'none':
      where = [repository.toLowerCase()]
      description = `kept by the workflow (secret-target: none)${repository === '' ? '' : ` in ${repository}`}`
      break
  }
  const id = createHash('sha256').update(JSON.stringify([secrets.target, ...where, prefix]), 'utf8').digest('hex').slice(0, 8)
  return { id, description: `${description}, prefix ${prefix}` }
}

/** A repository by name and, on GitHub.com, by its immutable ids (GITHUB_REPOSITORY_OWNER_ID, GITHUB_REPOSITORY_ID). */
export interface RepositoryIdentity {
  owner: string
  repo: string
  ownerId?: string
  repoId?: string
}

/** `secret-prefix`'s default (action.yml). */
const DEFAULT_PREFIX = 'EXO_'

/**
 * Where the jobs of a pipeline run, for claiming federated credentials of earlier versions:
 * its repository and, for environment secrets, the environment (its jobs must run in it to
 * read them, so their subject is `environment:<name>`).
 */
export interface EarlierVersionScope extends RepositoryIdentity {
  environment?: string
}

/**
 * The scope whose federated credentials made by earlier versions (which recorded no set) this
 * run may count as its own, or undefined. Only a set under the default prefix does: repository
 * secrets (or `secret-target: none`) for the repository's non-environment subjects, environment
 * secrets for their environment's subject (federated-credentials.ts claimsEarlierVersion).
 * Pipelines of one repository that share an app differ by environment or prefix, so a set under
 * another prefix, or an organization's, may be a sibling of the one that made them. The
 * immutable ids are the runner's, used only when the secrets' repository is the one the run is in.
 */
export function earlierFederatedCredentialsOf(
  secrets: Pick<Settings['secrets'], 'target' | 'environment' | 'prefix' | 'repository'>,
  runner: Pick<JobFacts, 'repository' | 'repositoryOwnerId' | 'repositoryId'>
): EarlierVersionScope | undefined {
  if (secrets.repository === undefined || secrets.target === 'organization') return undefined
  if (secrets.prefix.toUpperCase() !== DEFAULT_PREFIX) return undefined
  if (secrets.target === 'environment' && (secrets.environment ?? '') === '') return undefined
  const { owner, repo } = secrets.repository
  const here = runner.repository?.toLowerCase() === `${owner}/${repo}`.toLowerCase()
  return {
    owner,
    repo,
    ...(here && runner.repositoryOwnerId !== undefined ? { ownerId: runner.repositoryOwnerId } : {}),
    ...(here && runner.repositoryId !== undefined ? { repoId: runner.repositoryId } : {}),
    ...(secrets.target === 'environment' ? { environment: secrets.environment } : {})
  }
}
