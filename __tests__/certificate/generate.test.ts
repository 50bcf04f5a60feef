import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { X509Certificate } from 'node:crypto'
import { createSecureContext } from 'node:tls'
import { generateCertificate, readPfx, type HeldCertificate, type PfxEncryption } from '../../src/certificate/index.js'
import { OpenSsl } from './openssl.js'

const openssl = new OpenSsl()
afterAll(() => openssl.cleanup())

function generate(encryption: PfxEncryption, keySize: 2048 | 3072 | 4096 = 2048): HeldCertificate {
  return generateCertificate({
    subject: 'CN=EXO Background Process, O=Contoso, OU=Messaging, C=us',
    keySize,
    validityDays: 365,
    encryption,
    friendlyName: 'EXO Background Process'
  })
}

/** Opens the PFX with openssl and returns the certificate file it extracted. */
function extractCertificate(name: string, held: HeldCertificate): string {
  const { pfx, pw } = openssl.savePfx(name, held.pfxBase64, held.pfxPassword)
  openssl.run('pkcs12', '-in', pfx, '-passin', `file:${pw}`, '-nokeys', '-out', `${name}.crt`)
  return `${name}.crt`
}

describe.each(['aes256', '3des'] as const)('a generated certificate in a %s PFX', (encryption) => {
  let held: HeldCertificate
  let certFile: string
  let text: string

  beforeAll(() => {
    held = generate(encryption)
    certFile = extractCertificate(`gen-${encryption}`, held)
    text = openssl.run('x509', '-in', certFile, '-noout', '-text')
  })

  it('opens with its password in OpenSSL 3 without -legacy, key included', () => {
    openssl.run('pkcs12', '-in', `gen-${encryption}.pfx`, '-passin', `file:gen-${encryption}.pw`, '-nocerts', '-nodes', '-out', `gen-${encryption}.key`)
    expect(openssl.run('rsa', '-in', `gen-${encryption}.key`, '-check', '-noout')).toContain('RSA key ok')
  })

  it('is refused by OpenSSL with another password', () => {
    openssl.file('wrong.pw', 'not-the-password')
    expect(openssl.succeeds('pkcs12', '-in', `gen-${encryption}.pfx`, '-passin', 'file:wrong.pw', '-nodes')).toBe(false)
  })

  it('has the thumbprint OpenSSL computes', () => {
    expect(held.thumbprint).toBe(openssl.thumbprint(certFile))
    expect(held.thumbprint).toMatch(/^[0-9A-F]{40}$/)
  })

  it('holds an RSA key of the requested size that belongs to the certificate', () => {
    expect(text).toContain('Public-Key: (2048 bit)')
    expect(held.keySize).toBe(2048)
    openssl.file(`held-${encryption}.key`, held.privateKeyPem)
    openssl.run('pkcs12', '-in', `gen-${encryption}.pfx`, '-passin', `file:gen-${encryption}.pw`, '-nocerts', '-nodes', '-out', `pfx-${encryption}.key`)
    const modulus = (what: string, file: string) => openssl.run(what, '-in', file, '-noout', '-modulus')
    // The key OpenSSL found in the PFX, the key we hold and the certificate agree.
    expect(modulus('rsa', `held-${encryption}.key`)).toBe(modulus('x509', certFile))
    expect(modulus('rsa', `pfx-${encryption}.key`)).toBe(modulus('x509', certFile))
  })

  it('has the subject asked for, as issuer too (self-signed), with a valid SHA-256 signature', () => {
    expect(openssl.run('x509', '-in', certFile, '-noout', '-subject')).toContain(
      'subject=CN = EXO Background Process, O = Contoso, OU = Messaging, C = US'
    )
    expect(openssl.run('x509', '-in', certFile, '-noout', '-issuer')).toContain(
      'issuer=CN = EXO Background Process, O = Contoso, OU = Messaging, C = US'
    )
    expect(held.subject).toBe('CN=EXO Background Process, O=Contoso, OU=Messaging, C=US')
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption')
    const x509 = new X509Certificate(held.certificatePem)
    expect(x509.verify(x509.publicKey)).toBe(true)
  })

  it('has a positive 16-byte serial number', () => {
    const serial = openssl.run('x509', '-in', certFile, '-noout', '-serial').trim().split('=')[1]
    expect(serial).toMatch(/^[0-7][0-9A-F]{31}$/)
    expect(BigInt(`0x${serial}`)).toBeGreaterThan(0n)
    expect(text).not.toContain('Negative')
  })

  it('is an end-entity client-authentication certificate with the extensions Windows expects', () => {
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/)
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/)
    expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s+TLS Web Client Authentication\n/)
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s*\n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/)
  })

  it('names the Windows key provider and pairs key and certificate by friendlyName and localKeyId', () => {
    const info = openssl.pkcs12Info(`gen-${encryption}.pfx`, `gen-${encryption}.pw`)
    const localKeyIds = [...info.matchAll(/localKeyID: ([0-9A-F ]+)/g)].map((m) => m[1].trim())
    expect(localKeyIds).toHaveLength(2)
    expect(localKeyIds[0]).toBe(localKeyIds[1])
    expect(localKeyIds[0].replace(/ /g, '')).toBe(held.thumbprint)
    expect(info.match(/friendlyName: EXO Background Process\n/g)).toHaveLength(2)
    // OpenSSL prints OID 1.3.6.1.4.1.311.17.1 as "Microsoft CSP Name".
    expect(info).toContain('Microsoft CSP Name: Microsoft Enhanced RSA and AES Cryptographic Provider')
  })

  it('is loaded by Node TLS', () => {
    const pfx = Buffer.from(held.pfxBase64, 'base64')
    expect(() => createSecureContext({ pfx, passphrase: held.pfxPassword })).not.toThrow()
    expect(() => createSecureContext({ pfx, passphrase: 'wrong' })).toThrow()
  })

  it('reads back to the same certificate and key', () => {
    const again = readPfx(held.pfxBase64, held.pfxPassword)
    expect(again).toEqual(held)
  })
})

describe('PFX encryption profiles', () => {
  const info = (encryption: PfxEncryption): string => {
    const held = generate(encryption)
    const { pfx, pw } = openssl.savePfx(`profile-${encryption}`, held.pfxBase64, held.pfxPassword)
    return openssl.pkcs12Info(pfx, pw)
  }

  it('aes256 uses PBES2 with PBKDF2 (HMAC-SHA256, ≥ 10000 rounds), AES-256-CBC and a SHA-256 MAC', () => {
    const out = info('aes256')
    expect(out).toMatch(/MAC: sha256, Iteration (\d+)/)
    expect(Number(/MAC: sha256, Iteration (\d+)/.exec(out)?.[1])).toBeGreaterThanOrEqual(10000)
    expect(out).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/)
    expect(out).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/)
    expect(out).not.toContain('TripleDES')
  })

  it('3des uses pbeWithSHA1And3-KeyTripleDES-CBC for certificate and key, and a SHA-1 MAC', () => {
    const out = info('3des')
    expect(out).toMatch(/MAC: sha1, Iteration \d+/)
    expect(out).toContain('PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC')
    expect(out).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC')
    expect(out).not.toContain('PBES2')
  })
})

describe('key sizes', () => {
  it.each([3072, 4096] as const)('makes a %i-bit key that OpenSSL reads as such', (keySize) => {
    const held = generate('aes256', keySize)
    expect(held.keySize).toBe(keySize)
    const certFile = extractCertificate(`size-${keySize}`, held)
    expect(openssl.run('x509', '-in', certFile, '-noout', '-text')).toContain(`Public-Key: (${keySize} bit)`)
  })
})

describe('validity', () => {
  it('starts 5 minutes before now (clock skew) and lasts the requested days', () => {
    const now = new Date('2031-03-10T12:00:00.000Z')
    const held = generateCertificate({
      subject: 'CN=Clock',
      keySize: 2048,
      validityDays: 90,
      encryption: 'aes256',
      friendlyName: 'Clock',
      now
    })
    expect(held.notBefore.toISOString()).toBe('2031-03-10T11:55:00.000Z')
    expect(held.notAfter.toISOString()).toBe('2031-06-08T12:00:00.000Z')
    const certFile = extractCertificate('clock', held)
    expect(openssl.run('x509', '-in', certFile, '-noout', '-startdate', '-enddate')).toBe(
      'notBefore=Mar 10 11:55:00 2031 GMT\nnotAfter=Jun  8 12:00:00 2031 GMT\n'
    )
  })

  it.each([0, -1, 1.5])('refuses a validity of %p days', (validityDays) => {
    expect(() =>
      generateCertificate({ subject: 'CN=x', keySize: 2048, validityDays, encryption: 'aes256', friendlyName: 'x' })
    ).toThrow(/whole number of days/)
  })
})

describe('every generation is new', () => {
  it('uses a new key, serial number and password each time', () => {
    const a = generate('aes256')
    const b = generate('aes256')
    expect(a.thumbprint).not.toBe(b.thumbprint)
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem)
    expect(new X509Certificate(a.certificatePem).serialNumber).not.toBe(new X509Certificate(b.certificatePem).serialNumber)
    expect(a.pfxPassword).not.toBe(b.pfxPassword)
  })
})
