/** The certificate engine: the one place that knows keys, X.509, PKCS#12 and thumbprints. */
export { generateCertificate } from './generate.js'
export { readPfx } from './read-pfx.js'
export { toPfx, newPfxPassword, WINDOWS_KEY_PROVIDER, type PfxOptions } from './pkcs12.js'
export { fingerprints, type CertificateFingerprints } from './thumbprint.js'
export { signJwt, certificateProofToken, GRAPH_PROOF_AUDIENCE, type JwtAlgorithm } from './jwt.js'
export { daysUntil } from './expiry.js'
export { parseSubject } from './subject.js'
export {
  PfxError,
  type HeldCertificate,
  type KeySize,
  type NewCertificateOptions,
  type PfxEncryption,
  type PfxProblem
} from './types.js'
