import { afterAll, describe, expect, it } from '@jest/globals'
import { newPfxPassword, readPfx, toPfx } from '../../src/certificate/index.js'
import { OpenSsl } from './openssl.js'

const openssl = new OpenSsl()
afterAll(() => openssl.cleanup())

describe('newPfxPassword', () => {
  it('is at least 32 URL-safe characters', () => {
    for (let i = 0; i < 50; i++) {
      const password = newPfxPassword()
      expect(password.length).toBeGreaterThanOrEqual(32)
      expect(password).toMatch(/^[A-Za-z0-9_-]+$/)
    }
  })

  it('is different on every call', () => {
    const passwords = new Set(Array.from({ length: 200 }, () => newPfxPassword()))
    expect(passwords.size).toBe(200)
  })
})

describe('toPfx', () => {
  const held = openssl.selfSigned('to-pfx', '/CN=Packed')
  const certificatePem = openssl.read(held.cert).toString()
  const privateKeyPem = openssl.read(held.key).toString()

  it.each(['aes256', '3des'] as const)('packs an existing certificate and key (%s) that OpenSSL and readPfx open', (encryption) => {
    const password = 'ünïcode password ✓'
    const pfx = toPfx(certificatePem, privateKeyPem, { password, encryption, friendlyName: 'Packed ✓' })
    openssl.file(`packed-${encryption}.pfx`, pfx)
    openssl.file(`packed-${encryption}.pw`, password)
    const info = openssl.pkcs12Info(`packed-${encryption}.pfx`, `packed-${encryption}.pw`)
    expect(info.match(/friendlyName: Packed/g)).toHaveLength(2)
    // OpenSSL 3.0 prints only the low byte of each BMPString character, so check the key
    // bag's (unencrypted) attribute bytes for the UTF-16BE name instead.
    expect(pfx.includes(Buffer.from('Packed ✓', 'utf16le').swap16())).toBe(true)
    expect(readPfx(pfx.toString('base64'), password).thumbprint).toBe(openssl.thumbprint(held.cert))
  })

  it('does not open with a password that differs only in case', () => {
    const pfx = toPfx(certificatePem, privateKeyPem, { password: 'Secret', encryption: 'aes256', friendlyName: 'x' })
    openssl.file('case.pfx', pfx)
    openssl.file('case.pw', 'secret')
    expect(openssl.succeeds('pkcs12', '-in', 'case.pfx', '-passin', 'file:case.pw', '-nodes')).toBe(false)
  })
})
