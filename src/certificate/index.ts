/** The certificate engine: the one place that knows keys, X.509, PKCS#12 and thumbprints. */
export { generateCertificate } from './generate.js'
export { readPfx } from './read-pfx.js'
export { toPfx, newPfxPassword } from './pkcs12.js'
export { fingerprints } from './thumbprint.js'
export { signJwt, certificateProofToken } from './jwt.js'
export { CLOCK_SKEW_MS, DAY_MS, daysUntil } from './expiry.js'
export { parseSubject } from './subject.js'
export { PfxError, type HeldCertificate, type PfxEncryption, type PfxProblem } from './types.js'
