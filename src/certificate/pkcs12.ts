import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto'
import {
  type Asn1,
  asn1Null,
  bmpString,
  explicit,
  implicitOctets,
  integer,
  octetString,
  oid,
  sequence,
  setOf,
  toDer
} from './asn1.js'
import { OID, type Hash } from './oids.js'
import { type PbeProfile, pbeEncrypt } from './pbe.js'
import { bmpPassword, computeMac } from './pkcs12-kdf.js'
import type { PfxEncryption } from './types.js'

export interface PfxOptions {
  password: string
  encryption: PfxEncryption
  /** Shown by Windows' certificate manager for the entry. */
  friendlyName: string
}

/**
 * Exchange Online needs the key in a CryptoAPI provider, not in CNG. Naming this provider
 * in the key bag makes Windows import it there (it supports SHA-256 signing, unlike the
 * base provider).
 */
export const WINDOWS_KEY_PROVIDER = 'Microsoft Enhanced RSA and AES Cryptographic Provider'

interface Profile {
  pbe: PbeProfile
  macHash: Hash
  macIterations: number
}

const PROFILES: Record<PfxEncryption, Profile> = {
  // What OpenSSL 3 and current Windows/.NET write, with more iterations than OpenSSL's 2048.
  aes256: { pbe: { encryption: 'aes256', iterations: 10000 }, macHash: 'sha256', macIterations: 10000 },
  // OpenSSL's "-legacy"-style profile (3DES everywhere, SHA-1 MAC, 2048 rounds) for
  // Windows Server 2016 and older, which cannot read PBES2 or SHA-256 MACs.
  '3des': { pbe: { encryption: '3des', iterations: 2048 }, macHash: 'sha1', macIterations: 2048 }
}

const MAC_DIGEST_OID: Record<Hash, string> = {
  sha1: OID.sha1,
  sha224: OID.sha224,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512
}

/** A new PFX password: 32 random bytes as base64url (43 URL-safe characters). */
export function newPfxPassword(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Packs a certificate and its private key into a PKCS#12 file: the certificate in an
 * encrypted SafeContents, the key in a shrouded key bag, both tagged with the same
 * localKeyId and friendlyName, and a password MAC over the whole.
 */
export function toPfx(certificatePem: string, privateKeyPem: string, options: PfxOptions): Buffer {
  const profile = PROFILES[options.encryption]
  const certificateDer = new X509Certificate(certificatePem).raw
  const privateKeyInfo = createPrivateKey(privateKeyPem).export({ format: 'der', type: 'pkcs8' })
  // Windows pairs the key with its certificate by this id; SHA-1 of the certificate is what OpenSSL uses.
  const localKeyId = createHash('sha1').update(certificateDer).digest()

  const certificateBag = safeBag(
    OID.certBag,
    sequence(oid(OID.x509Certificate), explicit(0, octetString(certificateDer))),
    [attribute(OID.friendlyName, bmpString(options.friendlyName)), attribute(OID.localKeyId, octetString(localKeyId))]
  )
  const shroudedKey = pbeEncrypt(privateKeyInfo, options.password, profile.pbe)
  const keyBag = safeBag(
    OID.pkcs8ShroudedKeyBag,
    sequence(shroudedKey.algorithm, octetString(shroudedKey.ciphertext)),
    [
      attribute(OID.friendlyName, bmpString(options.friendlyName)),
      attribute(OID.localKeyId, octetString(localKeyId)),
      attribute(OID.microsoftCspName, bmpString(WINDOWS_KEY_PROVIDER))
    ]
  )

  const certificates = pbeEncrypt(toDer(sequence(certificateBag)), options.password, profile.pbe)
  const authenticatedSafe = toDer(
    sequence(
      encryptedDataContentInfo(certificates.algorithm, certificates.ciphertext),
      dataContentInfo(toDer(sequence(keyBag)))
    )
  )

  const pfx = sequence(
    integer(3),
    dataContentInfo(authenticatedSafe),
    macData(authenticatedSafe, options.password, profile)
  )
  return toDer(pfx)
}

function attribute(type: string, value: Asn1): Asn1 {
  return sequence(oid(type), setOf(value))
}

function safeBag(type: string, value: Asn1, attributes: Asn1[]): Asn1 {
  return sequence(oid(type), explicit(0, value), setOf(...attributes))
}

function dataContentInfo(content: Buffer): Asn1 {
  return sequence(oid(OID.data), explicit(0, octetString(content)))
}

function encryptedDataContentInfo(algorithm: Asn1, ciphertext: Buffer): Asn1 {
  const encryptedContentInfo = sequence(oid(OID.data), algorithm, implicitOctets(0, ciphertext))
  return sequence(oid(OID.encryptedData), explicit(0, sequence(integer(0), encryptedContentInfo)))
}

/** The password-integrity MAC: HMAC over the AuthenticatedSafe, keyed by the PKCS#12 KDF. */
function macData(authenticatedSafe: Buffer, password: string, profile: Profile): Asn1 {
  const salt = randomBytes(16)
  const digest = computeMac(authenticatedSafe, bmpPassword(password), salt, profile.macIterations, profile.macHash)
  return sequence(
    sequence(sequence(oid(MAC_DIGEST_OID[profile.macHash]), asn1Null()), octetString(digest)),
    octetString(salt),
    integer(profile.macIterations)
  )
}
