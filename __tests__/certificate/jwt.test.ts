import { describe, expect, it } from '@jest/globals'
import { X509Certificate, constants, createVerify } from 'node:crypto'
import { certificateProofToken, generateCertificate, signJwt } from '../../src/certificate/index.js'

const held = generateCertificate({
  subject: 'CN=JWT signer',
  keySize: 2048,
  validityDays: 30,
  encryption: 'aes256',
  friendlyName: 'JWT signer'
})
const publicKey = new X509Certificate(held.certificatePem).publicKey

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signature: Buffer } {
  const [header, claims, signature] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')),
    signature: Buffer.from(signature, 'base64url')
  }
}

describe('signJwt', () => {
  // Claims whose JSON length forces '=' padding in plain base64, to prove none is emitted.
  const claims = { sub: 'a', n: 1 }

  it('RS256: compact JWS whose signature verifies with the certificate public key', () => {
    const token = signJwt({ x5t: held.x5t }, claims, held.privateKeyPem, 'RS256')
    expect(token.split('.')).toHaveLength(3)
    expect(token).not.toContain('=')
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    const { header, claims: decoded, signature } = decode(token)
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', x5t: held.x5t })
    expect(decoded).toEqual(claims)
    const signingInput = token.slice(0, token.lastIndexOf('.'))
    expect(createVerify('RSA-SHA256').update(signingInput).verify(publicKey, signature)).toBe(true)
    expect(createVerify('RSA-SHA256').update(`${signingInput}x`).verify(publicKey, signature)).toBe(false)
  })

  it('PS256: RSASSA-PSS with SHA-256 that verifies, and alg in the header follows the argument', () => {
    const token = signJwt({ alg: 'none', 'x5t#S256': held.x5tS256 }, claims, held.privateKeyPem, 'PS256')
    const { header, signature } = decode(token)
    expect(header.alg).toBe('PS256')
    const signingInput = token.slice(0, token.lastIndexOf('.'))
    const verify = (padding: number) =>
      createVerify('RSA-SHA256')
        .update(signingInput)
        .verify({ key: publicKey, padding, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature)
    expect(verify(constants.RSA_PKCS1_PSS_PADDING)).toBe(true)
    expect(verify(constants.RSA_PKCS1_PADDING)).toBe(false)
  })
})

describe('certificateProofToken', () => {
  it('is the Graph addKey proof: aud, iss = application object id, 10-minute lifetime, x5t, RS256', () => {
    const now = new Date('2030-05-01T10:00:00.900Z')
    const token = certificateProofToken(held, '11111111-2222-3333-4444-555555555555', now)
    const { header, claims, signature } = decode(token)
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', x5t: held.x5t })
    expect(claims).toEqual({
      aud: '00000002-0000-0000-c000-000000000000',
      iss: '11111111-2222-3333-4444-555555555555',
      nbf: 1903860000,
      exp: 1903860000 + 600
    })
    expect(token).not.toContain('=')
    const signingInput = token.slice(0, token.lastIndexOf('.'))
    expect(createVerify('RSA-SHA256').update(signingInput).verify(publicKey, signature)).toBe(true)
  })
})
