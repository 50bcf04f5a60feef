import { constants, sign } from 'node:crypto'
import type { HeldCertificate } from './types.js'

export type JwtAlgorithm = 'RS256' | 'PS256'

/** The audience Graph expects in an addKey/removeKey proof token. */
export const GRAPH_PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000'
/** Graph rejects proof tokens valid for longer than 10 minutes. */
const PROOF_LIFETIME_SECONDS = 10 * 60

const segment = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')

/**
 * A compact JWS (header.claims.signature, base64url without `=` padding). `alg` wins
 * over any `alg` in `header`; `typ` defaults to JWT.
 */
export function signJwt(header: object, claims: object, privateKeyPem: string, alg: JwtAlgorithm): string {
  const signingInput = `${segment({ typ: 'JWT', ...header, alg })}.${segment(claims)}`
  const key =
    alg === 'PS256'
      ? { key: privateKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : { key: privateKeyPem, padding: constants.RSA_PKCS1_PADDING }
  const signature = sign('sha256', Buffer.from(signingInput, 'utf8'), key)
  return `${signingInput}.${signature.toString('base64url')}`
}

/**
 * The proof that lets `POST /applications/{id}/addKey` roll the app's certificate: a JWT
 * signed by a certificate the app already trusts, issued by the application's OBJECT id.
 */
export function certificateProofToken(held: HeldCertificate, applicationObjectId: string, now: Date = new Date()): string {
  const nbf = Math.floor(now.getTime() / 1000)
  return signJwt(
    { x5t: held.x5t },
    { aud: GRAPH_PROOF_AUDIENCE, iss: applicationObjectId, nbf, exp: nbf + PROOF_LIFETIME_SECONDS },
    held.privateKeyPem,
    'RS256'
  )
}
