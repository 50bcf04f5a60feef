import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { daysUntil, fingerprints } from '../../src/certificate/index.js'

describe('fingerprints', () => {
  const der = Buffer.from('not really a certificate, but any bytes hash the same way')
  const sha1 = createHash('sha1').update(der).digest()
  const sha256 = createHash('sha256').update(der).digest()
  const f = fingerprints(der)

  it('gives upper-case hex thumbprints', () => {
    expect(f.thumbprint).toBe(sha1.toString('hex').toUpperCase())
    expect(f.thumbprint).toMatch(/^[0-9A-F]{40}$/)
    expect(f.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/)
    expect(f.thumbprintSha256).toBe(sha256.toString('hex').toUpperCase())
  })

  it('gives x5t and x5t#S256 as unpadded base64url of the same digests', () => {
    expect(f.x5t).toHaveLength(27)
    expect(f.x5tS256).toHaveLength(43)
    expect(f.x5t).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(Buffer.from(f.x5t, 'base64url').equals(sha1)).toBe(true)
    expect(Buffer.from(f.x5tS256, 'base64url').equals(sha256)).toBe(true)
  })

  it('gives the DER as base64', () => {
    expect(Buffer.from(f.derBase64, 'base64').equals(der)).toBe(true)
  })
})

describe('daysUntil', () => {
  const now = new Date('2030-01-01T12:00:00Z')

  it('counts whole days, rounding down', () => {
    expect(daysUntil(new Date('2030-01-31T12:00:00Z'), now)).toBe(30)
    expect(daysUntil(new Date('2030-01-31T11:59:59Z'), now)).toBe(29)
    expect(daysUntil(new Date('2030-01-01T18:00:00Z'), now)).toBe(0)
  })

  it('is negative once the date has passed', () => {
    expect(daysUntil(new Date('2030-01-01T11:00:00Z'), now)).toBe(-1)
    expect(daysUntil(new Date('2029-12-20T12:00:00Z'), now)).toBe(-12)
  })
})
