/**
 * The provisioning lease: at most one run at a time changes the app's certificates and
 * writes the secrets of one secret target.
 *
 * Why a lease at all: Graph has no compare-and-swap for keyCredentials, and an app's first
 * certificate (or one added by a run that holds none of the app's keys) can only be written
 * by replacing the whole collection. Two runs doing that at once lose one certificate, and
 * two runs writing the six secrets at once can leave one run's PFX beside the other's
 * password. Neither Graph nor the secrets API can lock; but GitHub answers a secret PUT
 * with 201 only when it created the secret and 204 when it replaced one (FACTS.md). So
 * the run whose PUT of `<prefix>LEASE` is answered 201 holds the lease, and deletes the
 * secret when it is done. Its value is a random nonce nobody reads.
 *
 * A run whose runner died without running the post step leaves the lease behind; it is
 * treated as abandoned once older than `staleAfterMs`, which is longer than any run can
 * legitimately hold it, and broken with a warning.
 */
import { randomBytes } from 'node:crypto'
import { UserError } from '../errors.js'
import { describeTarget } from './secret-errors.js'
import { deleteSecrets, readSecretMetadata, writeSecrets, type SecretTarget, type WriteSecretsOptions } from './secrets.js'

/** What the post step needs to give the lease back when the main step could not. */
export interface LeaseRecord {
  target: SecretTarget
  name: string
  /** When this run sent its PUT (ISO): a lease created before then is another run's. */
  attemptedAt: string
  /** True once GitHub answered 201; false while the answer is not known yet. */
  held: boolean
}

export interface LeaseOptions extends WriteSecretsOptions {
  /** Older leases were left by a run that died: they are broken. */
  staleAfterMs: number
  /** The longest this run waits for other runs before giving up. */
  maxWaitMs: number
  log: (line: string) => void
  warn: (line: string) => void
  /** Called before each attempt and after each outcome, so a post step can clean up. */
  record?: (record: LeaseRecord | undefined) => void
  clock?: LeaseClock
}

export interface LeaseClock {
  now(): number
  sleep(ms: number): Promise<void>
}

export interface HeldLease {
  name: string
  /**
   * True when another run held the lease while this one asked for it: that run may have
   * changed the certificates and the secrets since this run read them.
   */
  contended: boolean
  release(): Promise<void>
}

const SYSTEM_CLOCK: LeaseClock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms))
}

/** Polling for a held lease starts at this interval and backs off to the maximum. */
const FIRST_POLL_MS = 1000
const MAX_POLL_MS = 10_000

/** The secret that is the lease, beside the six (`EXO_LEASE` with the default prefix). */
export function leaseSecretName(prefix: string): string {
  return `${prefix}LEASE`.toUpperCase()
}

/**
 * An organization lease needs no readers; 'private' also avoids resolving a 'selected'
 * repository list for a secret no workflow ever uses.
 */
function leaseTarget(target: SecretTarget): SecretTarget {
  return target.kind === 'organization' ? { kind: 'organization', org: target.org, visibility: 'private' } : target
}

/** Takes the lease, waiting for other runs while they hold it. */
export async function acquireLease(target: SecretTarget, name: string, options: LeaseOptions): Promise<HeldLease> {
  const clock = options.clock ?? SYSTEM_CLOCK
  const where = describeTarget(target)
  const place = leaseTarget(target)
  const started = clock.now()
  let pollMs = FIRST_POLL_MS
  let announced = false
  let contended = false

  for (;;) {
    const attemptedAt = new Date(clock.now()).toISOString()
    options.record?.({ target: place, name, attemptedAt, held: false })
    const result = await writeSecrets(place, { [name]: randomBytes(16).toString('hex') }, options)
    if (result.created.includes(name)) {
      options.record?.({ target: place, name, attemptedAt, held: true })
      options.log(
        announced
          ? `Took the provisioning lease ${name} after ${Math.round((clock.now() - started) / 1000)} s.`
          : `Took the provisioning lease ${name} in the ${where}: other runs wait until this one has changed the certificate and the secrets.`
      )
      return heldLease(place, name, contended, options)
    }
    contended = true
    // 204: the secret was there, so another run holds the lease. Ours replaced its value,
    // which nobody reads; its creation date, which decides staleness, is unchanged.
    options.record?.(undefined)

    for (;;) {
      const lease = await readSecretMetadata(place, name, options)
      if (lease === undefined) break // released: try to take it
      const age = clock.now() - lease.createdAt.getTime()
      if (age > options.staleAfterMs) {
        options.warn(
          `The provisioning lease ${name} in the ${where} was taken ${lease.createdAt.toISOString()} and never given back (a runner that died without its post step); breaking it.`
        )
        await deleteSecrets(place, [name], options)
        break
      }
      const waited = clock.now() - started
      if (waited >= options.maxWaitMs) {
        throw new UserError(
          `Another provisioning run has held the lease ${name} in the ${where} since ${lease.createdAt.toISOString()}, and this run waited ${Math.round(waited / 1000)} s for it. ` +
            `Runs that change the certificate take turns so that none overwrites another's certificate or secrets. Let the other run finish and run this one again; ` +
            `if no run is active, delete the secret ${name} from the ${where}. Use a 'concurrency:' group so provisioning runs for one app queue in GitHub instead.`
        )
      }
      if (!announced) {
        options.log(
          `Another provisioning run holds the lease ${name} in the ${where} (since ${lease.createdAt.toISOString()}); waiting for it to finish before changing the certificate or the secrets.`
        )
        announced = true
      }
      // Jitter, so runs waiting together do not all try again in the same instant.
      await clock.sleep(Math.min(pollMs, options.maxWaitMs - waited) * (0.75 + Math.random() / 2))
      pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5)
    }
  }
}

function heldLease(target: SecretTarget, name: string, contended: boolean, options: LeaseOptions): HeldLease {
  let released = false
  return {
    name,
    contended,
    async release() {
      if (released) return
      released = true
      try {
        await deleteSecrets(target, [name], options)
        options.record?.(undefined)
      } catch (error) {
        // The post step tries again; failing that, the next run breaks it once stale.
        options.warn(
          `Could not give back the provisioning lease ${name} (${(error as Error).message}). Later runs wait for it for up to ${Math.round(options.staleAfterMs / 60_000)} minutes; delete the secret ${name} from the ${describeTarget(target)} to free it now.`
        )
      }
    }
  }
}

/**
 * The post step's half: gives back a lease the main step held or may have held when it
 * ended (killed between sending its PUT and reading the answer). A lease created before
 * that PUT was sent is another run's and is left alone.
 */
export async function releaseLeftLease(record: LeaseRecord, options: WriteSecretsOptions, clockSkewMs = 5000): Promise<'released' | 'not ours' | 'gone'> {
  if (!record.held) {
    const lease = await readSecretMetadata(record.target, record.name, options)
    if (lease === undefined) return 'gone'
    if (lease.createdAt.getTime() < Date.parse(record.attemptedAt) - clockSkewMs) return 'not ours'
  }
  await deleteSecrets(record.target, [record.name], options)
  return 'released'
}
