import { createHash, createHmac, hash as digestOnce } from 'node:crypto'
import type { Hash } from './oids.js'
import { UnsupportedAlgorithmError } from './errors.js'

/**
 * A PFX names its own iteration counts; a hostile or broken file could make reading it
 * hang. .NET's loader refuses more than 300 000 per derivation (600 000 before .NET 9);
 * real files use 2 000 to 100 000. The whole file has a budget too (see read-pfx.ts).
 */
const MAX_ITERATIONS = 1_000_000

export function checkedIterations(iterations: number): number {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new UnsupportedAlgorithmError(`an iteration count of ${iterations} (at most ${MAX_ITERATIONS} is accepted)`)
  }
  return iterations
}

/** What the derived bytes are for (RFC 7292 appendix B.3). */
export const KDF_PURPOSE = { key: 1, iv: 2, mac: 3 } as const
type Purpose = (typeof KDF_PURPOSE)[keyof typeof KDF_PURPOSE]

const BLOCK_BYTES: Record<Hash, number> = { sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 }

/** The password as PKCS#12 hashes it (RFC 7292 B.1): BMPString (UTF-16BE) with a two-byte terminator. */
export function bmpPassword(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)])
}

/**
 * The forms in which a PFX's writer may have hashed this password. The empty password has
 * two: the terminator alone (00 00), as OpenSSL writes `-passout pass:`, and no bytes at
 * all (a NULL password), as .NET writes a PFX exported with no password, and as Windows
 * can. OpenSSL and .NET try both when reading; so does this reader. Any other password
 * has one form.
 */
export function bmpPasswordForms(password: string): Buffer[] {
  return password === '' ? [bmpPassword(''), Buffer.alloc(0)] : [bmpPassword(password)]
}

function repeatToMultiple(bytes: Buffer, blockBytes: number): Buffer {
  if (bytes.length === 0) return bytes
  const length = blockBytes * Math.ceil(bytes.length / blockBytes)
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = bytes[i % bytes.length]
  return out
}

/**
 * The PKCS#12 key derivation (RFC 7292 appendix B.2). Still needed next to PBKDF2: the
 * integrity MAC key is always derived this way, and so are the legacy 3DES/RC2 keys.
 */
export function pkcs12Kdf(
  /** Already in its BMPString form (bmpPassword). */
  password: Buffer,
  salt: Buffer,
  purpose: Purpose,
  iterations: number,
  length: number,
  hash: Hash
): Buffer {
  const v = BLOCK_BYTES[hash]
  const diversifier = Buffer.alloc(v, purpose)
  const input = Buffer.concat([repeatToMultiple(salt, v), repeatToMultiple(password, v)])
  const out: Buffer[] = []
  let produced = 0
  while (produced < length) {
    let a = createHash(hash).update(diversifier).update(input).digest()
    // The one-shot digest skips a Hash object per round: the MAC's 10 000 rounds take a
    // third of the time.
    for (let i = 1; i < iterations; i++) a = digestOnce(hash, a, 'buffer')
    out.push(a)
    produced += a.length
    if (produced >= length) break
    // I_j = (I_j + B + 1) mod 2^(v*8), for every v-byte block of I, where B repeats A.
    const b = repeatToMultiple(a, v).subarray(0, v)
    for (let j = 0; j < input.length; j += v) {
      let carry = 1
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[j + k] + b[k] + carry
        input[j + k] = sum & 0xff
        carry = sum >> 8
      }
    }
  }
  return Buffer.concat(out).subarray(0, length)
}

/** The PFX integrity MAC: HMAC over the AuthenticatedSafe, keyed by the PKCS#12 KDF. */
export function computeMac(content: Buffer, password: Buffer, salt: Buffer, iterations: number, hash: Hash): Buffer {
  const keyLength = createHash(hash).digest().length
  const key = pkcs12Kdf(password, salt, KDF_PURPOSE.mac, iterations, keyLength, hash)
  return createHmac(hash, key).update(content).digest()
}
