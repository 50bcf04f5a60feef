/** What this module knows about a certificate that the run holds (with its private key). */
export interface HeldCertificate {
  /** PEM of the X.509 certificate. */
  certificatePem: string
  /** PEM (PKCS#8) of the RSA private key. Secret. */
  privateKeyPem: string
  /** base64 of the DER certificate: the `.cer`, and Graph's keyCredential `key`. */
  derBase64: string
  /** SHA-1 of the DER certificate, upper-case hex (what Windows and Entra show). */
  thumbprint: string
  /** SHA-256 of the DER certificate, upper-case hex. */
  thumbprintSha256: string
  /** base64url SHA-1 thumbprint: the JWT header `x5t`. */
  x5t: string
  /** base64url SHA-256 thumbprint: the JWT header `x5t#S256`. */
  x5tS256: string
  subject: string
  notBefore: Date
  notAfter: Date
  /** RSA modulus length in bits. */
  keySize: number
  /** The PKCS#12 file, base64. Secret. */
  pfxBase64: string
  /** Its password. Secret. */
  pfxPassword: string
}

export type PfxEncryption = 'aes256' | '3des'
export type KeySize = 2048 | 3072 | 4096

export interface NewCertificateOptions {
  /** e.g. `CN=EXO Background Process`. */
  subject: string
  keySize: KeySize
  validityDays: number
  encryption: PfxEncryption
  /** Shown by Windows for the PFX entry, e.g. the app name. */
  friendlyName: string
  /** Clock for tests; defaults to now. */
  now?: Date
}

/** Why a PFX could not be read; `settings.ts` turns each into a sentence naming the input. */
export type PfxProblem =
  | 'not-base64'
  | 'not-pkcs12'
  | 'wrong-password'
  | 'no-certificate'
  | 'no-private-key'
  | 'key-mismatch'
  | 'not-rsa'

export class PfxError extends Error {
  override readonly name = 'PfxError'
  constructor(
    readonly problem: PfxProblem,
    message: string
  ) {
    super(message)
  }
}
