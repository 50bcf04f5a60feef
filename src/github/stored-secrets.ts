/**
 * Which of the six secrets (INTERFACE.md) this run must write. GitHub never returns a
 * secret's value, so "changed" is decided against the inputs the run was given — the
 * rotation workflow passes the stored secrets back in as inputs. When the certificate
 * itself is new, or the stored set is incomplete (see `storedSetIncomplete`), all six are
 * written: they are read together, and an input given literally (say tenant-id) says
 * nothing about whether its secret exists yet.
 */
import type { HeldCertificate } from '../certificate/types.js'
import type { Settings } from '../settings.js'
import { secretNames } from './secret-names.js'
import { SecretWriteError, writeSecrets, type SecretTarget, type SecretWriteResult, type WriteSecretsOptions } from './secrets.js'

export interface StoredValues {
  appId: string
  tenantId: string
  organization: string
  /** Absent with `credential: federated`: then only the first three secrets are stored. */
  certificate?: Pick<HeldCertificate, 'thumbprint' | 'pfxBase64' | 'pfxPassword'>
}

export interface SecretChanges {
  /** Name → value, for the secrets whose value differs from what the run was given. */
  changed: Record<string, string>
  unchanged: string[]
}

/**
 * The certificate's three secrets are always written together, the thumbprint last and in a
 * later second (`writeSecretSet`). So in a set that one run finished, the thumbprint is newer
 * than the PFX and its password. A missing secret, or a PFX or password written in the same
 * second as the thumbprint or after it, means an earlier run was cut off halfway (a crash,
 * an outage) and the set may disagree with itself. The same second counts: GitHub's dates
 * are whole seconds, so a run cut off right after writing a new PFX in the second the set
 * before it was finished leaves dates that look like a finished set's otherwise.
 */
export function storedSetIncomplete(prefix: string, stored: Record<string, Date | undefined>, withCertificate = true): boolean {
  const names = secretNames(prefix)
  const expected = withCertificate ? Object.values(names) : [names.appId, names.tenantId, names.organization]
  if (expected.some(name => stored[name.toUpperCase()] === undefined)) return true
  if (!withCertificate) return false
  const thumbprintWritten = (stored[names.certThumbprint.toUpperCase()] as Date).getTime()
  return [names.certPfxBase64, names.certPassword].some(name => (stored[name.toUpperCase()] as Date).getTime() >= thumbprintWritten)
}

/** Name → value of the six secrets for these values (three without a certificate). */
export function secretValues(prefix: string, values: StoredValues): Record<string, string> {
  const names = secretNames(prefix)
  return {
    [names.appId]: values.appId,
    [names.tenantId]: values.tenantId,
    [names.organization]: values.organization,
    ...(values.certificate === undefined
      ? {}
      : {
          [names.certThumbprint]: values.certificate.thumbprint,
          [names.certPfxBase64]: values.certificate.pfxBase64,
          [names.certPassword]: values.certificate.pfxPassword
        })
  }
}

export function secretChanges(
  prefix: string,
  values: StoredValues,
  given: Partial<StoredValues>,
  stored?: Record<string, Date | undefined>
): SecretChanges {
  const names = secretNames(prefix)
  const withCertificate = values.certificate !== undefined
  const pairs: [string, string, string | undefined][] = [
    [names.appId, values.appId, given.appId],
    [names.tenantId, values.tenantId, given.tenantId],
    [names.organization, values.organization, given.organization],
    ...(values.certificate === undefined
      ? []
      : ([
          [names.certThumbprint, values.certificate.thumbprint, given.certificate?.thumbprint],
          [names.certPfxBase64, values.certificate.pfxBase64, given.certificate?.pfxBase64],
          [names.certPassword, values.certificate.pfxPassword, given.certificate?.pfxPassword]
        ] as [string, string, string | undefined][]))
  ]
  const writeAll =
    (withCertificate && given.certificate?.thumbprint !== values.certificate?.thumbprint) ||
    (stored !== undefined && storedSetIncomplete(prefix, stored, withCertificate))
  const changes: SecretChanges = { changed: {}, unchanged: [] }
  for (const [name, value, known] of pairs) {
    if (!writeAll && known !== undefined && known === value) changes.unchanged.push(name)
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
      // Without secret-visibility, each stored secret keeps who may use it; one missing from
      // the set gets the narrowest access of the others (see writeSecrets).
      if (secrets.visibility === undefined) {
        return { kind: 'organization', org: repository.owner, siblings: Object.values(secretNames(secrets.prefix)) }
      }
      return {
        kind: 'organization',
        org: repository.owner,
        visibility: secrets.visibility,
        ...(secrets.visibility === 'selected' ? { selectedRepositories: secrets.selectedRepositories } : {})
      }
  }
}

/**
 * GitHub gives a secret's `updated_at` in whole seconds (the `actions-secret` example in
 * GitHub's REST description, https://docs.github.com/rest/actions/secrets#get-a-repository-secret:
 * "2020-01-10T14:59:22Z"): a write sent this long after the answer to an earlier one is
 * stored in a later second.
 */
const NEXT_SECOND_MS = 1100

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Writes secrets of the set so that an interruption is recognisable: when the thumbprint
 * is among them, everything else first (in parallel), then the thumbprint as the last
 * write, in a later second than the others (see `storedSetIncomplete`). A failure in the
 * first step leaves it unwritten.
 */
export async function writeSecretSet(
  prefix: string,
  target: SecretTarget,
  secrets: Record<string, string>,
  options: WriteSecretsOptions,
  wait: (ms: number) => Promise<void> = sleep
): Promise<SecretWriteResult> {
  const last = secretNames(prefix).certThumbprint
  const first = Object.fromEntries(Object.entries(secrets).filter(([name]) => name !== last))
  const done = await writeSecrets(target, first, options)
  if (secrets[last] === undefined) return done
  // The PFX and its password (written with the thumbprint, always) must be older than it.
  if (done.created.length + done.updated.length > 0) await wait(NEXT_SECOND_MS)
  try {
    const final = await writeSecrets(target, { [last]: secrets[last] }, options)
    return { target: done.target, created: [...done.created, ...final.created], updated: [...done.updated, ...final.updated] }
  } catch (error) {
    // Report the first step's writes too, so a rollback can restore them — whatever failed
    // (a refused PUT, or a read before it, such as an organization secret's visibility).
    if (error instanceof SecretWriteError) {
      throw new SecretWriteError(error.message, { created: [...done.created, ...error.created], updated: [...done.updated, ...error.updated], failed: error.failed }, error.cause)
    }
    throw new SecretWriteError((error as Error).message ?? String(error), { created: done.created, updated: done.updated, failed: [last] }, error)
  }
}
