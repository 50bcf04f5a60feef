import { type KeyObject, X509Certificate, createPrivateKey, timingSafeEqual } from 'node:crypto'
import { type Asn1, MalformedError, children, explicitOf, fromDer, integerOf, isContextTag, octetsOf, oidOf, toDer } from './asn1.js'
import { describeHeldCertificate } from './held.js'
import { HASH_BY_OID, OID } from './oids.js'
import { DecryptError, UnsupportedAlgorithmError } from './errors.js'
import { pbeDecrypt } from './pbe.js'
import { checkedIterations, computeMac } from './pkcs12-kdf.js'
import { type HeldCertificate, PfxError } from './types.js'

/**
 * Opens the PFX a pipeline holds (from `pfx-base64` + `pfx-password`): PFX files written
 * by this action, by OpenSSL 3 (PBES2/AES, SHA-256 MAC), by `openssl -legacy` (3DES/RC2,
 * SHA-1 MAC) and by Windows. Every failure is a PfxError whose `problem` says what is
 * wrong; messages never contain the password or key material.
 */
export function readPfx(pfxBase64: string, password: string): HeldCertificate {
  const der = decodeStrictBase64(pfxBase64)
  const contents = openPfx(der, password)
  const certificates = contents.certificates.map(parseCertificate)
  if (certificates.length === 0) {
    throw new PfxError('no-certificate', 'The PFX holds no X.509 certificate.')
  }
  if (contents.keys.length === 0) {
    throw new PfxError(
      'no-private-key',
      'The PFX holds a certificate but no private key. Export the certificate together with its private key (a .pfx, not a .cer; no `-nokeys`).'
    )
  }
  const rsaKeys = contents.keys.filter((key) => key.asymmetricKeyType === 'rsa')
  if (rsaKeys.length === 0) {
    const types = [...new Set(contents.keys.map((key) => (key.asymmetricKeyType ?? 'unknown').toUpperCase()))].join(', ')
    throw new PfxError(
      'not-rsa',
      `The PFX's private key is of type ${types}; Exchange Online certificate authentication needs an RSA key.`
    )
  }
  for (const key of rsaKeys) {
    const certificate = certificates.find((candidate) => belongsTo(candidate, key))
    if (certificate !== undefined) {
      return describeHeldCertificate(certificate, key, { pfxBase64, pfxPassword: password })
    }
  }
  throw new PfxError(
    'key-mismatch',
    `The PFX's private key does not belong to ${certificates.length === 1 ? 'its certificate' : `any of its ${certificates.length} certificates`}.`
  )
}

/** Only the standard alphabet with padding; whitespace (line wrapping) is ignored. */
function decodeStrictBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, '')
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const hint = compact.startsWith('-----BEGIN') ? ' It looks like PEM; give the base64 of the binary .pfx file instead.' : ''
    throw new PfxError(
      'not-base64',
      `The PFX is not valid base64 (expected the output of \`base64 -w0 cert.pfx\` or [Convert]::ToBase64String).${hint}`
    )
  }
  return Buffer.from(compact, 'base64')
}

function parseCertificate(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der)
  } catch {
    throw new PfxError('not-pkcs12', 'The PFX holds a certificate that cannot be parsed as X.509.')
  }
}

function belongsTo(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(key)
  } catch {
    return false
  }
}

interface PfxContents {
  certificates: Buffer[]
  keys: KeyObject[]
}

interface Context {
  password: string
  /** With a verified MAC, garbage after decryption means a damaged file, not a wrong password. */
  macVerified: boolean
}

/**
 * A PFX cut short (a secret pasted in part) still parses leniently, and would then fail
 * its integrity check as if the password were wrong. The outer SEQUENCE says how long the
 * file is: check that first, so the user is told the file is incomplete.
 */
function checkCompleteness(der: Buffer): void {
  if (der.length < 2 || der[0] !== 0x30) return
  const first = der[1]
  if (first === 0x80) return // BER indefinite length: no declared size to compare.
  let length = first
  let header = 2
  if (first > 0x80) {
    const octets = first & 0x7f
    if (octets > 4 || der.length < 2 + octets) return
    length = 0
    for (let i = 0; i < octets; i++) length = length * 256 + der[2 + i]
    header = 2 + octets
  }
  if (header + length > der.length) {
    throw new PfxError(
      'not-pkcs12',
      `The PFX is incomplete (cut off): it declares ${header + length} bytes, but only ${der.length} were given. Copy the whole base64 value again.`
    )
  }
}

function openPfx(der: Buffer, password: string): PfxContents {
  checkCompleteness(der)
  try {
    const [versionNode, authSafe, macData] = children(fromDer(der), 'PFX')
    if (integerOf(versionNode) !== 3) throw new MalformedError('PFX version is not 3')
    const [contentType, content] = children(authSafe, 'ContentInfo')
    if (oidOf(contentType) !== OID.data) {
      throw new PfxError(
        'not-pkcs12',
        'The PFX uses public-key integrity mode, which is not supported; export it with a password.'
      )
    }
    const authenticatedSafe = octetsOf(explicitOf(content, 0))
    if (macData !== undefined && !macMatches(macData, authenticatedSafe, password)) {
      throw new PfxError('wrong-password', 'The PFX password is wrong: the PFX integrity check (MAC) failed.')
    }
    const out: PfxContents = { certificates: [], keys: [] }
    const context: Context = { password, macVerified: macData !== undefined }
    for (const contentInfo of children(fromDer(authenticatedSafe), 'AuthenticatedSafe')) {
      readContentInfo(contentInfo, context, out)
    }
    return out
  } catch (error) {
    if (error instanceof PfxError) throw error
    if (error instanceof DecryptError) {
      throw new PfxError('wrong-password', 'The PFX password is wrong: the PFX contents do not decrypt with it.')
    }
    if (error instanceof UnsupportedAlgorithmError) {
      throw new PfxError(
        'not-pkcs12',
        `The PFX uses ${error.message}, which this action cannot read. Export it again with AES-256 (\`openssl pkcs12 -export\` with OpenSSL 3 defaults) or TripleDES-SHA1.`
      )
    }
    if (error instanceof MalformedError) {
      throw new PfxError('not-pkcs12', 'The PFX is base64 but not a PKCS#12 (.pfx/.p12) file.')
    }
    throw error
  }
}

function macMatches(macData: Asn1, authenticatedSafe: Buffer, password: string): boolean {
  const [digestInfo, saltNode, iterationsNode] = children(macData, 'MacData')
  const [algorithm, digestNode] = children(digestInfo, 'DigestInfo')
  const algorithmOid = oidOf(children(algorithm, 'AlgorithmIdentifier')[0])
  const hash = HASH_BY_OID[algorithmOid]
  if (hash === undefined) throw new UnsupportedAlgorithmError(`the integrity (MAC) algorithm ${algorithmOid}`)
  const iterations = iterationsNode === undefined ? 1 : checkedIterations(integerOf(iterationsNode))
  const expected = octetsOf(digestNode)
  const actual = computeMac(authenticatedSafe, password, octetsOf(saltNode), iterations, hash)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

function readContentInfo(contentInfo: Asn1, context: Context, out: PfxContents): void {
  const [contentType, content] = children(contentInfo, 'ContentInfo')
  switch (oidOf(contentType)) {
    case OID.data:
      readSafeContents(octetsOf(explicitOf(content, 0)), context, out)
      return
    case OID.encryptedData: {
      const [, encryptedContentInfo] = children(explicitOf(content, 0), 'EncryptedData')
      const [, algorithm, encryptedContent] = children(encryptedContentInfo, 'EncryptedContentInfo')
      if (!isContextTag(encryptedContent, 0)) return
      afterDecrypting(context, () => {
        const plaintext = pbeDecrypt(algorithm, octetsOf(encryptedContent), context.password)
        readSafeContents(plaintext, context, out)
      })
      return
    }
    default:
      throw new MalformedError('unsupported content type')
  }
}

function readSafeContents(bytes: Buffer, context: Context, out: PfxContents): void {
  for (const bag of children(fromDer(bytes), 'SafeContents')) {
    const [typeNode, valueWrapper] = children(bag, 'SafeBag')
    const value = explicitOf(valueWrapper, 0)
    switch (oidOf(typeNode)) {
      case OID.certBag: {
        const [certificateType, certificateValue] = children(value, 'CertBag')
        if (oidOf(certificateType) === OID.x509Certificate) {
          out.certificates.push(octetsOf(explicitOf(certificateValue, 0)))
        }
        break
      }
      case OID.keyBag:
        out.keys.push(parsePrivateKeyInfo(toDer(value)))
        break
      case OID.pkcs8ShroudedKeyBag: {
        const [algorithm, encrypted] = children(value, 'EncryptedPrivateKeyInfo')
        afterDecrypting(context, () => {
          out.keys.push(parsePrivateKeyInfo(pbeDecrypt(algorithm, octetsOf(encrypted), context.password)))
        })
        break
      }
      case OID.safeContentsBag:
        readSafeContents(toDer(value), context, out)
        break
      default:
        // CRL and secret bags carry nothing this action uses.
        break
    }
  }
}

/**
 * Without a MAC, a wrong password shows up only after decryption: usually as a padding
 * error, sometimes (1 in 256) as garbage that does not parse.
 */
function afterDecrypting(context: Context, work: () => void): void {
  try {
    work()
  } catch (error) {
    if (error instanceof MalformedError && !context.macVerified) throw new DecryptError('garbage after decryption')
    throw error
  }
}

function parsePrivateKeyInfo(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } catch {
    throw new MalformedError('private key does not parse')
  }
}
