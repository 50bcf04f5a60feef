/**
 * Proves the result the way Exchange Online will see it: sign in as the app with the
 * certificate this run holds, get a token for Exchange Online, and check that it carries
 * Exchange.ManageAsApp in `roles` and every requested directory role in `wids`. Entra
 * replicates slowly, so it waits with backoff up to `verify-timeout-seconds`.
 */
import { ClientAssertionCredential, ClientCertificateCredential, type TokenCredential } from '@azure/identity'
import type { HeldCertificate } from '../certificate/types.js'
import { defaultScope } from '../cloud.js'
import type { Settings } from '../settings.js'
import { RetryClock } from './retry.js'
import { credentialOptions, jwtClaimValue } from './sign-in.js'
import { EXCHANGE_MANAGE_AS_APP, type DirectoryRole } from './well-known.js'

/**
 * Verification rounds at most: a second (and third) only when the sign-in failed because a
 * writer outside the lease dropped the new certificate, which is then put back.
 */
export const MAX_VERIFY_ROUNDS = 3

/**
 * The longest verification waits in one run, all rounds together, whatever
 * `verify-timeout-seconds` says (the input can only shorten it). Every run holding the
 * provisioning lease must be done within the same time, so that the lease's stale limit can
 * be one constant for all runs (provisioning-lease.ts): were it derived from each run's
 * input, a run with a short timeout would break the lease of one with a long timeout while
 * it still writes. A tenant slower than this is left to a rerun, which verifies again.
 */
export const MAX_VERIFY_WAIT_SECONDS = 900

/** How long this run's verification may wait in all: verify-timeout-seconds, at most MAX_VERIFY_WAIT_SECONDS. */
export function verifyWaitMs(settings: Pick<Settings, 'verify'>): number {
  return Math.min(settings.verify.timeoutSeconds, MAX_VERIFY_WAIT_SECONDS) * 1000
}

/** The same in seconds, for messages: what the run really waited for, not the input when it is above the cap. */
export function verifyWaitSeconds(settings: Pick<Settings, 'verify'>): number {
  return verifyWaitMs(settings) / 1000
}

export interface VerifyResult {
  /** The app signed in with the certificate at least once. */
  signedIn: boolean
  /** Everything requested is in the token. */
  ok: boolean
  /** What the last token lacked, in words (empty when ok). */
  missing: string[]
  /** The last sign-in error, when it never signed in. */
  signInError?: string
  attempts: number
  waitedMs: number
}

export interface VerifyTarget {
  tenantId: string
  appId: string
  certificate: Pick<HeldCertificate, 'certificatePem' | 'privateKeyPem'>
  roles: readonly DirectoryRole[]
}

/** Signs in as the app with the certificate, as a job with `credential: certificate` will. */
export async function verifyExchangeAccess(
  settings: Settings,
  target: VerifyTarget,
  sleep?: (ms: number) => Promise<void>,
  /** What is left of this run's verification time (a later round gets less); at most verifyWaitMs. */
  maxWaitMs = verifyWaitMs(settings),
  now: () => number = Date.now
): Promise<VerifyResult> {
  const pem = `${target.certificate.privateKeyPem.trim()}\n${target.certificate.certificatePem.trim()}\n`
  return verifyWith(
    settings,
    target.roles,
    () => new ClientCertificateCredential(target.tenantId, target.appId, { certificate: pem }, credentialOptions(settings.cloud)),
    sleep,
    maxWaitMs,
    now
  )
}

/**
 * Signs in as the app the way a job with `credential: federated` will: a GitHub OIDC token,
 * exchanged through the app's federated credential. `assertion` gives a fresh token each
 * time it is called (GitHub's live about five minutes; replication waits can be longer).
 */
export async function verifyFederatedExchangeAccess(
  settings: Settings,
  target: Omit<VerifyTarget, 'certificate'> & { assertion: () => Promise<string> },
  sleep?: (ms: number) => Promise<void>,
  now: () => number = Date.now
): Promise<VerifyResult> {
  return verifyWith(
    settings,
    target.roles,
    () => new ClientAssertionCredential(target.tenantId, target.appId, target.assertion, credentialOptions(settings.cloud)),
    sleep,
    verifyWaitMs(settings),
    now
  )
}

/**
 * Gets an Exchange Online token from a new credential each attempt (msal caches tokens, and
 * a cached token keeps stale claims) until it carries everything, or the time is up. The time
 * counts the token requests as well as the waits between them (`waitedMs` is both): no wait
 * starts that would end past `maxWaitMs`, so only the last token request may end later.
 */
async function verifyWith(
  settings: Settings,
  roles: readonly DirectoryRole[],
  newCredential: () => TokenCredential,
  sleep: ((ms: number) => Promise<void>) | undefined,
  maxWaitMs: number,
  now: () => number
): Promise<VerifyResult> {
  const clock = new RetryClock(
    { maxTotalWaitMs: Math.min(maxWaitMs, verifyWaitMs(settings)), baseDelayMs: 1000, maxDelayMs: 15_000 },
    sleep
  )
  const scope = defaultScope(settings.cloud.exchangeResource)
  let signedIn = false
  let missing: string[] = []
  let signInError: string | undefined
  for (;;) {
    const asked = now()
    try {
      const token = await newCredential().getToken(scope)
      signedIn = true
      signInError = undefined
      missing = missingClaims(token?.token ?? '', roles)
      if (missing.length === 0) return { signedIn, ok: true, missing, attempts: clock.attempts + 1, waitedMs: clock.totalWaitMs }
    } catch (error) {
      // A new certificate, federated credential or app is not usable for sign-in until it has replicated.
      signInError = ((error as Error).message ?? String(error)).split('\n')[0]
      missing = ['a successful sign-in']
    }
    clock.spent(now() - asked)
    if (!(await clock.waitBeforeRetry())) {
      return { signedIn, ok: false, missing, signInError, attempts: clock.attempts + 1, waitedMs: clock.totalWaitMs }
    }
  }
}

/** What the Exchange Online token lacks: the app role and each directory role's template id. */
export function missingClaims(token: string, roles: readonly DirectoryRole[]): string[] {
  const claims = decodeClaims(token)
  const missing: string[] = []
  if (!claims.roles.includes(EXCHANGE_MANAGE_AS_APP)) missing.push(`${EXCHANGE_MANAGE_AS_APP} in 'roles' (admin consent)`)
  for (const role of roles) {
    if (!claims.wids.some(id => id.toLowerCase() === role.templateId)) missing.push(`${role.displayName} (${role.templateId}) in 'wids'`)
  }
  return missing
}

function decodeClaims(token: string): { roles: string[]; wids: string[] } {
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])
  return { roles: strings(jwtClaimValue(token, 'roles')), wids: strings(jwtClaimValue(token, 'wids')) }
}

