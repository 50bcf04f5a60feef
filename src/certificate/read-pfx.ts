import { type KeyObject, X509Certificate, createPrivateKey, timingSafeEqual } from 'node:crypto'
import { type Asn1, MalformedError, children, explicitOf, fromDer, integerOf, isContextTag, octetsOf, oidOf, toDer } from './asn1.js'
import { describeHeldCertificate } from './held.js'
import { type Hash, HASH_BY_OID, OID } from './oids.js'
import { DecryptError, UnsupportedAlgorithmError } from './errors.js'
import { type Pbe, type PbePassword, pbeDecrypt, readPbe } from './pbe.js'
import { bmpPasswordForms, checkedIterations, computeMac } from './pkcs12-kdf.js'
import { type HeldCertificate, PfxError } from './types.js'

/**
 * How much work one PFX may ask of the reader. The file names its own iteration counts:
 * one key derivation for the MAC and one for every encrypted part, each capped at
 * MAX_ITERATIONS, but without a total a 48 KB file of many small encrypted parts could
 * ask for minutes of CPU.
 *
 * Real exports need little: OpenSSL 3 uses 2 048 iterations for each of its three (MAC,
 * certificates, key), about 6 000 in all; Windows and .NET 2 000 each; Java's keytool
 * 10 000 each; this action 10 000 (aes256). .NET's loader (X509CertificateLoader, which
 * Connect-ExchangeOnline uses on Linux) takes at most 300 000 for the MAC and 1 000 000
 * over the encrypted parts, so a file needing more could not sign in there anyway.
 * 2 000 000 covers that with room, and 600 000 (OWASP's PBKDF2 figure) on all three parts.
 * The worst file within it (3DES everywhere: the PKCS#12 KDF, in JavaScript, runs three
 * hash chains per part) takes about 9 seconds on a 2-core runner; without it, minutes.
 *
 * A certificate with its key and chain is a handful of bags; .NET allows 200 keys and 200
 * certificates. 64, counting the containers too, leaves room for long chains and bounds
 * the parsing.
 */
export interface PfxReadLimits {
  /** Key-derivation iterations for the whole file: the MAC and every encrypted part, every attempt. */
  totalIterations: number
  /** SafeBags (nested ones too) and the AuthenticatedSafe's ContentInfos, together. */
  maxBags: number
}

export const PFX_READ_LIMITS: PfxReadLimits = { totalIterations: 2_000_000, maxBags: 64 }

export interface ReadPfxOptions {
  /** Defaults to PFX_READ_LIMITS. */
  limits?: PfxReadLimits
  /** Told each key derivation's iteration count just before it runs (tests count the work). */
  onKeyDerivation?: (iterations: number) => void
}

/**
 * Opens the PFX a pipeline holds (from `pfx-base64` + `pfx-password`): PFX files written
 * by this action, by OpenSSL 3 (PBES2/AES, SHA-256 MAC), by `openssl -legacy` (3DES/RC2,
 * SHA-1 MAC) and by Windows. Every failure is a PfxError whose `problem` says what is
 * wrong; messages never contain the password or key material. A file that asks for more
 * work than PFX_READ_LIMITS allows is refused before that work is done.
 */
export function readPfx(pfxBase64: string, password: string, options: ReadPfxOptions = {}): HeldCertificate {
  const der = decodeStrictBase64(pfxBase64)
  const contents = openPfx(der, password, options)
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

/** What reading has found so far; bags are counted as they are met. */
class PfxContents {
  readonly certificates: Buffer[] = []
  readonly keys: KeyObject[] = []
  /** Parts found but not yet decrypted, in the order met. */
  readonly sealed: Sealed[] = []
  private bags = 0

  constructor(private readonly maxBags: number) {}

  countBag(): void {
    this.bags += 1
    if (this.bags > this.maxBags) {
      throw new PfxError(
        'not-pkcs12',
        `The PFX holds more than ${this.maxBags} bags (certificates, keys and the containers around them), where a certificate with its key and chain needs a handful. Export it again with only the certificate, its private key and its chain.`
      )
    }
  }
}

/** A part that needs the password: an encrypted SafeContents or a shrouded private key. */
interface Sealed {
  holds: 'safe-contents' | 'private-key'
  pbe: Pbe
  ciphertext: Buffer
}

/** Every key derivation is paid for before it runs, so an over-budget file fails before the work. */
class WorkBudget {
  private spent = 0

  constructor(
    private readonly limit: number,
    private readonly onKeyDerivation?: (iterations: number) => void
  ) {}

  /** Fails now if the derivations known to be ahead cannot all fit. */
  foresee(iterations: number[]): void {
    const needed = iterations.reduce((sum, each) => sum + each, this.spent)
    if (needed > this.limit) {
      throw new PfxError(
        'not-pkcs12',
        `The PFX asks for at least ${needed} key-derivation iterations (its MAC and encrypted parts together); this action reads at most ${this.limit}, where a standard export needs about 6000. Export it again with standard settings (\`openssl pkcs12 -export\` with OpenSSL 3 defaults, or Export-PfxCertificate on Windows).`
      )
    }
  }

  spend(iterations: number): void {
    this.foresee([iterations])
    this.spent += iterations
    this.onKeyDerivation?.(iterations)
  }
}

interface Context {
  budget: WorkBudget
  /**
   * The forms the password may take. An empty password has two (bmpPasswordForms) until
   * the MAC, or without one the first part that decrypts, settles which the writer used.
   */
  passwords: PbePassword[]
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

function openPfx(der: Buffer, password: string, options: ReadPfxOptions): PfxContents {
  checkCompleteness(der)
  const limits = options.limits ?? PFX_READ_LIMITS
  const budget = new WorkBudget(limits.totalIterations, options.onKeyDerivation)
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
    const mac = macData === undefined ? undefined : readMac(macData)
    const out = new PfxContents(limits.maxBags)
    for (const contentInfo of children(fromDer(authenticatedSafe), 'AuthenticatedSafe')) {
      readContentInfo(contentInfo, out)
    }
    // All that can be seen without the password is known: refuse now, before the first derivation.
    budget.foresee([mac?.iterations ?? 0, ...out.sealed.map((part) => part.pbe.iterations)])

    const utf8 = Buffer.from(password, 'utf8')
    let passwords = bmpPasswordForms(password).map((bmp) => ({ utf8, bmp }))
    if (mac !== undefined) {
      const verified = passwords.find((form) => {
        budget.spend(mac.iterations)
        return macMatches(mac, authenticatedSafe, form.bmp)
      })
      if (verified === undefined) {
        throw new PfxError('wrong-password', 'The PFX password is wrong: the PFX integrity check (MAC) failed.')
      }
      passwords = [verified]
    }
    openSealedParts(out, { budget, passwords, macVerified: mac !== undefined })
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

interface Mac {
  hash: Hash
  salt: Buffer
  iterations: number
  expected: Buffer
}

function readMac(macData: Asn1): Mac {
  const [digestInfo, saltNode, iterationsNode] = children(macData, 'MacData')
  const [algorithm, digestNode] = children(digestInfo, 'DigestInfo')
  const algorithmOid = oidOf(children(algorithm, 'AlgorithmIdentifier')[0])
  const hash = HASH_BY_OID[algorithmOid]
  if (hash === undefined) throw new UnsupportedAlgorithmError(`the integrity (MAC) algorithm ${algorithmOid}`)
  const iterations = iterationsNode === undefined ? 1 : checkedIterations(integerOf(iterationsNode))
  return { hash, salt: octetsOf(saltNode), iterations, expected: octetsOf(digestNode) }
}

function macMatches(mac: Mac, authenticatedSafe: Buffer, password: Buffer): boolean {
  const actual = computeMac(authenticatedSafe, password, mac.salt, mac.iterations, mac.hash)
  return mac.expected.length === actual.length && timingSafeEqual(mac.expected, actual)
}

/** Decrypts the sealed parts in turn; an encrypted SafeContents may hold more of them. */
function openSealedParts(out: PfxContents, context: Context): void {
  for (let part = out.sealed.shift(); part !== undefined; part = out.sealed.shift()) {
    context.budget.foresee([part.pbe.iterations, ...out.sealed.map((next) => next.pbe.iterations)])
    if (part.holds === 'private-key') {
      out.keys.push(decrypt(part, context, parsePrivateKeyInfo))
    } else {
      const bags = decrypt(part, context, (plaintext) => children(fromDer(plaintext), 'SafeContents'))
      afterDecrypting(context, () => readSafeBags(bags, out))
    }
  }
}

/**
 * Decrypts one part with each form the password may still take, paying for each attempt.
 * PBKDF2 hashes the password's UTF-8 bytes, the same for both empty forms: one attempt tells.
 */
function decrypt<T>(part: Sealed, context: Context, use: (plaintext: Buffer) => T): T {
  const candidates = part.pbe.kdf === 'pkcs12' ? context.passwords : context.passwords.slice(0, 1)
  let failure: unknown
  for (const password of candidates) {
    context.budget.spend(part.pbe.iterations)
    try {
      const result = afterDecrypting(context, () => use(pbeDecrypt(part.pbe, part.ciphertext, password)))
      if (part.pbe.kdf === 'pkcs12') context.passwords = [password]
      return result
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error
      failure = error
    }
  }
  throw failure
}

/** Reads what needs no password; encrypted parts are set aside in `out.sealed`. */
function readContentInfo(contentInfo: Asn1, out: PfxContents): void {
  out.countBag()
  const [contentType, content] = children(contentInfo, 'ContentInfo')
  switch (oidOf(contentType)) {
    case OID.data:
      readSafeBags(children(fromDer(octetsOf(explicitOf(content, 0))), 'SafeContents'), out)
      return
    case OID.encryptedData: {
      const [, encryptedContentInfo] = children(explicitOf(content, 0), 'EncryptedData')
      const [, algorithm, encryptedContent] = children(encryptedContentInfo, 'EncryptedContentInfo')
      if (!isContextTag(encryptedContent, 0)) return
      out.sealed.push({ holds: 'safe-contents', pbe: readPbe(algorithm), ciphertext: octetsOf(encryptedContent) })
      return
    }
    default:
      throw new MalformedError('unsupported content type')
  }
}

function readSafeBags(bags: Asn1[], out: PfxContents): void {
  for (const bag of bags) {
    out.countBag()
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
        out.sealed.push({ holds: 'private-key', pbe: readPbe(algorithm), ciphertext: octetsOf(encrypted) })
        break
      }
      case OID.safeContentsBag:
        readSafeBags(children(value, 'SafeContents'), out)
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
function afterDecrypting<T>(context: Context, work: () => T): T {
  try {
    return work()
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
