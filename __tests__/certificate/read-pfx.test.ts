import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import forge from 'node-forge'
import { PfxError, readPfx, type PfxProblem } from '../../src/certificate/index.js'
import { OpenSsl } from './openssl.js'

const openssl = new OpenSsl()
afterAll(() => openssl.cleanup())

// Non-ASCII on purpose: PBES2 hashes UTF-8 bytes, the PKCS#12 KDF a BMPString.
const PASSWORD = 'Pässwörd-1 with spaces'
let cert: { cert: string; key: string }
let expectedThumbprint: string

beforeAll(() => {
  openssl.file('password', PASSWORD)
  cert = openssl.selfSigned('held', '/CN=From OpenSSL/O=Contoso')
  expectedThumbprint = openssl.thumbprint(cert.cert)
})

/** `openssl pkcs12 -export` with extra options; returns the PFX as base64. */
function exportPfx(name: string, ...options: string[]): string {
  openssl.run('pkcs12', '-export', '-out', name, '-passout', 'file:password', ...options)
  return openssl.read(name).toString('base64')
}

function problemOf(read: () => unknown): PfxProblem {
  try {
    read()
  } catch (error) {
    if (error instanceof PfxError) return error.problem
    throw error
  }
  throw new Error('expected a PfxError, but the PFX was read')
}

describe('reading PFX files made by OpenSSL', () => {
  it.each([
    ['OpenSSL 3 defaults (PBES2/AES-256-CBC, SHA-256 MAC)', [] as string[]],
    ['-legacy (RC2-40 certificates, 3DES key, SHA-1 MAC)', ['-legacy']],
    ['3DES everywhere with a SHA-1 MAC', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
    ['no MAC', ['-nomac']],
    ['an unencrypted key bag', ['-keypbe', 'NONE']]
  ])('reads %s', (_name, options) => {
    const name = `export-${options.join('').replace(/[^a-z0-9]/gi, '') || 'default'}.pfx`
    const pfxBase64 = exportPfx(name, '-in', cert.cert, '-inkey', cert.key, ...options)
    const held = readPfx(pfxBase64, PASSWORD)
    expect(held.thumbprint).toBe(expectedThumbprint)
    expect(held.subject).toBe('CN=From OpenSSL, O=Contoso')
    expect(held.keySize).toBe(2048)
    expect(held.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----')
    expect(held.derBase64).toBe(derOf(cert.cert))
    expect(held.pfxBase64).toBe(pfxBase64)
    expect(held.pfxPassword).toBe(PASSWORD)
  })

  it('reads BER with indefinite lengths and chunked octet strings, as Windows and Java write them', () => {
    const der = Buffer.from(exportPfx('ber.pfx', '-in', cert.cert, '-inkey', cert.key), 'base64')
    const ber = toIndefiniteBer(forge.asn1.fromDer(der.toString('binary')))
    expect(ber.includes(Buffer.from([0x24, 0x80]))).toBe(true) // a chunked OCTET STRING
    expect(readPfx(ber.toString('base64'), PASSWORD).thumbprint).toBe(expectedThumbprint)
  })

  it('accepts base64 wrapped over several lines', () => {
    const pfxBase64 = exportPfx('wrapped.pfx', '-in', cert.cert, '-inkey', cert.key)
    const wrapped = pfxBase64.replace(/.{64}/g, '$&\n')
    expect(readPfx(wrapped, PASSWORD).thumbprint).toBe(expectedThumbprint)
  })

  it('picks the certificate that matches the key, wherever it is in the file', () => {
    const other = openssl.selfSigned('other', '/CN=Some CA')
    const pem = (file: string) => openssl.read(file).toString()
    // forge writes certificates in the order given, so the key's certificate comes second.
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(pem(cert.key)),
      [forge.pki.certificateFromPem(pem(other.cert)), forge.pki.certificateFromPem(pem(cert.cert))],
      PASSWORD,
      { algorithm: '3des' }
    )
    const pfxBase64 = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64')
    expect(readPfx(pfxBase64, PASSWORD).thumbprint).toBe(expectedThumbprint)
  })
})

/**
 * Re-encodes the PFX's outer layers as BER: every constructed node with an indefinite
 * length, and every OCTET STRING as a constructed string of 100-byte chunks.
 */
function toIndefiniteBer(node: forge.asn1.Asn1): Buffer {
  const { Class, Type } = forge.asn1
  const indefinite = (tagByte: number, parts: Buffer[]) =>
    Buffer.concat([Buffer.from([tagByte | 0x20, 0x80]), ...parts, Buffer.from([0, 0])])
  if (node.constructed) {
    return indefinite(node.tagClass | node.type, (node.value as forge.asn1.Asn1[]).map(toIndefiniteBer))
  }
  if (node.tagClass === Class.UNIVERSAL && node.type === Type.OCTETSTRING) {
    const bytes = Buffer.from(node.value as string, 'binary')
    const chunks: Buffer[] = []
    for (let i = 0; i < bytes.length; i += 100) {
      const chunk = forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes.subarray(i, i + 100).toString('binary'))
      chunks.push(Buffer.from(forge.asn1.toDer(chunk).getBytes(), 'binary'))
    }
    return indefinite(Type.OCTETSTRING, chunks)
  }
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary')
}

function derOf(certFile: string): string {
  openssl.run('x509', '-in', certFile, '-outform', 'DER', '-out', `${certFile}.der`)
  return openssl.read(`${certFile}.der`).toString('base64')
}

describe('PFX problems', () => {
  it('not-base64: text that is not base64', () => {
    expect(problemOf(() => readPfx('this is not base64!', PASSWORD))).toBe('not-base64')
    expect(problemOf(() => readPfx('', PASSWORD))).toBe('not-base64')
    expect(problemOf(() => readPfx('abc', PASSWORD))).toBe('not-base64')
  })

  it('not-base64: a PEM pasted instead of the PFX, with a hint', () => {
    const pem = openssl.read(cert.cert).toString()
    expect(problemOf(() => readPfx(pem, PASSWORD))).toBe('not-base64')
    expect(() => readPfx(pem, PASSWORD)).toThrow(/looks like PEM/)
  })

  it('not-pkcs12: random bytes', () => {
    expect(problemOf(() => readPfx(randomBytes(512).toString('base64'), PASSWORD))).toBe('not-pkcs12')
  })

  it('not-pkcs12: a DER certificate', () => {
    expect(problemOf(() => readPfx(derOf(cert.cert), PASSWORD))).toBe('not-pkcs12')
  })

  it('not-pkcs12: an iteration count so high that reading would hang, named in the message', () => {
    const pfxBase64 = exportPfx('slow.pfx', '-in', cert.cert, '-inkey', cert.key, '-iter', '1000001')
    expect(problemOf(() => readPfx(pfxBase64, PASSWORD))).toBe('not-pkcs12')
    expect(() => readPfx(pfxBase64, PASSWORD)).toThrow(/iteration count of 1000001/)
  })

  it('wrong-password: the MAC does not verify', () => {
    const pfxBase64 = exportPfx('wrong.pfx', '-in', cert.cert, '-inkey', cert.key)
    expect(problemOf(() => readPfx(pfxBase64, 'Passwörd-1 with spaces'))).toBe('wrong-password')
    expect(() => readPfx(pfxBase64, 'Passwörd-1 with spaces')).toThrow(/integrity check \(MAC\) failed/)
  })

  it('wrong-password: a PFX without a MAC does not decrypt', () => {
    const pfxBase64 = exportPfx('nomac-wrong.pfx', '-in', cert.cert, '-inkey', cert.key, '-nomac')
    expect(problemOf(() => readPfx(pfxBase64, 'not the password'))).toBe('wrong-password')
  })

  it('no-certificate: a PFX with only a key', () => {
    const pfxBase64 = exportPfx('key-only.pfx', '-nocerts', '-inkey', cert.key)
    expect(problemOf(() => readPfx(pfxBase64, PASSWORD))).toBe('no-certificate')
  })

  it('no-private-key: a certificate-only PFX (-nokeys)', () => {
    const pfxBase64 = exportPfx('cert-only.pfx', '-nokeys', '-in', cert.cert)
    expect(problemOf(() => readPfx(pfxBase64, PASSWORD))).toBe('no-private-key')
  })

  it("key-mismatch: a PFX whose key belongs to another certificate", () => {
    const stranger = openssl.selfSigned('stranger', '/CN=Stranger')
    // OpenSSL refuses to export a mismatched pair, so node-forge (which does not check) builds it.
    const pem = (file: string) => openssl.read(file).toString()
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(pem(stranger.key)),
      [forge.pki.certificateFromPem(pem(cert.cert))],
      // ASCII: forge's PBES2 hashes a password's UTF-16 code units as single bytes, not UTF-8.
      'ascii-password',
      { algorithm: 'aes256' }
    )
    const pfxBase64 = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64')
    expect(problemOf(() => readPfx(pfxBase64, 'ascii-password'))).toBe('key-mismatch')
  })

  it('not-rsa: an EC key', () => {
    const ec = openssl.selfSigned('ec', '/CN=EC', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'])
    const pfxBase64 = exportPfx('ec.pfx', '-in', ec.cert, '-inkey', ec.key)
    expect(problemOf(() => readPfx(pfxBase64, PASSWORD))).toBe('not-rsa')
  })

  it('never puts the password or key material in the message', () => {
    const messages: string[] = []
    const pfxBase64 = exportPfx('secret.pfx', '-in', cert.cert, '-inkey', cert.key)
    for (const attempt of [
      () => readPfx(pfxBase64, 'Wrong-Secret-Password'),
      () => readPfx('@@@', PASSWORD),
      () => readPfx(randomBytes(64).toString('base64'), PASSWORD)
    ]) {
      try {
        attempt()
      } catch (error) {
        messages.push((error as Error).message)
      }
    }
    expect(messages).toHaveLength(3)
    for (const message of messages) {
      expect(message).not.toContain('Wrong-Secret-Password')
      expect(message).not.toContain(PASSWORD)
      expect(message).not.toContain(pfxBase64.slice(0, 40))
    }
  })
})
