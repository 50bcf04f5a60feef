/**
 * Provision mode's side of the GitHub secrets: when they were last written (read beside the
 * tenant), the refusal to mint a certificate for a misconfigured rotation, writing the set
 * under the lease, and putting secrets back when the run is taken back.
 */
import * as core from '@actions/core'
import type { HeldCertificate } from '../certificate/types.js'
import { UserError } from '../errors.js'
import { describeTarget } from '../github/secret-errors.js'
import { LeaseOverdue } from '../github/lease.js'
import { deleteSecrets, readSecretDates, SecretWriteError } from '../github/secrets.js'
import { secretNames } from '../github/secret-names.js'
import { givenValues, secretChanges, secretTarget, secretValues, storedSetIncomplete, writeSecretSet, type StoredValues } from '../github/stored-secrets.js'
import type { ProvisioningLease } from '../provisioning-lease.js'
import type { SummaryReport } from '../report/summary.js'
import type { Settings } from '../settings.js'

/** Longer than a run waits for the lease (its stale limit is 30 minutes), with margin. */
const CONCURRENT_RUN_WINDOW_MS = 60 * 60 * 1000

export type StoredSecretState = Awaited<ReturnType<typeof readSecretDates>>
export type SettledSecretDates = { value: () => Promise<StoredSecretState | undefined> }

/** When each of the six secrets was last written; undefined without a secret target. */
export async function readStoredSecretDates(settings: Settings): Promise<StoredSecretState | undefined> {
  const target = secretTarget(settings)
  if (target === undefined) return undefined
  return readSecretDates(target, Object.values(secretNames(settings.secrets.prefix)), {
    token: settings.secrets.githubToken ?? '',
    apiUrl: settings.secrets.apiUrl
  })
}

/**
 * A scheduled rotation that lost its certificate inputs (pfx-base64 left out, a misspelt
 * secret name, which GitHub passes as an empty string) would otherwise mint and store a new
 * certificate on every run, while the earlier ones stay valid. When all six secrets are
 * stored but one of the two inputs is empty, the run stops before any write, unless
 * `repair: true` says the stored certificate is really lost. A pair that is given but does
 * not open is what a run cut off between the two writes leaves behind: that is repaired. A
 * set first created within the last hour is a concurrent run's (two first runs started
 * together; the other waited for the lease), not a schedule's: this run stores its own, as
 * before. Creation, not the last write: a minting loop updates the set, it never creates it.
 */
export function requireUsableCertificate(settings: Settings, stored: StoredSecretState | undefined, now: Date): void {
  if (settings.credential.kind !== 'certificate' || settings.held !== undefined || settings.repair || stored === undefined) return
  if (settings.heldInputs.pfxBase64 && settings.heldInputs.pfxPassword) return
  const names = secretNames(settings.secrets.prefix)
  const all = Object.values(names)
  if (all.some(name => stored.dates[name.toUpperCase()] === undefined)) return
  const written = stored.dates[names.certThumbprint.toUpperCase()]
  const created = stored.created[names.certThumbprint.toUpperCase()]
  if (created !== undefined && now.getTime() - created.getTime() < CONCURRENT_RUN_WINDOW_MS) return
  throw new UserError(
    `The ${describeTarget(secretTarget(settings) ?? { kind: 'repository', owner: '', repo: '' })} already holds a complete set of secrets (${all.join(', ')}; certificate stored ${written?.toISOString() ?? 'earlier'}), but this run was given no certificate: ${settings.heldInputs.pfxBase64 ? 'pfx-password' : 'pfx-base64'} is empty. ` +
      `A scheduled rotation must pass the stored ones back: pfx-base64: \${{ secrets.${names.certPfxBase64} }} and pfx-password: \${{ secrets.${names.certPassword} }} (check the spelling of both secret names). ` +
      'Nothing was changed: making a new certificate here would mint one on every run and leave the earlier ones valid. If the stored certificate is really lost or broken, run once with repair: true to make and store a new one.',
    { input: 'pfx-base64' }
  )
}

/** What storeSecrets found out that taking its writes back needs (putBackSecrets). */
export interface StoreSecretsFindings {
  /**
   * Another run wrote the secrets after this run first read their dates (it held the lease
   * while this run waited): the certificate this run was given is no longer the stored one.
   */
  setChangedSinceRead: boolean
}

/**
 * Work out and write the secrets that changed, under the lease when there is one. Throws on
 * failure (a SecretWriteError names what was written before it); `putBackSecrets` undoes it.
 */
export async function storeSecrets(
  settings: Settings,
  values: { appId: string; organization: string; certificate: HeldCertificate | undefined },
  storedSecretDates: SettledSecretDates | undefined,
  lease: ProvisioningLease | undefined,
  findings: StoreSecretsFindings = { setChangedSinceRead: false }
): Promise<SummaryReport['secrets']> {
  const target = secretTarget(settings)
  if (target === undefined) return undefined
  const { appId, organization, certificate } = values
  const decide = (stored: StoredSecretState | undefined) =>
    secretChanges(settings.secrets.prefix, { appId, tenantId: settings.tenantId ?? '', organization, certificate }, givenValues(settings), stored?.dates)
  let stored = await storedSecretDates?.value()
  let changes = decide(stored)
  if (Object.keys(changes.changed).length > 0 && lease !== undefined) {
    const held = await lease.hold()
    // Another run may have written the secrets since their dates were read: it held the
    // lease meanwhile, or the dates caught it halfway (a partly written set) and it gave
    // the lease back just before this run took it. Decide again from what is stored now.
    const partlyWritten =
      stored !== undefined &&
      Object.values(stored.dates).some(date => date !== undefined) &&
      storedSetIncomplete(settings.secrets.prefix, stored.dates, certificate !== undefined)
    if (held.contended || partlyWritten) {
      const before = stored
      stored = await readStoredSecretDates(settings)
      changes = decide(stored)
      findings.setChangedSinceRead = Object.keys({ ...before?.dates, ...stored?.dates }).some(
        name => before?.dates[name]?.getTime() !== stored?.dates[name]?.getTime()
      )
    }
  }
  const names = Object.keys(changes.changed)
  if (names.length === 0) {
    core.info('Secrets: nothing changed, nothing written.')
    return { where: describeTarget(target), written: [], unchanged: changes.unchanged }
  }
  const unchanged = changes.unchanged
  return core.group(`Writing secrets (${names.length} changed)`, async () => {
    // The secrets must name a certificate that is on the app. apply confirmed it; a stale
    // write from outside the lease landing meanwhile is repaired at the end of the run.
    const result = await writeSecretSet(settings.secrets.prefix, target, changes.changed, {
      token: settings.secrets.githubToken ?? '',
      apiUrl: settings.secrets.apiUrl,
      publicKey: stored?.publicKey
    })
    const written = [...result.created, ...result.updated]
    core.info(`Wrote ${written.join(', ')} to the ${result.target}.`)
    return { where: result.target, written, unchanged: unchanged.filter(name => !written.includes(name)) }
  })
}

/**
 * Takes back secrets written before a failure. Those the run holds an earlier value for get
 * the certificate it was given put back; those it created (nothing was there before) are
 * deleted again. Each group is tried on its own. `stillNamingNew` lists the certificate
 * secrets that still hold the new certificate afterwards (a write that failed, or a secret
 * replaced without knowing its earlier value because no pfx-base64 was given): the new
 * certificate must then stay on the app. `problem` says what could not be put back.
 *
 * When another run wrote the set while this one waited for the lease (`setChangedSinceRead`),
 * the certificate this run was given is not what the untouched secrets hold: putting it back
 * would mix two certificates in one set, and the other run's values cannot be read back.
 * So the run keeps its new certificate (`current`) instead and writes the whole set again.
 *
 * Each write group first holds the lease (`holdLease`, when the run has one): once it is
 * overdue another run may hold it and be writing its own set, so nothing is written and
 * every certificate secret this run wrote still names the new certificate, which therefore
 * stays on the app.
 */
export async function putBackSecrets(
  settings: Settings,
  failure: unknown,
  taking: { setChangedSinceRead: boolean; current?: StoredValues } = { setChangedSinceRead: false },
  holdLease?: () => Promise<unknown>
): Promise<{ stillNamingNew: string[]; keptNew?: boolean; problem?: string }> {
  const target = secretTarget(settings)
  if (!(failure instanceof SecretWriteError) || target === undefined) return { stillNamingNew: [] }
  const written = [...failure.created, ...failure.updated]
  if (written.length === 0) return { stillNamingNew: [] }
  const names = secretNames(settings.secrets.prefix)
  const certificateSecrets = [names.certThumbprint, names.certPfxBase64, names.certPassword]
  /** Holds the lease before a write group; true (write nothing) once it is overdue or not this run's. */
  const overdue = async (): Promise<boolean> => {
    try {
      await holdLease?.()
      return false
    } catch (error) {
      if (!(error instanceof LeaseOverdue)) core.warning(`Could not hold the provisioning lease to put the secrets back: ${(error as Error).message}`)
      return true
    }
  }
  const leftAsWritten = () => ({
    stillNamingNew: written.filter(name => certificateSecrets.includes(name)),
    problem: `${written.join(', ')} were left as this run wrote them, naming its new certificate, which stays on the app: this run no longer holds the provisioning lease, so another run may be writing the secrets now. Rerun this workflow: it stores a certificate that is on the app.`
  })
  if (taking.setChangedSinceRead && taking.current?.certificate !== undefined) {
    if (await overdue()) return leftAsWritten()
    return keepNewSet(settings, target, taking.current)
  }
  const held = settings.held
  const previous =
    held === undefined
      ? {}
      : secretValues(settings.secrets.prefix, {
          appId: settings.app.id ?? '',
          tenantId: settings.tenantId ?? '',
          organization: settings.organization ?? '',
          certificate: held
        })
  const known = (name: string): string | undefined => (previous[name] !== undefined && previous[name] !== '' ? previous[name] : undefined)
  const restore = Object.fromEntries(written.flatMap(name => (known(name) === undefined ? [] : [[name, known(name) as string]])))
  const created = failure.created.filter(name => known(name) === undefined)
  const replacedUnknown = failure.updated.filter(name => known(name) === undefined && certificateSecrets.includes(name))
  const options = { token: settings.secrets.githubToken ?? '', apiUrl: settings.secrets.apiUrl }

  if ((Object.keys(restore).length > 0 || created.length > 0) && (await overdue())) return leftAsWritten()
  const stillNew: string[] = [...replacedUnknown]
  const problems: string[] = []
  if (Object.keys(restore).length > 0) {
    try {
      await writeSecretSet(settings.secrets.prefix, target, restore, options)
      core.warning(`Restored ${Object.keys(restore).join(', ')} to the previous certificate.`)
    } catch (error) {
      const notRestored = error instanceof SecretWriteError ? Object.keys(restore).filter(name => !error.created.includes(name) && !error.updated.includes(name)) : Object.keys(restore)
      stillNew.push(...notRestored.filter(name => certificateSecrets.includes(name)))
      problems.push(`could not restore ${notRestored.join(', ')} to the previous certificate (${(error as Error).message})`)
    }
  }
  if (created.length > 0) {
    try {
      // The restore may have taken its whole retry budget: the lease is checked again.
      if (Object.keys(restore).length > 0 && (await overdue())) throw new Error('this run no longer holds the provisioning lease')
      await deleteSecrets(target, created, options)
      core.warning(`Deleted ${created.join(', ')} again: this run had created them for the certificate it removed.`)
    } catch (error) {
      stillNew.push(...created.filter(name => certificateSecrets.includes(name)))
      problems.push(`could not delete ${created.join(', ')} (${(error as Error).message})`)
    }
  }
  if (replacedUnknown.length > 0) {
    problems.push(`${replacedUnknown.join(', ')} now hold the new certificate, and this run was not given the earlier one (pfx-base64) to put back`)
  }
  return problems.length === 0
    ? { stillNamingNew: stillNew }
    : { stillNamingNew: stillNew, problem: `${problems.join('; ')}. Rerun this workflow: it stores a certificate that is on the app.` }
}

/** The roll-forward of putBackSecrets: the whole set, for the new certificate, thumbprint last. */
async function keepNewSet(
  settings: Settings,
  target: NonNullable<ReturnType<typeof secretTarget>>,
  current: StoredValues
): Promise<{ stillNamingNew: string[]; keptNew: boolean; problem?: string }> {
  const names = secretNames(settings.secrets.prefix)
  const certificateSecrets = [names.certThumbprint, names.certPfxBase64, names.certPassword]
  try {
    await writeSecretSet(settings.secrets.prefix, target, secretValues(settings.secrets.prefix, current), {
      token: settings.secrets.githubToken ?? '',
      apiUrl: settings.secrets.apiUrl
    })
    core.warning(
      `Another run stored its certificate while this one waited for the provisioning lease, so the certificate this run was given is no longer the stored one and cannot be put back. All six secrets were written again with this run's new certificate ${current.certificate?.thumbprint ?? ''}, which stays on the app.`
    )
    return { stillNamingNew: certificateSecrets, keptNew: true }
  } catch (error) {
    return {
      stillNamingNew: certificateSecrets,
      keptNew: true,
      problem: `another run stored its certificate while this one waited for the lease, and writing the whole set again with this run's new certificate failed too (${(error as Error).message}). Rerun this workflow: it stores a certificate that is on the app.`
    }
  }
}

/**
 * After a switch from `credential: certificate`, the certificate secrets are still stored.
 * They are left alone (a job not yet switched still reads them) but named, so they are
 * deleted once nothing uses them: zero-secret means nothing stored.
 */
export async function leftOverCertificateSecrets(settings: Settings, storedSecretDates: SettledSecretDates | undefined): Promise<string[]> {
  const stored = await storedSecretDates?.value().catch(() => undefined)
  if (stored === undefined) return []
  const names = secretNames(settings.secrets.prefix)
  const left = [names.certThumbprint, names.certPfxBase64, names.certPassword].filter(name => stored.dates[name.toUpperCase()] !== undefined)
  if (left.length === 0) return []
  const message = `The secrets ${left.join(', ')} from credential: certificate are still stored. Delete them once every job uses credential: federated (Settings → Secrets and variables → Actions); the app's certificates expire on their own.`
  core.warning(message, { title: 'Certificate secrets still stored' })
  return [message]
}
