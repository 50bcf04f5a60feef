import { X509Certificate, generateKeyPair, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import forge from 'node-forge'
import { CLOCK_SKEW_MS, DAY_MS } from './expiry.js'
import { describeHeldCertificate } from './held.js'
import { newPfxPassword, toPfx } from './pkcs12.js'
import { parseSubject } from './subject.js'
import type { HeldCertificate, NewCertificateOptions } from './types.js'

/**
 * Creates the certificate Exchange Online will trust for the app: a fresh RSA key and a
 * self-signed X.509 v3 client-authentication certificate, packed into a PFX with a new
 * random password.
 */
export function generateCertificate(options: NewCertificateOptions): HeldCertificate {
  checkValidityDays(options)
  // Node's native key generation: forge's JavaScript one takes many seconds for 4096 bits.
  return certificateFromKeyPair(generateKeyPairSync('rsa', rsaOptions(options)), options)
}

const generateKeyPairInPool = promisify(generateKeyPair)

/**
 * The same certificate, with the key generated on libuv's thread pool: the prime search
 * (tens of milliseconds for 2048 bits, hundreds for 4096) overlaps the run's sign-in and
 * reads instead of blocking them.
 */
export async function generateCertificateInBackground(options: NewCertificateOptions): Promise<HeldCertificate> {
  checkValidityDays(options)
  return certificateFromKeyPair(await generateKeyPairInPool('rsa', rsaOptions(options)), options)
}

function checkValidityDays(options: NewCertificateOptions): void {
  if (!Number.isInteger(options.validityDays) || options.validityDays < 1) {
    throw new Error(`The certificate validity must be a whole number of days of at least 1 (got ${options.validityDays}).`)
  }
}

function rsaOptions(options: NewCertificateOptions): { modulusLength: number; publicExponent: number } {
  return { modulusLength: options.keySize, publicExponent: 0x10001 }
}

function certificateFromKeyPair({ privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject }, options: NewCertificateOptions): HeldCertificate {
  const subject = parseSubject(options.subject)
  const now = options.now ?? new Date()
  const certificate = forge.pki.createCertificate()
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ format: 'pem', type: 'spki' }).toString())
  certificate.serialNumber = newSerialNumber()
  certificate.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS)
  certificate.validity.notAfter = new Date(now.getTime() + options.validityDays * DAY_MS)
  certificate.setSubject(subject)
  certificate.setIssuer(subject)
  certificate.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' }
  ])

  // Sign with node:crypto (native) rather than forge's JavaScript RSA.
  certificate.signatureOid = forge.pki.oids.sha256WithRSAEncryption
  certificate.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(
    certificate
  )
  certificate.tbsCertificate = tbs
  const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary')
  certificate.signature = sign('sha256', tbsDer, privateKey).toString('binary')
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary')

  const x509 = new X509Certificate(der)
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  const pfxPassword = newPfxPassword()
  const pfx = toPfx(x509.toString(), privateKeyPem, {
    password: pfxPassword,
    encryption: options.encryption,
    friendlyName: options.friendlyName
  })
  return describeHeldCertificate(x509, privateKey, { pfxBase64: pfx.toString('base64'), pfxPassword })
}

/**
 * 16 random bytes as a positive DER INTEGER: the top bit is cleared (positive) and the
 * next one set, so the number is never zero and needs no leading zero byte.
 */
function newSerialNumber(): string {
  const bytes = randomBytes(16)
  bytes[0] = (bytes[0] & 0x7f) | 0x40
  return bytes.toString('hex')
}
