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
 * treated as abandoned once older than `staleAfterMs` (by GitHub's clock), which is longer
 * than any run can legitimately hold it, and broken with a warning — by one run at a time,
 * under a second secret `<prefix>LEASE_BREAK`, so two waiters cannot both break it and
 * each take a lease the other then deletes.
 *
 * A holder, in turn, starts no write under the lease once the lease is so old that another
 * run may break it before that write ends: every write is preceded by
 * `HeldLease.checkTimeLeft()`, which stops the run `writeMarginMs` before `staleAfterMs`.
 *
 * GitHub has no conditional delete, so a run deletes only the lease it knows it created:
 * it learns the lease's creation date right after taking it. While the lease is younger than
 * `staleAfterMs` (by the runner's clock since its PUT, with a margin), no run may break it, so
 * it is still that lease and is deleted at once; later, the holder takes the break guard
 * like a breaking run, then deletes the lease only if its creation date is the one it
 * recorded. A DELETE whose first answer was lost is checked the same way before it is sent
 * again.
 *
 * What the lease rests on: GitHub's REST description gives a secret PUT two answers, 201
 * "when creating a secret" and 204 "when updating a secret", and says nothing of PUTs that
 * race to create one name. That exactly one of them gets 201 (GitHub stores a secret once
 * per name, as a unique key does) is an assumption; the emulator decides 201 when the write
 * is stored, and the lease tests race PUTs through it truly interleaved. Were GitHub ever to
 * answer two 201s, nothing readable could tell the two holders apart (one secret, whole-second
 * dates, no value to read back), so no read-back after the 201 could repair it.
 */
import { randomBytes } from 'node:crypto'
import { UserError } from '../errors.js'
import { describeTarget } from './secret-errors.js'
import {
  deleteSecrets,
  readSecretMetadata,
  writeSecrets,
  type SecretMetadata,
  type SecretTarget,
  type WriteSecretsOptions
} from './secrets.js'

/** What the post step needs to give the lease back when the main step could not. */
export interface LeaseRecord {
  target: SecretTarget
  name: string
  /** GITHUB_API_URL as the main step used it (not a secret). */
  apiUrl: string
  /** When this run sent its PUT (ISO, the runner's clock). */
  attemptedAt: string
  /** True once GitHub answered 201; false while the answer is not known yet. */
  held: boolean
  /** The lease's creation date (ISO, GitHub's clock), once this run has read it back. */
  createdAt?: string
  /** The stale limit the lease was taken under, so the post step honours the same one. */
  staleAfterMs?: number
}

export interface LeaseOptions extends WriteSecretsOptions {
  /** Older leases were left by a run that died: they are broken. */
  staleAfterMs: number
  /**
   * The longest one write under the lease can take once started. A holder starts no write
   * later than `staleAfterMs - writeMarginMs` after it asked for the lease, so its last
   * write has ended before any other run may break the lease.
   */
  writeMarginMs: number
  /** The longest this run waits for other runs before giving up. */
  maxWaitMs: number
  log: (line: string) => void
  warn: (line: string) => void
  /** Called before each attempt and after each outcome, so a post step can clean up. */
  record?: (record: LeaseRecord | undefined) => void
  /** Stops waiting: the run no longer needs the lease (it failed elsewhere). */
  signal?: AbortSignal
  clock?: LeaseClock
}

export interface LeaseClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export interface HeldLease {
  name: string
  /**
   * True when another run held the lease while this one asked for it: that run may have
   * changed the certificates and the secrets since this run read them.
   */
  contended: boolean
  /**
   * Call before each write under the lease. Throws LeaseOverdue once this run has held the
   * lease so long that another run may break it before the write ends.
   */
  checkTimeLeft(): void
  release(): Promise<void>
}

/**
 * The holder took too long: its lease is about to count as abandoned, so another run may
 * break it and start writing. The run stops before its next write instead.
 */
export class LeaseOverdue extends UserError {
  constructor(name: string, where: string, heldMs: number, options: Pick<LeaseOptions, 'staleAfterMs' | 'writeMarginMs'>) {
    const minutes = (ms: number) => Math.round(ms / 60_000)
    super(
      `This run asked for the provisioning lease ${name} in the ${where} ${minutes(heldMs)} minutes ago and still had certificate or secret writes to do: too late to start one. ` +
        `Other runs treat a lease older than ${minutes(options.staleAfterMs)} minutes as abandoned and may take over, and one write can take up to ${minutes(options.writeMarginMs)} minutes, so this run stops before its next change to the certificates or the secrets rather than overwrite another run's. ` +
        `Rerun the workflow: a rerun reads what is in place and does only what is missing. Runs this slow usually mean Microsoft Graph or GitHub kept throttling or failing requests.`
    )
  }
}

/** Thrown when the run stopped asking for the lease (see LeaseOptions.signal). */
export class LeaseAbandoned extends Error {
  override readonly name = 'LeaseAbandoned'
  constructor() {
    super('The run stopped waiting for the provisioning lease.')
  }
}

const SYSTEM_CLOCK: LeaseClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new LeaseAbandoned())
      const timer = setTimeout(resolve, ms)
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          reject(new LeaseAbandoned())
        },
        { once: true }
      )
    })
}

/** Polling for a held lease starts at this interval and backs off to the maximum. */
const FIRST_POLL_MS = 1000
const MAX_POLL_MS = 10_000
/** Breaking a lease takes a run seconds; a guard older than this was left by one that died. */
const BREAK_GUARD_STALE_MS = 2 * 60_000
/** GitHub's dates (created_at and the Date header) are whole seconds: a comparison of two allows one each. */
const WHOLE_SECONDS_MS = 2000
/**
 * A holder gives its lease back without checking it when it releases this long before the
 * stale limit at the latest: time for the DELETE to arrive, and for GitHub's whole-second dates.
 */
const RELEASE_MARGIN_MS = 60_000

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

/** A value nobody reads: secrets cannot be read back, only their dates. */
function nonce(): string {
  return randomBytes(16).toString('hex')
}

/** How old a secret is by GitHub's clock (the runner's when GitHub sent no Date header). */
function ageOf(secret: SecretMetadata, clock: LeaseClock): number {
  return (secret.gitHubNow?.getTime() ?? clock.now()) - secret.createdAt.getTime()
}

/** A DELETE whose answer is lost must not be retried blindly: see deleteOwnLease. */
function once(options: WriteSecretsOptions): WriteSecretsOptions {
  return { ...options, retry: { ...options.retry, retries: 0 } }
}

/** Takes the lease, waiting for other runs while they hold it. */
export async function acquireLease(target: SecretTarget, name: string, options: LeaseOptions): Promise<HeldLease> {
  if (!(options.writeMarginMs >= 0 && options.writeMarginMs < options.staleAfterMs)) {
    throw new Error(`The lease's writeMarginMs (${options.writeMarginMs}) must be less than staleAfterMs (${options.staleAfterMs}).`)
  }
  const clock = options.clock ?? SYSTEM_CLOCK
  const where = describeTarget(target)
  const place = leaseTarget(target)
  const started = clock.now()
  let pollMs = FIRST_POLL_MS
  let announced = false
  let contended = false
  /** When this run's PUTs answered 204 were on their way (the runner's clock). */
  const answered204: AttemptWindow[] = []

  const gaveUp = (waited: number, since: Date | undefined) =>
    new UserError(
      `Other provisioning runs have held the lease ${name} in the ${where} for the ${Math.round(waited / 1000)} s this run waited${since === undefined ? '' : ` (the current one since ${since.toISOString()})`}. ` +
        `Runs that change the certificate take turns so that none overwrites another's certificate or secrets. Let them finish and run this one again; ` +
        `if no run is active, delete the secret ${name} from the ${where}. Use a 'concurrency:' group so provisioning runs for one app queue in GitHub instead.`
    )
  /** Jitter, so runs waiting together do not all try again in the same instant. */
  const pause = async (waited: number) => {
    await clock.sleep(Math.min(pollMs, options.maxWaitMs - waited) * (0.75 + Math.random() / 2), options.signal)
    pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5)
  }

  /** True when the last try waited for a holder that then gave the lease back. */
  let waitedForHolder = false
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw new LeaseAbandoned()
    if (attempt > 0) {
      // Another try after the lease was gone. When this run had been waiting for its holder,
      // the lease was just given back: try at once, a pause would only slow the hand-over.
      // When it was gone at the first look (or broken as stale), other runs may be taking and
      // giving it back in a loop: back off here too, or this loop would PUT again and again
      // without a pause. Either way, keep to maxWaitMs.
      const waited = clock.now() - started
      if (waited >= options.maxWaitMs) throw gaveUp(waited, undefined)
      if (!waitedForHolder) await pause(waited)
    }
    waitedForHolder = false
    const sentAt = clock.now()
    const attemptedAt = new Date(sentAt).toISOString()
    options.record?.({ target: place, name, apiUrl: options.apiUrl, attemptedAt, held: false, staleAfterMs: options.staleAfterMs })
    const result = await writeSecrets(place, { [name]: nonce() }, options)
    if (result.created.includes(name)) {
      options.log(
        announced
          ? `Took the provisioning lease ${name} after ${Math.round((clock.now() - started) / 1000)} s.`
          : `Took the provisioning lease ${name} in the ${where}: other runs wait until this one has changed the certificate and the secrets.`
      )
      return heldLease(place, name, contended, sentAt, options, clock)
    }
    // 204: the secret was there. Usually another run holds the lease; our PUT replaced its
    // value, which nobody reads, and not its creation date, which decides staleness.
    //
    // Or our own PUT created it and its 201 was lost (a dropped connection, or a gateway's 502
    // after GitHub stored it; the retry then got 204). Then the lease is ours, but nothing
    // this run can read says so: a secret's value cannot be read back, only its name and its
    // whole-second dates, and "created by our PUT, whose answer was lost" looks exactly like
    // "created by another run's PUT in the same second, while our PUT was lost before GitHub
    // stored it". Taking a lease created while our PUT was on its way as our own would, in the
    // second case, let two runs hold it (the lease test "never takes for its own a lease
    // another run created in the moment its own request was lost"), the one outcome the lease
    // exists to prevent. A run-unique token cannot tell them apart either: the value is
    // unreadable, and in the name the lease would no longer be one name that concurrent PUTs
    // collide on. So we wait like any other run and, if it was ours, break it once stale:
    // slow in this rare case, but never two holders.
    contended = true
    answered204.push({ sentAt, answeredAt: clock.now() })
    options.record?.(undefined)

    for (;;) {
      if (options.signal?.aborted) throw new LeaseAbandoned()
      const lease = await readSecretMetadata(place, name, options)
      if (lease === undefined) break // given back: try to take it
      // Stale: break it, unless another run holds the break guard and is breaking it; then
      // this run waits like for any held lease (backing off, within maxWaitMs), not in a loop
      // of PUTs and reads.
      if (ageOf(lease, clock) > options.staleAfterMs && (await breakStaleLease(place, name, lease, options, clock, createdWhileAsking(lease, answered204, clock)))) break
      const waited = clock.now() - started
      if (waited >= options.maxWaitMs) throw gaveUp(waited, lease.createdAt)
      if (!announced) {
        options.log(
          `Another provisioning run holds the lease ${name} in the ${where} (since ${lease.createdAt.toISOString()}); waiting for it to finish before changing the certificate or the secrets.`
        )
        announced = true
      }
      await pause(waited)
      waitedForHolder = true
    }
  }
}

/**
 * Breaks a lease left by a run that died, one run at a time: only the run whose PUT of
 * `<name>_BREAK` is answered 201 deletes it, after checking it is still the same stale
 * lease (not one another run has just taken). Returns true when the caller should try to
 * take the lease at once (this run broke it, or cleared the guard of a breaker that died),
 * false while another run holds the guard: the caller goes back to waiting.
 */
async function breakStaleLease(
  place: SecretTarget,
  name: string,
  stale: SecretMetadata,
  options: LeaseOptions,
  clock: LeaseClock,
  perhapsOurs: boolean
): Promise<boolean> {
  const guard = breakGuardName(name)
  const result = await writeSecrets(place, { [guard]: nonce() }, options)
  if (!result.created.includes(guard)) {
    const other = await readSecretMetadata(place, guard, options)
    if (other === undefined || ageOf(other, clock) <= BREAK_GUARD_STALE_MS) return other === undefined
    await deleteSecrets(place, [guard], options)
    return true
  }
  try {
    const current = await readSecretMetadata(place, name, options)
    if (current !== undefined && current.createdAt.getTime() === stale.createdAt.getTime()) {
      options.warn(
        perhapsOurs
          ? `The provisioning lease ${name} in the ${describeTarget(place)} was taken ${stale.createdAt.toISOString()}, the moment this run asked for it, and never given back: most likely this run's own request created it and its answer was lost. GitHub cannot say whose a lease is, so this run waited until it went stale rather than risk two runs holding it; breaking it.`
          : `The provisioning lease ${name} in the ${describeTarget(place)} was taken ${stale.createdAt.toISOString()} and never given back (a runner that died without its post step); breaking it.`
      )
      // Not retried blindly either: a waiting run may take the lease the moment it is gone.
      await deleteOwnLease(place, name, stale.createdAt, options)
    }
    return true
  } finally {
    await deleteSecrets(place, [guard], options)
  }
}

/** The second secret, beside the lease, that one run at a time holds while it breaks it. */
function breakGuardName(name: string): string {
  return `${name}_BREAK`
}

/** When one PUT of this run was on its way, by the runner's clock. */
interface AttemptWindow {
  sentAt: number
  answeredAt: number
}

/**
 * Whether the lease was created while one of this run's PUTs answered 204 was on its way
 * (compared on GitHub's clock): then it may be this run's own, its 201 lost. Only for what
 * the run says: it never takes such a lease for its own (see acquireLease).
 */
function createdWhileAsking(lease: SecretMetadata, windows: AttemptWindow[], clock: LeaseClock): boolean {
  const skew = lease.gitHubNow === undefined ? 0 : lease.gitHubNow.getTime() - clock.now()
  const created = lease.createdAt.getTime() - skew
  return windows.some(window => created >= window.sentAt - WHOLE_SECONDS_MS && created <= window.answeredAt + WHOLE_SECONDS_MS)
}

function heldLease(place: SecretTarget, name: string, contended: boolean, sentAt: number, options: LeaseOptions, clock: LeaseClock): HeldLease {
  const attemptedAt = new Date(sentAt).toISOString()
  let released = false
  options.record?.({ target: place, name, apiUrl: options.apiUrl, attemptedAt, held: true, staleAfterMs: options.staleAfterMs })
  // Read back off the critical path: with its creation date, this run (and its post step)
  // deletes only this lease, never one another run took after it.
  const createdAt = readSecretMetadata(place, name, options).then(
    lease => lease?.createdAt,
    () => undefined
  )
  void createdAt.then(date => {
    if (date !== undefined && !released) options.record?.({ target: place, name, apiUrl: options.apiUrl, attemptedAt, held: true, createdAt: date.toISOString(), staleAfterMs: options.staleAfterMs })
  })
  return {
    name,
    contended,
    checkTimeLeft() {
      // Timed from when this run sent the PUT that created the lease, by the runner's clock:
      // the lease is younger than that by GitHub's, up to its whole second.
      const heldMs = clock.now() - sentAt
      if (heldMs > options.staleAfterMs - options.writeMarginMs) throw new LeaseOverdue(name, describeTarget(place), heldMs, options)
    },
    async release() {
      if (released) return
      released = true
      try {
        const ours = await createdAt
        if (clock.now() - sentAt <= options.staleAfterMs - RELEASE_MARGIN_MS) {
          // No run may break a lease this young: it is still the one this run created.
          await deleteOwnLease(place, name, ours, options)
        } else {
          const outcome = await releaseOverdueLease(place, name, ours, options)
          if (outcome === 'not ours' || outcome === 'being broken') {
            options.log(
              outcome === 'being broken'
                ? `Left the provisioning lease ${name} to the run that is breaking it: this run held it past the ${Math.round(options.staleAfterMs / 60_000)} minutes after which other runs may.`
                : `Left the provisioning lease ${name} alone: it is not the one this run took ${ours === undefined ? '(whose creation date this run could not read back)' : `on ${ours.toISOString()}`}, which another run broke after ${Math.round(options.staleAfterMs / 60_000)} minutes.`
            )
          }
        }
        options.record?.(undefined)
      } catch (error) {
        // The post step tries again; failing that, the next run breaks it once stale.
        options.warn(
          `Could not give back the provisioning lease ${name} (${(error as Error).message}). Later runs wait for it for up to ${Math.round(options.staleAfterMs / 60_000)} minutes; delete the secret ${name} from the ${describeTarget(place)} to free it now.`
        )
      }
    }
  }
}

/**
 * Gives back a lease held past the stale limit, when another run may have broken it and
 * taken its own. Like a breaking run, the holder first takes the break guard, so no run
 * breaks the lease between the check and the DELETE; then it deletes the lease only if its
 * creation date is the one this run recorded.
 */
async function releaseOverdueLease(
  place: SecretTarget,
  name: string,
  ours: Date | undefined,
  options: WriteSecretsOptions
): Promise<'released' | 'gone' | 'not ours' | 'being broken'> {
  const guard = breakGuardName(name)
  const result = await writeSecrets(place, { [guard]: nonce() }, options)
  if (!result.created.includes(guard)) return 'being broken'
  try {
    const current = await readSecretMetadata(place, name, options)
    if (current === undefined) return 'gone'
    if (ours === undefined || current.createdAt.getTime() !== ours.getTime()) return 'not ours'
    await deleteOwnLease(place, name, ours, options)
    return 'released'
  } finally {
    await deleteSecrets(place, [guard], options)
  }
}

/**
 * Deletes the lease this run created. The DELETE is not retried blindly: if it took effect
 * but its answer was lost, another run may have taken the lease since, and a second DELETE
 * would delete that run's lease. So after a failure the lease is read: gone means done;
 * there with our creation date means delete again.
 */
async function deleteOwnLease(place: SecretTarget, name: string, ours: Date | undefined, options: WriteSecretsOptions): Promise<void> {
  try {
    await deleteSecrets(place, [name], once(options))
  } catch (error) {
    const now = await readSecretMetadata(place, name, options)
    if (now === undefined) return
    if (ours === undefined || now.createdAt.getTime() !== ours.getTime()) throw error
    await deleteSecrets(place, [name], once(options))
  }
}

/**
 * The post step's half: gives back a lease the main step held when it was killed or crashed.
 * It deletes only the lease whose creation date the main step read back. Without that date
 * (killed between sending its PUT and reading the lease back) nothing can tell this run's
 * lease from one another run created in the same moments (whole-second dates, an unreadable
 * value), so the lease is left alone: it goes stale and the next run breaks it under the
 * break guard. A lease held past the stale limit, which another run may be breaking, is given
 * back as release() does: under the break guard, and only if it is still the recorded one.
 */
export async function releaseLeftLease(
  record: LeaseRecord,
  options: Omit<WriteSecretsOptions, 'apiUrl'> & { log?: (line: string) => void }
): Promise<'released' | 'not ours' | 'gone' | 'unknown' | 'being broken'> {
  const github = { ...options, apiUrl: record.apiUrl }
  const lease = await readSecretMetadata(record.target, record.name, github)
  if (lease === undefined) return 'gone'
  if (record.createdAt === undefined) {
    options.log?.(
      `Left the provisioning lease ${record.name} in the ${describeTarget(record.target)} alone: the main step stopped before it read back the lease's creation date, so this step cannot tell it from another run's. Later runs break it once it is stale${record.staleAfterMs === undefined ? '' : ` (${Math.round(record.staleAfterMs / 60_000)} minutes old)`}; if no other run is active, delete the secret ${record.name} to free it now.`
    )
    return 'unknown'
  }
  const ours = new Date(record.createdAt)
  if (lease.createdAt.getTime() !== ours.getTime()) return 'not ours'
  if (record.staleAfterMs !== undefined && ageOf(lease, SYSTEM_CLOCK) <= record.staleAfterMs - RELEASE_MARGIN_MS) {
    // No run may break a lease this young: it is still the one the main step created.
    await deleteOwnLease(record.target, record.name, ours, github)
    return 'released'
  }
  // Old enough that another run may be breaking it: as release() does, under the break guard.
  return releaseOverdueLease(record.target, record.name, ours, github)
}
