import { type KeyObject, X509Certificate } from 'node:crypto'
import { fingerprints } from './thumbprint.js'
import type { HeldCertificate } from './types.js'

/**
 * Describes a certificate and its private key as the rest of the action sees them. The
 * thumbprints are computed over the certificate's original DER bytes, never a re-encoding.
 */
export function describeHeldCertificate(
  certificate: X509Certificate,
  privateKey: KeyObject,
  pfx: { pfxBase64: string; pfxPassword: string }
): HeldCertificate {
  const keySize = privateKey.asymmetricKeyDetails?.modulusLength
  if (keySize === undefined) throw new Error('The private key is not an RSA key.')
  return {
    certificatePem: certificate.toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ...fingerprints(certificate.raw),
    subject: formatSubject(certificate),
    notBefore: certificate.validFromDate,
    notAfter: certificate.validToDate,
    keySize,
    pfxBase64: pfx.pfxBase64,
    pfxPassword: pfx.pfxPassword
  }
}

/** `CN=x, O=y` in the certificate's own order (Node lists one attribute per line). */
function formatSubject(certificate: X509Certificate): string {
  return certificate.subject.split('\n').filter(Boolean).join(', ')
}
