/**
 * The provisioning lease as provision mode holds it: `hold()`, called before every
 * certificate and secret write, stops a run whose lease is too old to start another write
 * (other runs break a lease older than three verification timeouts plus 15 minutes).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GITHUB_SEED } from '../../emulator/github.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { LeaseOverdue, type LeaseClock } from '../../src/github/lease.js'
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

/** The settings the lease reads: a repository target and the default verify-timeout-seconds (180). */
function settings(): Settings {
  return {
    dryRun: false,
    verify: { enabled: true, timeoutSeconds: 180 },
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
  it('lets the run write until 19 minutes after it asked (a 24-minute stale limit less 5 for one write), then stops it', async () => {
    let now = Date.now()
    const clock: LeaseClock = { now: () => now, sleep: async ms => void (now += ms) }
    const lease = ProvisioningLease.for(settings(), async () => undefined, clock)
    if (lease === undefined) throw new Error('a repository target takes the lease')
    const held = await lease.hold()
    expect(held.name).toBe('EXO_LEASE')
    now += 19 * MINUTE - 1000
    await expect(lease.hold()).resolves.toBe(held)
    now += 2000
    await expect(lease.hold()).rejects.toBeInstanceOf(LeaseOverdue)
    // The certificate's write waits with a signal to give up on: the same answer.
    await expect(lease.hold(new AbortController().signal)).rejects.toThrow(/Rerun the workflow/)
    await lease.release()
    expect(emulator.github.secretNames(scope)).not.toContain('EXO_LEASE')
  })
})
