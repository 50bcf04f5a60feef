import { describe, expect, it } from '@jest/globals'
import {
  actionKeyDisplayName,
  isActionMadeKeyCredential,
  keyCredentialMaker,
  keyCredentialHasThumbprint,
  keyCredentialsConfirmed,
  keyCredentialsWithNew,
  keyCredentialsWithout,
  mergeKeyCredentials,
  newKeyCredential,
  thumbprintOfDer,
  type KeyCredentialWrite
} from '../../src/entra/key-credentials.js'
import * as plan from '../../src/entra/plan.js'
import { ACTION_KEY_DISPLAY_NAME_PREFIX } from '../../src/entra/well-known.js'
import { certificate, credential, daysFromNow } from './plan-fixtures.js'

const foreign = certificate('foreign', daysFromNow(100))
const ours = certificate('ours', daysFromNow(300))
const fresh = certificate('fresh', daysFromNow(365))
const other = certificate('from another run', daysFromNow(365))

const foreignCredential = credential(foreign, { keyId: 'k-foreign', customKeyIdentifier: 'Zm9yZWlnbg==' })
const ourCredential = credential(ours, { keyId: 'k-ours', actionMade: true })

const SET = '1a2b3c4d'

describe('actionKeyDisplayName', () => {
  it('starts with the action prefix, names the secret set, thumbprint and expiry, and fits in 90 characters', () => {
    const name = actionKeyDisplayName(SET, ours.thumbprint.toLowerCase(), new Date('2027-11-26T08:00:00Z'))
    expect(name.startsWith(ACTION_KEY_DISPLAY_NAME_PREFIX)).toBe(true)
    expect(name).toContain(ours.thumbprint)
    expect(name).toContain('2027-11-26')
    expect(name.length).toBeLessThanOrEqual(90)
    // Pinned: pruning and revoke-previous recognise the action's certificates (and their set) by this text.
    expect(name).toBe(`exo-cba-action set ${SET} ${ours.thumbprint.toUpperCase()} expires 2027-11-26`)
    expect(isActionMadeKeyCredential({ displayName: name })).toBe(true)
    expect(keyCredentialMaker({ displayName: name })).toEqual({ kind: 'action', secretSet: SET })
  })

  it('refuses something that is not a SHA-1 thumbprint, or a set that is not 8 hex digits', () => {
    expect(() => actionKeyDisplayName(SET, 'AB'.repeat(32), new Date())).toThrow(/40 hex/)
    expect(() => actionKeyDisplayName('1A2B3C4D', ours.thumbprint, new Date())).toThrow(/secret set id/)
    expect(() => actionKeyDisplayName('1a2b3c4d5', ours.thumbprint, new Date())).toThrow(/secret set id/)
  })

  it('is re-exported from plan.ts with the collection helpers', () => {
    expect(plan.actionKeyDisplayName).toBe(actionKeyDisplayName)
    expect(plan.keyCredentialsWithNew).toBe(keyCredentialsWithNew)
    expect(plan.keyCredentialsWithout).toBe(keyCredentialsWithout)
    expect(plan.mergeKeyCredentials).toBe(mergeKeyCredentials)
  })
})

describe('isActionMadeKeyCredential', () => {
  it.each([
    [`${ACTION_KEY_DISPLAY_NAME_PREFIX} ABC expires 2027-01-01`, true],
    ['CN=portal upload', false],
    [`copy of ${ACTION_KEY_DISPLAY_NAME_PREFIX}`, false],
    [null, false],
    [undefined, false]
  ])('%j → %s', (displayName, expected) => {
    expect(isActionMadeKeyCredential({ displayName })).toBe(expected)
  })
})

describe('keyCredentialMaker', () => {
  it.each([
    [`exo-cba-action set ${SET} ${'AB'.repeat(20)} expires 2027-01-01`, { kind: 'action', secretSet: SET }],
    // Made before certificates recorded their set: any pipeline's.
    [`exo-cba-action ${'AB'.repeat(20)} expires 2027-01-01`, { kind: 'unrecorded' }],
    [`exo-cba-action set 1A2B3C4D ${'AB'.repeat(20)} expires 2027-01-01`, { kind: 'unrecorded' }],
    ['CN=portal upload', { kind: 'not-action' }],
    [`copy of exo-cba-action set ${SET}`, { kind: 'not-action' }],
    [null, { kind: 'not-action' }]
  ])('%j → %j', (displayName, expected) => {
    expect(keyCredentialMaker({ displayName })).toEqual(expected)
  })
})

describe('newKeyCredential', () => {
  it('is a marked Verify certificate with its key, leaving customKeyIdentifier to Graph', () => {
    expect(newKeyCredential(fresh, SET)).toEqual({
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: fresh.derBase64,
      displayName: actionKeyDisplayName(SET, fresh.thumbprint, fresh.notAfter)
    })
    expect(newKeyCredential(fresh, SET, 'k-chosen').keyId).toBe('k-chosen')
  })
})

describe('keyCredentialHasThumbprint', () => {
  it('matches by the SHA-1 of the key even when customKeyIdentifier says something else', () => {
    expect(thumbprintOfDer(ours.derBase64)).toBe(ours.thumbprint)
    expect(keyCredentialHasThumbprint({ key: ours.derBase64, customKeyIdentifier: 'garbage' }, ours.thumbprint.toLowerCase())).toBe(true)
    expect(keyCredentialHasThumbprint({ key: ours.derBase64 }, foreign.thumbprint)).toBe(false)
    expect(keyCredentialHasThumbprint({ customKeyIdentifier: null }, foreign.thumbprint)).toBe(false)
  })
})

describe('keyCredentialsWithNew', () => {
  it('re-sends every existing credential with its key and keyId, then the new one', () => {
    const added = newKeyCredential(fresh, SET)
    const collection = keyCredentialsWithNew([foreignCredential, ourCredential], added)
    expect(collection).toEqual([
      {
        keyId: 'k-foreign',
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        key: foreign.derBase64,
        displayName: foreignCredential.displayName,
        startDateTime: foreignCredential.startDateTime,
        endDateTime: foreignCredential.endDateTime,
        customKeyIdentifier: 'Zm9yZWlnbg=='
      },
      expect.objectContaining({ keyId: 'k-ours', key: ours.derBase64 }),
      added
    ])
  })

  it('does not add a certificate twice', () => {
    const collection = keyCredentialsWithNew([foreignCredential, ourCredential], newKeyCredential(ours, SET))
    expect(collection).toHaveLength(2)
    expect(collection.map(c => c.keyId)).toStrictEqual(['k-foreign', 'k-ours'])
  })

  it('refuses to write when a kept credential was read without its key', () => {
    const keyless = credential(foreign, { keyId: 'k-keyless', withKey: false })
    expect(() => keyCredentialsWithNew([keyless], newKeyCredential(fresh, SET))).toThrow(/k-keyless.*\$select=keyCredentials/s)
  })
})

describe('keyCredentialsWithout', () => {
  it('drops exactly the listed keyIds (any case) and re-sends the rest with their keys', () => {
    const collection = keyCredentialsWithout([foreignCredential, ourCredential], ['K-OURS', 'not-there'])
    expect(collection).toHaveLength(1)
    expect(collection[0]).toMatchObject({ keyId: 'k-foreign', key: foreign.derBase64 })
  })

  it('keeps everything when nothing is listed', () => {
    expect(keyCredentialsWithout([foreignCredential, ourCredential], []).map(c => c.keyId)).toEqual(['k-foreign', 'k-ours'])
  })
})

describe('mergeKeyCredentials (a concurrent writer replaced the collection)', () => {
  const ourWrite: KeyCredentialWrite[] = keyCredentialsWithNew([foreignCredential, ourCredential], newKeyCredential(fresh, SET))

  it('keeps what the other writer added and puts back what it dropped', () => {
    // The other run read the same collection, added its own certificate and dropped ours.
    const current = [foreignCredential, credential(other, { keyId: 'k-other', actionMade: true })]
    const merged = mergeKeyCredentials(ourWrite, current)
    expect(merged.map(c => thumbprintOfDer(c.key))).toEqual([foreign.thumbprint, other.thumbprint, ours.thumbprint, fresh.thumbprint])
    expect(keyCredentialsConfirmed(ourWrite, current)).toBe(false)
    expect(keyCredentialsConfirmed(ourWrite, merged.map(c => ({ ...c, keyId: c.keyId ?? 'k-assigned', endDateTime: '' })))).toBe(true)
  })

  it('recognises our new credential under the keyId Graph gave it', () => {
    const current = [foreignCredential, ourCredential, credential(fresh, { keyId: 'k-assigned-by-graph', actionMade: true })]
    expect(mergeKeyCredentials(ourWrite, current).map(c => c.keyId)).toEqual(['k-foreign', 'k-ours', 'k-assigned-by-graph'])
    expect(keyCredentialsConfirmed(ourWrite, current)).toBe(true)
  })

  it('drops only what is in the remove set, from either side', () => {
    const pruneWrite = keyCredentialsWithout([foreignCredential, ourCredential], ['k-ours'])
    // The other writer re-sent a stale collection that still has k-ours.
    const current = [foreignCredential, ourCredential, credential(other, { keyId: 'k-other', actionMade: true })]
    expect(keyCredentialsConfirmed(pruneWrite, current, ['k-ours'])).toBe(false)
    expect(mergeKeyCredentials(pruneWrite, current, ['k-ours']).map(c => c.keyId)).toEqual(['k-foreign', 'k-other'])
    // Even an intended collection that still lists it (read before the prune was decided).
    const stale = keyCredentialsWithout([foreignCredential, ourCredential], [])
    const withoutOurs = [foreignCredential, credential(other, { keyId: 'k-other', actionMade: true })]
    expect(mergeKeyCredentials(stale, withoutOurs, ['k-ours'])).toHaveLength(2)
    expect(mergeKeyCredentials(stale, withoutOurs, ['k-ours']).map(c => c.keyId)).toStrictEqual(['k-foreign', 'k-other'])
    expect(keyCredentialsConfirmed(pruneWrite, [foreignCredential], ['k-ours'])).toBe(true)
  })
})
