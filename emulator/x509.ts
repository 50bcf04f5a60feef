/**
 * What the emulator needs to know about an uploaded certificate (a keyCredential's `key`):
 * its thumbprints, validity and public key. Parsed with node:crypto.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto'

export interface CertificateInfo {
  /** SHA-1 of the DER, upper-case hex: what Entra shows as the thumbprint. */
  thumbprintSha1: string
  /** base64url SHA-1: the `x5t` header of an assertion signed with this certificate. */
  x5t: string
  /** base64url SHA-256: the `x5t#S256` header. */
  x5tS256: string
  notBefore: Date
  notAfter: Date
  publicKey: KeyObject
  subject: string
}

const cache = new Map<string, CertificateInfo>()

/** Parses base64 DER (or PEM); undefined when it is not an X.509 certificate. */
export function parseCertificate(base64OrPem: string): CertificateInfo | undefined {
  const cached = cache.get(base64OrPem)
  if (cached) return cached
  let der: Buffer
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(base64OrPem)
  if (pem) der = Buffer.from(pem[1].replace(/\s+/g, ''), 'base64')
  else if (/^[A-Za-z0-9+/=\s]+$/.test(base64OrPem)) der = Buffer.from(base64OrPem.replace(/\s+/g, ''), 'base64')
  else return undefined
  try {
    const x509 = new X509Certificate(der)
    const sha1 = createHash('sha1').update(der).digest()
    const info: CertificateInfo = {
      thumbprintSha1: sha1.toString('hex').toUpperCase(),
      x5t: sha1.toString('base64url'),
      x5tS256: createHash('sha256').update(der).digest('base64url'),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      publicKey: x509.publicKey,
      subject: x509.subject
    }
    cache.set(base64OrPem, info)
    return info
  } catch {
    return undefined
  }
}

/** The base64 DER of a PEM certificate (what a keyCredential's `key` holds). */
export function pemToBase64Der(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)
  if (!match) throw new Error('No PEM certificate found')
  return match[1].replace(/\s+/g, '')
}
