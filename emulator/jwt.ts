/**
 * Compact JWS (JWT) signing and verification with node:crypto: RS256 and PS256, the two
 * algorithms msal-node uses for certificate assertions (PS256 with `x5t#S256`).
 */
import { createHash, generateKeyPairSync, sign, verify, constants, type KeyObject } from 'node:crypto'

export type JwtHeader = Record<string, unknown> & { alg?: string; kid?: string; x5t?: string; 'x5t#S256'?: string }
export type JwtClaims = Record<string, unknown>

export interface DecodedJwt {
  header: JwtHeader
  claims: JwtClaims
  signingInput: string
  signature: Buffer
}

export function base64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

/** Splits and parses a JWT; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown
    if (!isObject(header) || !isObject(claims)) return undefined
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') }
  } catch {
    return undefined
  }
}

export function signJwt(header: JwtHeader, claims: JwtClaims, privateKey: KeyObject): string {
  const alg = header.alg ?? 'RS256'
  const signingInput = `${base64Url(JSON.stringify({ typ: 'JWT', ...header, alg }))}.${base64Url(JSON.stringify(claims))}`
  const signature = alg === 'PS256'
    ? sign('sha256', Buffer.from(signingInput), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    : sign('sha256', Buffer.from(signingInput), privateKey)
  return `${signingInput}.${base64Url(signature)}`
}

/** True when the signature is valid for `publicKey` under the header's RS256/PS256 algorithm. */
export function verifyJwtSignature(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput)
  try {
    if (jwt.header.alg === 'RS256') return verify('sha256', data, publicKey, jwt.signature)
    if (jwt.header.alg === 'PS256') {
      return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, jwt.signature)
    }
  } catch {
    return false
  }
  return false
}

/** An RSA key that signs the tokens one emulated issuer hands out, with its JWKS entry. */
export class SigningKey {
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
    this.privateKey = pair.privateKey
    this.publicKey = pair.publicKey
    const der = pair.publicKey.export({ type: 'spki', format: 'der' })
    this.kid = createHash('sha1').update(der).digest('base64url')
  }

  sign(claims: JwtClaims, extraHeader: JwtHeader = {}): string {
    return signJwt({ alg: 'RS256', kid: this.kid, x5t: this.kid, ...extraHeader }, claims, this.privateKey)
  }

  /** The JWKS entry (RFC 7517) of this key. */
  jwk(): Record<string, unknown> {
    const jwk = this.publicKey.export({ format: 'jwk' })
    return { kty: 'RSA', use: 'sig', alg: 'RS256', kid: this.kid, x5t: this.kid, n: jwk.n, e: jwk.e }
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
