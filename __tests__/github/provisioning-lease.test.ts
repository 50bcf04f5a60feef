/**
 * The provisioning lease as provision mode holds it: `hold()`, called before every
 * certificate and secret write, stops a run whose lease is too old to start another write
 * (other runs break a lease older than 30 minutes: 15 of verification at most, whatever
 * verify-timeout-seconds says, and 15 of margin). The stale limit is the same for every run.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GITHUB_SEED } from '../../emulator/github.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { LeaseAbandoned, LeaseOverdue, type LeaseClock } from '../../src/github/lease.js'
import { ProvisioningLease } from '../../src/provisioning-lease.js'
import type { Settings } from '../../src/settings.js'

const { owner, repo, adminToken } = GITHUB_SEED
const scope = { kind: 'repository' as const, owner, repo }
const MINUTE = 60_000

let emulator: Emulator
beforeEach(async () => {
  emulator = await startEmulator()
})
afterEach(async () => {
  await emulator.close()
})

/** The settings the lease reads: a repository target and verify-timeout-seconds (default 180). */
function settings(timeoutSeconds = 180): Settings {
  return {
    dryRun: false,
    verify: { enabled: true, timeoutSeconds },
    secrets: {
      target: 'repository',
      prefix: 'EXO_',
      githubToken: adminToken,
      repository: { owner, repo },
      visibility: undefined,
      selectedRepositories: [],
      apiUrl: emulator.urls.github
    }
  } as unknown as Settings
}

describe('ProvisioningLease.hold', () => {
  it('lets the run write until 25 minutes after it asked (a 30-minute stale limit less 5 for one write), then stops it', async () => {
    let now = Date.now()
    const clock: LeaseClock = { now: () => now, sleep: async ms => void (now += ms) }
    const lease = ProvisioningLease.for(settings(), async () => undefined, clock)
    if (lease === undefined) throw new Error('a repository target takes the lease')
    const held = await lease.hold()
    expect(held.name).toBe('EXO_LEASE')
    now += 25 * MINUTE - 1000
    await expect(lease.hold()).resolves.toBe(held)
    now += 2000
    await expect(lease.hold()).rejects.toBeInstanceOf(LeaseOverdue)
    // The certificate's write waits with a signal to give up on: the same answer.
    await expect(lease.hold(new AbortController().signal)).rejects.toThrow(/Rerun the workflow/)
    await lease.release()
    expect(emulator.github.secretNames(scope)).not.toContain('EXO_LEASE')
  })
})

describe('two runs with different verify-timeout-seconds', () => {
  it('a run with a short timeout never breaks the lease of a run with a long one that may still write', async () => {
    // The run with verify-timeout-seconds 3600 took the lease 20 minutes ago and is still
    // verifying (it may write until 25 minutes after it asked). A run with a 1-second
    // timeout waits for it: the stale limit is the lease's, not the waiting run's.
    emulator.github.seedSecret(scope, 'EXO_LEASE', 'the slow run', new Date(Date.now() - 20 * MINUTE))
    const created = emulator.github.secret(scope, 'EXO_LEASE')?.createdAt
    const impatient = ProvisioningLease.for(settings(1), async () => undefined, { now: () => Date.now(), sleep: ms => new Promise(resolve => setTimeout(resolve, Math.min(ms, 20))) })
    if (impatient === undefined) throw new Error('a repository target takes the lease')
    impatient.request()
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(emulator.github.secret(scope, 'EXO_LEASE')?.createdAt).toBe(created)
    const stop = new AbortController()
    const holding = impatient.hold(stop.signal)
    stop.abort()
    await expect(holding).rejects.toBeInstanceOf(LeaseAbandoned)
    await impatient.release()
    expect(emulator.github.secret(scope, 'EXO_LEASE')?.createdAt).toBe(created)
  })

  it('both stop writing at the same age of their lease, whatever their timeouts', async () => {
    const stopsAt: number[] = []
    for (const timeoutSeconds of [1, 3600]) {
      let now = Date.now()
      const clock: LeaseClock = { now: () => now, sleep: async ms => void (now += ms) }
      const lease = ProvisioningLease.for(settings(timeoutSeconds), async () => undefined, clock)
      if (lease === undefined) throw new Error('a repository target takes the lease')
      await lease.hold()
      let minutes = 0
      while (minutes < 240) {
        now += MINUTE
        minutes++
        if (await lease.hold().then(() => false, (error: unknown) => error instanceof LeaseOverdue)) break
      }
      stopsAt.push(minutes)
      await lease.release()
    }
    // Allowed up to 25 minutes after asking, refused from the 26th, for both.
    expect(stopsAt).toEqual([26, 26])
  })
})
