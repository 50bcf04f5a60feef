/**
 * The provisioning lease (github/lease.ts) as provision mode uses it. Only a run with a
 * secret target that is about to change the app's certificates or write secrets takes it:
 * a rerun with nothing to do writes nothing to GitHub. It is requested as soon as the
 * plan is known, so the PUT travels while the app is being set up, and awaited just
 * before the first certificate or secret write.
 */
import * as core from '@actions/core'
import { acquireLease, leaseSecretName, type HeldLease } from './github/lease.js'
import type { SecretTarget, TargetPublicKey } from './github/secrets.js'
import { secretTarget } from './github/stored-secrets.js'
import { rememberLease } from './runner/state.js'
import type { Settings } from './settings.js'

/**
 * A run holds the lease for its certificate write, verification (at most
 * verify-timeout-seconds), the secrets and pruning; Graph's and GitHub's retry budgets
 * are minutes at most. A lease older than this was left by a runner that died.
 */
const STALE_MARGIN_MS = 15 * 60 * 1000

export class ProvisioningLease {
  private pending?: Promise<HeldLease>

  private constructor(
    private readonly settings: Settings,
    private readonly target: SecretTarget,
    private readonly publicKey: () => Promise<TargetPublicKey | undefined>
  ) {}

  /** The lease for this run's secret target; undefined when it stores no secrets or only plans. */
  static for(settings: Settings, publicKey: () => Promise<TargetPublicKey | undefined>): ProvisioningLease | undefined {
    const target = secretTarget(settings)
    if (target === undefined || settings.dryRun) return undefined
    return new ProvisioningLease(settings, target, publicKey)
  }

  /** Starts taking the lease (once); `hold` waits for it. */
  request(): void {
    if (this.pending !== undefined) return
    this.pending = this.acquire()
    // Awaited by hold() or release(); until then a failure must not count as unhandled.
    this.pending.catch(() => undefined)
  }

  /** Resolves once this run holds the lease. */
  async hold(): Promise<HeldLease> {
    this.request()
    return this.pending as Promise<HeldLease>
  }

  /** Gives the lease back if this run took it; safe to call more than once. */
  async release(): Promise<void> {
    if (this.pending === undefined) return
    const lease = await this.pending.catch(() => undefined)
    await lease?.release()
  }

  private async acquire(): Promise<HeldLease> {
    const { settings } = this
    const staleAfterMs = settings.verify.timeoutSeconds * 1000 + STALE_MARGIN_MS
    return acquireLease(this.target, leaseSecretName(settings.secrets.prefix), {
      token: settings.secrets.githubToken ?? '',
      apiUrl: settings.secrets.apiUrl,
      publicKey: await this.publicKey().catch(() => undefined),
      staleAfterMs,
      maxWaitMs: staleAfterMs,
      log: line => core.info(line),
      warn: line => core.warning(line, { title: 'Provisioning lease' }),
      record: rememberLease
    })
  }
}
