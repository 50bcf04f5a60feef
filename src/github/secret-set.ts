/**
 * The secret set: where a pipeline keeps the certificate it signs in with. Pipelines of
 * different repositories or environments that keep the default app-name share one app (its
 * uniqueName comes from the name), so each certificate the action puts on the app records its
 * set in its display name, and `revoke-previous` removes only certificates of the run's own
 * set: never the one another pipeline's jobs are using.
 */
import { createHash } from 'node:crypto'
import type { Settings } from '../settings.js'

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
