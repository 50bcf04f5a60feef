import { describe, expect, it } from '@jest/globals'
import { secretChanges, storedSetIncomplete } from '../../src/github/stored-secrets.js'

const at = (seconds: number): Date => new Date(Date.UTC(2026, 10, 26, 4, 0, seconds))
const certificate = { thumbprint: 'A'.repeat(40), pfxBase64: 'UEZY', pfxPassword: 'pw' }
const values = { appId: 'app', tenantId: 'tenant', organization: 'contoso.onmicrosoft.com', certificate }

/** Stored dates of the six, the thumbprint written at `thumbprintAt`, the others at `othersAt`. */
function stored(othersAt: number, thumbprintAt: number | undefined, missing: string[] = []): Record<string, Date | undefined> {
  const dates: Record<string, Date | undefined> = {}
  for (const name of ['APP_ID', 'TENANT_ID', 'ORGANIZATION', 'CERT_PFX_BASE64', 'CERT_PASSWORD']) {
    dates[`EXO_${name}`] = missing.includes(name) ? undefined : at(othersAt)
  }
  dates.EXO_CERT_THUMBPRINT = thumbprintAt === undefined ? undefined : at(thumbprintAt)
  return dates
}

describe('storedSetIncomplete', () => {
  it('is false for a set one run finished (thumbprint written last, in a later second)', () => {
    expect(storedSetIncomplete('EXO_', stored(10, 11))).toBe(false)
  })

  it('is true when the PFX or its password was written in the same second as the thumbprint: a run cut off right after the PFX, in the second the set before it was finished', () => {
    // GitHub's dates are whole seconds: the previous run finished its set at 10.2 s, this
    // run wrote its new PFX at 10.9 s and died before the thumbprint.
    expect(storedSetIncomplete('EXO_', stored(10, 10))).toBe(true)
    expect(storedSetIncomplete('EXO_', { ...stored(9, 10), EXO_CERT_PFX_BASE64: at(10) })).toBe(true)
  })

  it('is true when a secret is missing', () => {
    expect(storedSetIncomplete('EXO_', stored(10, 11, ['TENANT_ID']))).toBe(true)
    expect(storedSetIncomplete('EXO_', stored(10, undefined))).toBe(true)
  })

  it('is true when the PFX or its password was written after the thumbprint (a run cut off before its last write)', () => {
    expect(storedSetIncomplete('EXO_', stored(50, 11))).toBe(true)
    const pfxOnly = { ...stored(10, 11), EXO_CERT_PFX_BASE64: at(50) }
    expect(storedSetIncomplete('EXO_', pfxOnly)).toBe(true)
  })

  it('is false when only an identity secret was rewritten later (organization, app id, tenant)', () => {
    expect(storedSetIncomplete('EXO_', { ...stored(10, 11), EXO_ORGANIZATION: at(50) })).toBe(false)
  })
})

describe('secretChanges', () => {
  const given = { ...values }

  it('writes nothing when the inputs match and the stored set is complete', () => {
    const changes = secretChanges('EXO_', values, given, stored(10, 11))
    expect(changes.changed).toEqual({})
    expect(changes.unchanged).toHaveLength(6)
  })

  it('writes all six when the stored set is incomplete, even though the inputs match', () => {
    const changes = secretChanges('EXO_', values, given, stored(50, 11))
    expect(Object.keys(changes.changed).sort()).toEqual(
      ['EXO_APP_ID', 'EXO_CERT_PASSWORD', 'EXO_CERT_PFX_BASE64', 'EXO_CERT_THUMBPRINT', 'EXO_ORGANIZATION', 'EXO_TENANT_ID'].sort()
    )
  })

  it('writes all six for a new certificate', () => {
    const changes = secretChanges('EXO_', { ...values, certificate: { ...certificate, thumbprint: 'B'.repeat(40) } }, given, stored(10, 11))
    expect(Object.keys(changes.changed)).toHaveLength(6)
  })

  it('writes only what differs from its input otherwise', () => {
    const changes = secretChanges('EXO_', values, { ...given, organization: undefined }, stored(10, 11))
    expect(changes.changed).toEqual({ EXO_ORGANIZATION: 'contoso.onmicrosoft.com' })
  })
})
