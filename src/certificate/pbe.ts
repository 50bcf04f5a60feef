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
import { HMAC_BY_OID, OID } from './oids.js'
import { KDF_PURPOSE, checkedIterations, pkcs12Kdf } from './pkcs12-kdf.js'
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
  const key = pkcs12Kdf(password, salt, KDF_PURPOSE.key, iterations, 24, 'sha1')
  const iv = pkcs12Kdf(password, salt, KDF_PURPOSE.iv, iterations, 8, 'sha1')
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

export function pbeDecrypt(algorithm: Asn1, ciphertext: Buffer, password: string): Buffer {
  const [algorithmOid, params] = children(algorithm, 'AlgorithmIdentifier')
  const id = oidOf(algorithmOid)
  switch (id) {
    case OID.pbes2:
      return pbes2Decrypt(params, ciphertext, password)
    case OID.pbeWithSha1And3KeyTripleDesCbc:
      return pkcs12PbeDecrypt(params, ciphertext, password, 'des-ede3-cbc', 24)
    case OID.pbeWithSha1And128BitRc2Cbc:
      return pkcs12PbeDecrypt(params, ciphertext, password, 'rc2', 16)
    case OID.pbeWithSha1And40BitRc2Cbc:
      // OpenSSL's "-legacy" profile encrypts the certificates this way.
      return pkcs12PbeDecrypt(params, ciphertext, password, 'rc2', 5)
    default:
      throw new UnsupportedAlgorithmError(`the encryption algorithm ${id}`)
  }
}

function pbes2Decrypt(params: Asn1 | undefined, ciphertext: Buffer, password: string): Buffer {
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
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher.keyBytes, prf)
  return decipher(cipher.name, key, octetsOf(ivNode), ciphertext)
}

function pkcs12PbeDecrypt(
  params: Asn1 | undefined,
  ciphertext: Buffer,
  password: string,
  cipherName: 'des-ede3-cbc' | 'rc2',
  keyBytes: number
): Buffer {
  const [saltNode, countNode] = children(params, 'pkcs-12PbeParams')
  const salt = octetsOf(saltNode)
  const iterations = checkedIterations(integerOf(countNode))
  const key = pkcs12Kdf(password, salt, KDF_PURPOSE.key, iterations, keyBytes, 'sha1')
  const iv = pkcs12Kdf(password, salt, KDF_PURPOSE.iv, iterations, 8, 'sha1')
  if (cipherName === 'rc2') return rc2Decrypt(key, iv, ciphertext)
  return decipher(cipherName, key, iv, ciphertext)
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
