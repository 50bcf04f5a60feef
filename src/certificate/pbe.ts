import { type Decipheriv, createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto'
import forge from 'node-forge'
import {
  type Asn1,
  MalformedError,
  asn1Null,
  children,
  integer,
  integerOf,
  octetString,
  octetsOf,
  oid,
  oidOf,
  sequence
} from './asn1.js'
import { DecryptError, UnsupportedAlgorithmError } from './errors.js'
import { type Hash, HMAC_BY_OID, OID } from './oids.js'
import { KDF_PURPOSE, bmpPassword, checkedIterations, pkcs12Kdf } from './pkcs12-kdf.js'
import type { PfxEncryption } from './types.js'

/**
 * Password-based encryption of PKCS#12 contents: the two profiles this action writes
 * and the algorithms real PFX files use when it reads them.
 */

export interface PbeProfile {
  encryption: PfxEncryption
  iterations: number
}

export interface Encrypted {
  /** The AlgorithmIdentifier that says how to decrypt. */
  algorithm: Asn1
  ciphertext: Buffer
}

export function pbeEncrypt(plaintext: Buffer, password: string, profile: PbeProfile): Encrypted {
  return profile.encryption === 'aes256'
    ? pbes2Encrypt(plaintext, password, profile.iterations)
    : tripleDesEncrypt(plaintext, password, profile.iterations)
}

/** PBES2: PBKDF2 with HMAC-SHA256 and AES-256-CBC, as OpenSSL 3 and Windows (AES256-SHA256) write it. */
function pbes2Encrypt(plaintext: Buffer, password: string, iterations: number): Encrypted {
  const salt = randomBytes(16)
  const iv = randomBytes(16)
  // PBES2 hashes the password's UTF-8 bytes (the PKCS#12 KDF's BMPString is not used here).
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256')
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  const algorithm = sequence(
    oid(OID.pbes2),
    sequence(
      sequence(
        oid(OID.pbkdf2),
        sequence(octetString(salt), integer(iterations), sequence(oid(OID.hmacWithSha256), asn1Null()))
      ),
      sequence(oid(OID.aes256Cbc), octetString(iv))
    )
  )
  return { algorithm, ciphertext: Buffer.concat([cipher.update(plaintext), cipher.final()]) }
}

/** pbeWithSHAAnd3-KeyTripleDES-CBC: what Windows Server 2016 and older can import. */
function tripleDesEncrypt(plaintext: Buffer, password: string, iterations: number): Encrypted {
  const salt = randomBytes(8)
  const bmp = bmpPassword(password)
  const key = pkcs12Kdf(bmp, salt, KDF_PURPOSE.key, iterations, 24, 'sha1')
  const iv = pkcs12Kdf(bmp, salt, KDF_PURPOSE.iv, iterations, 8, 'sha1')
  const cipher = createCipheriv('des-ede3-cbc', key, iv)
  const algorithm = sequence(oid(OID.pbeWithSha1And3KeyTripleDesCbc), sequence(octetString(salt), integer(iterations)))
  return { algorithm, ciphertext: Buffer.concat([cipher.update(plaintext), cipher.final()]) }
}

const PBES2_CIPHERS: Record<string, { name: string; keyBytes: number }> = {
  [OID.aes128Cbc]: { name: 'aes-128-cbc', keyBytes: 16 },
  [OID.aes192Cbc]: { name: 'aes-192-cbc', keyBytes: 24 },
  [OID.aes256Cbc]: { name: 'aes-256-cbc', keyBytes: 32 },
  [OID.desEde3Cbc]: { name: 'des-ede3-cbc', keyBytes: 24 }
}

/**
 * How a part of a PFX is encrypted, read from its AlgorithmIdentifier and checked before
 * any key is derived: the reader needs the iteration count to decide whether to start.
 */
export type Pbe =
  | { kdf: 'pbkdf2'; iterations: number; salt: Buffer; prf: Hash; cipher: string; keyBytes: number; iv: Buffer }
  | { kdf: 'pkcs12'; iterations: number; salt: Buffer; cipher: 'des-ede3-cbc' | 'rc2'; keyBytes: number }

/**
 * A password as each KDF takes it: PBKDF2 (PBES2) hashes its UTF-8 bytes, the PKCS#12 KDF
 * a BMPString, of which the empty password has two forms (bmpPasswordForms).
 */
export interface PbePassword {
  utf8: Buffer
  bmp: Buffer
}

export function readPbe(algorithm: Asn1): Pbe {
  const [algorithmOid, params] = children(algorithm, 'AlgorithmIdentifier')
  const id = oidOf(algorithmOid)
  switch (id) {
    case OID.pbes2:
      return readPbes2(params)
    case OID.pbeWithSha1And3KeyTripleDesCbc:
      return readPkcs12Pbe(params, 'des-ede3-cbc', 24)
    case OID.pbeWithSha1And128BitRc2Cbc:
      return readPkcs12Pbe(params, 'rc2', 16)
    case OID.pbeWithSha1And40BitRc2Cbc:
      // OpenSSL's "-legacy" profile encrypts the certificates this way.
      return readPkcs12Pbe(params, 'rc2', 5)
    default:
      throw new UnsupportedAlgorithmError(`the encryption algorithm ${id}`)
  }
}

function readPbes2(params: Asn1 | undefined): Pbe {
  const [kdf, scheme] = children(params, 'PBES2-params')
  const [kdfOid, kdfParams] = children(kdf, 'keyDerivationFunc')
  if (oidOf(kdfOid) !== OID.pbkdf2) throw new UnsupportedAlgorithmError(`the key derivation ${oidOf(kdfOid)}`)
  const [saltNode, countNode, ...rest] = children(kdfParams, 'PBKDF2-params')
  const salt = octetsOf(saltNode)
  const iterations = checkedIterations(integerOf(countNode))
  // Optional keyLength INTEGER, then optional prf AlgorithmIdentifier (default HMAC-SHA1).
  const prfNode = rest.find((node) => node.constructed)
  const prfOid = prfNode === undefined ? OID.hmacWithSha1 : oidOf(children(prfNode, 'prf')[0])
  const prf = HMAC_BY_OID[prfOid]
  if (prf === undefined) throw new UnsupportedAlgorithmError(`the PBKDF2 hash ${prfOid}`)

  const [cipherOid, ivNode] = children(scheme, 'encryptionScheme')
  const cipher = PBES2_CIPHERS[oidOf(cipherOid)]
  if (cipher === undefined) throw new UnsupportedAlgorithmError(`the cipher ${oidOf(cipherOid)}`)
  return { kdf: 'pbkdf2', iterations, salt, prf, cipher: cipher.name, keyBytes: cipher.keyBytes, iv: octetsOf(ivNode) }
}

function readPkcs12Pbe(params: Asn1 | undefined, cipher: 'des-ede3-cbc' | 'rc2', keyBytes: number): Pbe {
  const [saltNode, countNode] = children(params, 'pkcs-12PbeParams')
  return { kdf: 'pkcs12', iterations: checkedIterations(integerOf(countNode)), salt: octetsOf(saltNode), cipher, keyBytes }
}

export function pbeDecrypt(pbe: Pbe, ciphertext: Buffer, password: PbePassword): Buffer {
  if (pbe.kdf === 'pbkdf2') {
    const key = pbkdf2Sync(password.utf8, pbe.salt, pbe.iterations, pbe.keyBytes, pbe.prf)
    return decipher(pbe.cipher, key, pbe.iv, ciphertext)
  }
  const key = pkcs12Kdf(password.bmp, pbe.salt, KDF_PURPOSE.key, pbe.iterations, pbe.keyBytes, 'sha1')
  const iv = pkcs12Kdf(password.bmp, pbe.salt, KDF_PURPOSE.iv, pbe.iterations, 8, 'sha1')
  if (pbe.cipher === 'rc2') return rc2Decrypt(key, iv, ciphertext)
  return decipher(pbe.cipher, key, iv, ciphertext)
}

function decipher(name: string, key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  let d: Decipheriv
  try {
    d = createDecipheriv(name, key, iv)
  } catch {
    throw new MalformedError(`bad ${name} parameters`)
  }
  try {
    return Buffer.concat([d.update(ciphertext), d.final()])
  } catch {
    // A padding failure: with PKCS#12 this is how a wrong password shows.
    throw new DecryptError('bad decrypt')
  }
}

/** RC2 is only in OpenSSL 3's legacy provider, which Node does not load: use forge's. */
function rc2Decrypt(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  const cipher = forge.rc2.createDecryptionCipher(key.toString('binary'), key.length * 8)
  cipher.start(forge.util.createBuffer(iv.toString('binary')))
  cipher.update(forge.util.createBuffer(ciphertext.toString('binary')))
  if (!cipher.finish()) throw new DecryptError('bad decrypt')
  return Buffer.from(cipher.output.getBytes(), 'binary')
}
