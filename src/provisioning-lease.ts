/**
 * The provisioning lease (github/lease.ts) as provision mode uses it. Only a run with a
 * secret target that is about to change the app's certificates or write secrets takes it:
 * a rerun with nothing to do writes nothing to GitHub. It is requested as soon as the
 * plan is known, so the PUT travels while the app is being set up, and awaited just
 * before the first certificate or secret write — and before every later one, when `hold`
 * also checks that the run still has time to write under it.
 */
import * as core from '@actions/core'
import { acquireLease, LeaseAbandoned, leaseSecretName, type HeldLease, type LeaseClock } from './github/lease.js'
import { DEFAULT_RETRY_POLICY } from './github/retry.js'
import type { SecretTarget, TargetPublicKey } from './github/secrets.js'
import { secretTarget } from './github/stored-secrets.js'
import { TRANSIENT_BUDGET } from './entra/retry.js'
import { MAX_VERIFY_WAIT_SECONDS } from './entra/verify.js'
import { rememberLease } from './runner/state.js'
import type { Settings } from './settings.js'

/**
 * A run holds the lease from the app's set-up (it is asked for beside it) through the
 * certificate write, verification (at most MAX_VERIFY_WAIT_SECONDS in all rounds together,
 * whatever verify-timeout-seconds says), the secrets and pruning; Graph's and GitHub's retry
 * budgets add minutes at most. A lease older than that plus this margin was left by a runner
 * that died. A live run starts no write once its lease is within ONE_WRITE_MS of that age (hold).
 */
const STALE_MARGIN_MS = 15 * 60 * 1000
/**
 * When a lease counts as abandoned: one constant, the same for every run whatever its
 * inputs. Were it derived from a run's own verify-timeout-seconds, a waiting run with a short
 * timeout would break the lease of a holder with a long one while that one still writes.
 */
export const LEASE_STALE_AFTER_MS = MAX_VERIFY_WAIT_SECONDS * 1000 + STALE_MARGIN_MS
/**
 * Waiting a little longer than a lease can live means a run waiting on a lease nobody
 * will give back (even its own, when the 201 was lost) breaks it rather than giving up.
 */
const WAIT_BEYOND_STALE_MS = 60 * 1000
/**
 * The longest one write under the lease can take once started: a certificate write is a
 * PATCH and its confirming read, each of which may use Graph's whole transient retry budget;
 * the secret PUTs (in parallel) may each wait out GitHub's rate limits. Plus a minute for the
 * requests themselves and GitHub's whole-second dates. A holder starts no write later than
 * this before its lease may be broken (github/lease.ts, HeldLease.checkTimeLeft).
 */
const ONE_WRITE_MS =
  Math.max(2 * TRANSIENT_BUDGET.maxTotalWaitMs, DEFAULT_RETRY_POLICY.retries * DEFAULT_RETRY_POLICY.maxWaitSeconds * 1000) + 60 * 1000

export class ProvisioningLease {
  private pending?: Promise<HeldLease>
  /** Aborted when the run no longer needs the lease, so it stops waiting. */
  private readonly stopWaiting = new AbortController()

  private constructor(
    private readonly settings: Settings,
    private readonly target: SecretTarget,
    private readonly publicKey: () => Promise<TargetPublicKey | undefined>,
    private readonly clock: LeaseClock | undefined
  ) {}

  /** The lease for this run's secret target; undefined when it stores no secrets or only plans. */
  static for(settings: Settings, publicKey: () => Promise<TargetPublicKey | undefined>, clock?: LeaseClock): ProvisioningLease | undefined {
    const target = secretTarget(settings)
    if (target === undefined || settings.dryRun) return undefined
    return new ProvisioningLease(settings, target, publicKey, clock)
  }

  /** Starts taking the lease (once); `hold` waits for it. */
  request(): void {
    if (this.pending !== undefined) return
    this.pending = this.acquire()
    // Awaited by hold() or release(); until then a failure must not count as unhandled.
    this.pending.catch(() => undefined)
  }

  /**
   * Call before each certificate or secret write. Resolves once this run holds the lease;
   * rejects with LeaseAbandoned as soon as `giveUp` is aborted (the caller failed elsewhere
   * and must not wait any longer), and with LeaseOverdue (a UserError) once the lease is too
   * old to start another write under it: other runs may soon break it and write themselves.
   */
  async hold(giveUp?: AbortSignal): Promise<HeldLease> {
    const lease = await this.waitForLease(giveUp)
    lease.checkTimeLeft()
    return lease
  }

  private async waitForLease(giveUp: AbortSignal | undefined): Promise<HeldLease> {
    this.request()
    const pending = this.pending as Promise<HeldLease>
    if (giveUp === undefined) return pending
    if (giveUp.aborted) throw new LeaseAbandoned()
    return Promise.race([
      pending,
      new Promise<never>((_, reject) => giveUp.addEventListener('abort', () => reject(new LeaseAbandoned()), { once: true }))
    ])
  }

  /** Stops waiting and gives the lease back if this run took it; safe to call more than once. */
  async release(): Promise<void> {
    if (this.pending === undefined) return
    this.stopWaiting.abort()
    const lease = await this.pending.catch(() => undefined)
    await lease?.release()
  }

  private async acquire(): Promise<HeldLease> {
    const { settings } = this
    const staleAfterMs = LEASE_STALE_AFTER_MS
    return acquireLease(this.target, leaseSecretName(settings.secrets.prefix), {
      token: settings.secrets.githubToken ?? '',
      apiUrl: settings.secrets.apiUrl,
      publicKey: await this.publicKey().catch(() => undefined),
      staleAfterMs,
      writeMarginMs: ONE_WRITE_MS,
      maxWaitMs: staleAfterMs + WAIT_BEYOND_STALE_MS,
      signal: this.stopWaiting.signal,
      clock: this.clock,
      log: line => core.info(line),
      warn: line => core.warning(line, { title: 'Provisioning lease' }),
      record: rememberLease
    })
  }
}
