/**
 * Which of the six secrets (INTERFACE.md) this run must write. GitHub never returns a
 * secret's value, so "changed" is decided against the inputs the run was given — the
 * rotation workflow passes the stored secrets back in as inputs. When the certificate
 * itself is new, all six are written: they are read together, and an input given
 * literally (say tenant-id) says nothing about whether its secret exists yet.
 */
import type { HeldCertificate } from '../certificate/types.js'
import type { Settings } from '../settings.js'
import { secretNames } from './secret-names.js'
import type { SecretTarget } from './secrets.js'

export interface StoredValues {
  appId: string
  tenantId: string
  organization: string
  certificate: Pick<HeldCertificate, 'thumbprint' | 'pfxBase64' | 'pfxPassword'>
}

export interface SecretChanges {
  /** Name → value, for the secrets whose value differs from what the run was given. */
  changed: Record<string, string>
  unchanged: string[]
}

export function secretChanges(prefix: string, values: StoredValues, given: Partial<StoredValues>): SecretChanges {
  const names = secretNames(prefix)
  const pairs: [string, string, string | undefined][] = [
    [names.appId, values.appId, given.appId],
    [names.tenantId, values.tenantId, given.tenantId],
    [names.organization, values.organization, given.organization],
    [names.certThumbprint, values.certificate.thumbprint, given.certificate?.thumbprint],
    [names.certPfxBase64, values.certificate.pfxBase64, given.certificate?.pfxBase64],
    [names.certPassword, values.certificate.pfxPassword, given.certificate?.pfxPassword]
  ]
  const certificateIsNew = given.certificate?.thumbprint !== values.certificate.thumbprint
  const changes: SecretChanges = { changed: {}, unchanged: [] }
  for (const [name, value, known] of pairs) {
    if (!certificateIsNew && known !== undefined && known === value) changes.unchanged.push(name)
    else changes.changed[name] = value
  }
  return changes
}

/** What the run was given, in the same shape (for `secretChanges`). */
export function givenValues(settings: Settings): Partial<StoredValues> {
  return {
    appId: settings.app.id,
    tenantId: settings.tenantId,
    organization: settings.organization,
    certificate: settings.held
  }
}

/** The settings' secret target in the GitHub module's terms; undefined for `none`. */
export function secretTarget(settings: Settings): SecretTarget | undefined {
  const { secrets } = settings
  const repository = secrets.repository
  if (secrets.target === 'none' || repository === undefined) return undefined
  switch (secrets.target) {
    case 'repository':
      return { kind: 'repository', owner: repository.owner, repo: repository.repo }
    case 'environment':
      return { kind: 'environment', owner: repository.owner, repo: repository.repo, environment: secrets.environment ?? '' }
    case 'organization':
      return {
        kind: 'organization',
        org: repository.owner,
        visibility: secrets.visibility,
        ...(secrets.visibility === 'selected' ? { selectedRepositories: secrets.selectedRepositories } : {})
      }
  }
}
