import { createHash } from 'node:crypto'

/** The ways Windows, Entra ID and JWT headers name one certificate. */
export interface CertificateFingerprints {
  /** base64 of the DER certificate (Graph keyCredential `key`, the `.cer`). */
  derBase64: string
  /** SHA-1, upper-case hex: what Windows, Entra and `-CertificateThumbprint` show. */
  thumbprint: string
  /** SHA-256, upper-case hex. */
  thumbprintSha256: string
  /** base64url SHA-1, no padding: JWT header `x5t`. */
  x5t: string
  /** base64url SHA-256, no padding: JWT header `x5t#S256`. */
  x5tS256: string
}

export function fingerprints(certificateDer: Buffer): CertificateFingerprints {
  const sha1 = createHash('sha1').update(certificateDer).digest()
  const sha256 = createHash('sha256').update(certificateDer).digest()
  return {
    derBase64: certificateDer.toString('base64'),
    thumbprint: sha1.toString('hex').toUpperCase(),
    thumbprintSha256: sha256.toString('hex').toUpperCase(),
    // Node's base64url never pads.
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url')
  }
}
