/**
 * The app's keyCredentials collection as this action writes it. A keyCredentials PATCH
 * REPLACES the whole collection (FACTS.md), so every write is "all we keep, each with its
 * `key`, plus or minus ours" — these pure helpers compute that list, and the merge for a
 * concurrent writer that replaced the collection between our read and our write.
 */
import { createHash } from 'node:crypto'
import { SECRET_SET_ID_PATTERN } from '../github/secret-set.js'
import { ACTION_KEY_DISPLAY_NAME_PREFIX } from './well-known.js'
import type { KeyCredential } from './tenant-state.js'

/** One keyCredential in a `PATCH /applications/{id}` body. */
export interface KeyCredentialWrite {
  /** Sent for kept credentials so they keep their identity; optional for a new one (Graph assigns it). */
  keyId?: string
  type: string
  usage: string
  /** base64 DER certificate. Always present: a credential sent without it is lost or rejected. */
  key: string
  displayName?: string
  startDateTime?: string
  endDateTime?: string
  customKeyIdentifier?: string
}

/** What the action needs to know of a certificate to put it on the app. */
export interface CertificateForApp {
  derBase64: string
  /** SHA-1, hex. */
  thumbprint: string
  notAfter: Date
}

/** Graph's limit on a keyCredential's displayName. */
export const KEY_DISPLAY_NAME_MAX_LENGTH = 90

/**
 * The displayName that marks a key credential as made by this action for one secret set
 * (github/secret-set.ts), e.g. `exo-cba-action set 1a2b3c4d 0123…CDEF expires 2027-11-26`
 * (87 characters; Graph allows 90). The set lets `revoke-previous` remove only the
 * certificates of the run's own set; customKeyIdentifier is left to Graph (its documented
 * format is inconsistent).
 */
export function actionKeyDisplayName(secretSet: string, thumbprint: string, notAfter: Date): string {
  if (!/^[0-9a-f]{40}$/i.test(thumbprint)) {
    throw new Error(`Expected a SHA-1 thumbprint (40 hex digits), got ${JSON.stringify(thumbprint)}.`)
  }
  if (!SECRET_SET_ID_PATTERN.test(secretSet)) {
    throw new Error(`Expected a secret set id (8 lower-case hex digits), got ${JSON.stringify(secretSet)}.`)
  }
  const name = `${ACTION_KEY_DISPLAY_NAME_PREFIX} set ${secretSet} ${thumbprint.toUpperCase()} expires ${notAfter.toISOString().slice(0, 10)}`
  // Unreachable with these fixed-length parts; kept so a longer prefix fails loudly, not at Graph.
  if (name.length > KEY_DISPLAY_NAME_MAX_LENGTH) {
    throw new Error(`Key credential displayName is ${name.length} characters; Graph allows ${KEY_DISPLAY_NAME_MAX_LENGTH}.`)
  }
  return name
}

/** True when this action made the credential (its displayName carries our prefix), in any version. */
export function isActionMadeKeyCredential(credential: Pick<KeyCredential, 'displayName'>): boolean {
  return (credential.displayName ?? '').startsWith(ACTION_KEY_DISPLAY_NAME_PREFIX)
}

/**
 * Whose a key credential is, by its displayName: made by this action for a secret set;
 * made by this action before certificates recorded their set (`unrecorded`: it may be any
 * pipeline's); or not made by this action.
 */
export type KeyCredentialMaker = { kind: 'action'; secretSet: string } | { kind: 'unrecorded' } | { kind: 'not-action' }

const SET_DISPLAY_NAME = new RegExp(`^${ACTION_KEY_DISPLAY_NAME_PREFIX} set ([0-9a-f]{8}) `)

export function keyCredentialMaker(credential: Pick<KeyCredential, 'displayName'>): KeyCredentialMaker {
  const displayName = credential.displayName ?? ''
  if (!isActionMadeKeyCredential(credential)) return { kind: 'not-action' }
  const set = SET_DISPLAY_NAME.exec(displayName)
  return set === null ? { kind: 'unrecorded' } : { kind: 'action', secretSet: set[1] }
}

/** SHA-1 of a base64 DER certificate, upper-case hex (the Windows/Entra thumbprint). */
export function thumbprintOfDer(derBase64: string): string {
  return createHash('sha1').update(Buffer.from(derBase64, 'base64')).digest('hex').toUpperCase()
}

/**
 * Every thumbprint (upper-case hex) a credential could stand for. The SHA-1 of `key` is
 * exact; `customKeyIdentifier` is read as hex, as base64 of the 20-byte hash, and as
 * base64 of the hex text, because Graph's format for it is inconsistent.
 */
export function keyCredentialThumbprints(credential: Pick<KeyCredential, 'key' | 'customKeyIdentifier'>): string[] {
  const found = new Set<string>()
  if (credential.key) found.add(thumbprintOfDer(credential.key))
  const custom = credential.customKeyIdentifier?.trim()
  if (custom) {
    if (/^[0-9a-f]{40}$/i.test(custom)) found.add(custom.toUpperCase())
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(custom)) {
      const bytes = Buffer.from(custom, 'base64')
      if (bytes.length === 20) found.add(bytes.toString('hex').toUpperCase())
      const text = bytes.toString('latin1')
      if (/^[0-9a-f]{40}$/i.test(text)) found.add(text.toUpperCase())
    }
  }
  return [...found]
}

/** True when the credential is the certificate with this SHA-1 thumbprint. */
export function keyCredentialHasThumbprint(
  credential: Pick<KeyCredential, 'key' | 'customKeyIdentifier'>,
  thumbprint: string
): boolean {
  return keyCredentialThumbprints(credential).includes(thumbprint.toUpperCase())
}

/**
 * The new credential for a certificate this action made for `secretSet`, marked so it can be
 * pruned once expired and revoked only by a run of the same set.
 */
export function newKeyCredential(certificate: CertificateForApp, secretSet: string, keyId?: string): KeyCredentialWrite {
  return {
    ...(keyId === undefined ? {} : { keyId }),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    key: certificate.derBase64,
    displayName: actionKeyDisplayName(secretSet, certificate.thumbprint, certificate.notAfter)
    // customKeyIdentifier and the dates are left out: Graph derives them from the certificate.
  }
}

/** The existing collection plus `added` (not added twice when it is already there). */
export function keyCredentialsWithNew(existing: KeyCredential[], added: KeyCredentialWrite): KeyCredentialWrite[] {
  const kept = existing.map(toWrite)
  return isIn(added, kept) ? kept : [...kept, added]
}

/** The existing collection without the credentials whose keyId is listed. */
export function keyCredentialsWithout(existing: KeyCredential[], keyIds: readonly string[]): KeyCredentialWrite[] {
  return existing.filter(credential => !listed(credential.keyId, keyIds)).map(toWrite)
}

/**
 * After a concurrent writer replaced the collection between our read and our write:
 * everything now on the app, plus everything we meant to write that is missing, minus
 * only the keyIds we meant to remove. Nothing present on either side is otherwise dropped.
 */
export function mergeKeyCredentials(
  intended: KeyCredentialWrite[],
  current: KeyCredential[],
  removeKeyIds: readonly string[] = []
): KeyCredentialWrite[] {
  const merged = current.filter(credential => !listed(credential.keyId, removeKeyIds)).map(toWrite)
  for (const credential of intended) {
    if (credential.keyId !== undefined && listed(credential.keyId, removeKeyIds)) continue
    if (!isIn(credential, current)) merged.push(credential)
  }
  return merged
}

/**
 * True when a re-read collection shows our write took effect: every intended credential
 * is there and none of the removed keyIds is. False → merge and write again.
 */
export function keyCredentialsConfirmed(
  intended: KeyCredentialWrite[],
  current: KeyCredential[],
  removedKeyIds: readonly string[] = []
): boolean {
  if (current.some(credential => listed(credential.keyId, removedKeyIds))) return false
  return intended
    .filter(credential => credential.keyId === undefined || !listed(credential.keyId, removedKeyIds))
    .every(credential => isIn(credential, current))
}

function toWrite(credential: KeyCredential): KeyCredentialWrite {
  if (!credential.key) {
    throw new Error(
      `Key credential ${credential.keyId} was read without its certificate (key). ` +
        'Read the application with $select=keyCredentials: the collection is replaced on write, ' +
        'so a credential sent without its key would be lost.'
    )
  }
  const write: KeyCredentialWrite = {
    keyId: credential.keyId,
    type: credential.type,
    usage: credential.usage,
    key: credential.key
  }
  // Re-sent exactly as read: these credentials may not be ours to change.
  if (credential.displayName != null) write.displayName = credential.displayName
  if (credential.startDateTime != null) write.startDateTime = credential.startDateTime
  if (credential.endDateTime != null) write.endDateTime = credential.endDateTime
  if (credential.customKeyIdentifier != null) write.customKeyIdentifier = credential.customKeyIdentifier
  return write
}

/** Same keyId, or the same certificate under another keyId (Graph assigns one to a new credential). */
function isIn(credential: KeyCredentialWrite, collection: Array<KeyCredential | KeyCredentialWrite>): boolean {
  const thumbprint = thumbprintOfDer(credential.key)
  return collection.some(
    other =>
      (credential.keyId !== undefined && other.keyId !== undefined && sameId(credential.keyId, other.keyId)) ||
      keyCredentialThumbprints(other).includes(thumbprint)
  )
}

function listed(keyId: string, keyIds: readonly string[]): boolean {
  return keyIds.some(id => sameId(id, keyId))
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
