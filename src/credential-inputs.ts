/**
 * Opens the inputs that carry a certificate with its private key: `pfx-base64` (the
 * certificate this pipeline holds) and `client-certificate` (the provisioning identity's),
 * with their passwords. Each problem becomes a sentence that names the input; key material
 * taken out of an input is masked before anything can log it. `readSettings` calls this
 * after the inputs themselves have been parsed; the certificate engine (`certificate/`)
 * does the cryptography.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto'
import { CLOCK_SKEW_MS, readPfx } from './certificate/index.js'
import { PfxError, type HeldCertificate, type PfxProblem } from './certificate/types.js'
import { UserError } from './errors.js'

/** Registers a secret so the runner masks it in every later log line. */
export interface Masker {
  mask(value: string): void
}

/**
 * Masks a secret and, for multi-line values such as PEM, each line on its own: the
 * runner matches masks line by line, so a multi-line mask alone would never match.
 */
export function maskSecret(masker: Masker, value: string): void {
  if (value.trim() === '') return
  masker.mask(value)
  if (!/[\r\n]/.test(value)) return
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim()
    // PEM armour lines are public and would only add noise to the mask list.
    if (trimmed.length >= 8 && !trimmed.startsWith('-----')) masker.mask(trimmed)
  }
}

/** The provisioning identity's certificate as @azure/identity takes it. */
export interface ClientCertificate {
  /** PEM with the private key and the certificate. */
  pem: string
  /** The password of an encrypted private key in `pem`; undefined when it is not encrypted. */
  password?: string
}

/**
 * Opens `client-certificate`: PEM (private key + certificate, the key possibly encrypted
 * with `client-certificate-password`) or a base64 PFX, which is converted to PEM. The key
 * must be RSA: Entra ID verifies client assertions signed with RS256 or PS256 only.
 */
export function openClientCertificate(masker: Masker, value: string, password: string): ClientCertificate {
  if (value.includes('-----BEGIN')) return openClientCertificatePem(value, password)
  const held = openPfx(masker, value, password, 'client-certificate', 'client-certificate-password')
  return { pem: `${held.privateKeyPem.trim()}\n${held.certificatePem.trim()}\n` }
}

const PRIVATE_KEY_BLOCK = /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END \1PRIVATE KEY-----/
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/

function openClientCertificatePem(value: string, password: string): ClientCertificate {
  const keyBlock = PRIVATE_KEY_BLOCK.exec(value)?.[0]
  const certificateBlock = CERTIFICATE_BLOCK.exec(value)?.[0]
  if (keyBlock === undefined || certificateBlock === undefined) {
    throw new UserError(
      "Input 'client-certificate' is PEM but must hold both the private key (-----BEGIN PRIVATE KEY-----) and the certificate (-----BEGIN CERTIFICATE-----).",
      { input: 'client-certificate' }
    )
  }
  // PKCS#8 `ENCRYPTED PRIVATE KEY`, or OpenSSL's traditional form with a Proc-Type header.
  const encrypted = keyBlock.startsWith('-----BEGIN ENCRYPTED') || /^Proc-Type:\s*4,ENCRYPTED/m.test(keyBlock)
  if (encrypted && password === '') {
    throw new UserError(
      "The private key in 'client-certificate' is encrypted, and 'client-certificate-password' is empty: pass the key's password in client-certificate-password (from a secret), or give the key unencrypted (-----BEGIN PRIVATE KEY-----).",
      { input: 'client-certificate-password' }
    )
  }
  let key: KeyObject
  try {
    key = createPrivateKey(encrypted ? { key: keyBlock, format: 'pem', passphrase: password } : { key: keyBlock, format: 'pem' })
  } catch (error) {
    if (encrypted) {
      throw new UserError(
        "Input 'client-certificate-password' does not open the encrypted private key in 'client-certificate'. Check that both secrets belong to the same key.",
        { input: 'client-certificate-password', cause: error }
      )
    }
    throw new UserError(`The private key in 'client-certificate' cannot be read (${(error as Error).message}).`, {
      input: 'client-certificate',
      cause: error
    })
  }
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(certificateBlock)
  } catch (error) {
    throw new UserError(`The certificate in 'client-certificate' cannot be read (${(error as Error).message}).`, {
      input: 'client-certificate',
      cause: error
    })
  }
  if (key.asymmetricKeyType !== 'rsa') throw new UserError(notRsaSentence('client-certificate', key.asymmetricKeyType), { input: 'client-certificate' })
  if (!certificate.checkPrivateKey(key)) {
    throw new UserError(
      "The private key in 'client-certificate' does not belong to its certificate (the first -----BEGIN CERTIFICATE----- block). Pass the certificate together with its own key.",
      { input: 'client-certificate' }
    )
  }
  // @azure/identity decrypts the key itself when it is given the password; the original
  // PEM is passed on, so no decrypted copy of the key is kept here.
  return encrypted ? { pem: value, password } : { pem: value }
}

/** The inputs of the certificate this pipeline holds, and what the run may do about a bad one. */
export interface HeldCertificateInputs {
  pfxBase64: string
  password: string
  /** Connect mode signs in with the certificate, so an unusable one stops the run. */
  mode: 'provision' | 'connect'
  /**
   * Provision mode storing secrets can repair a PFX whose password does not open it (an
   * interrupted earlier run): it makes and stores a new certificate.
   */
  repairable: boolean
}

/**
 * Opens `pfx-base64` with `pfx-password` and judges its dates against `now`. Returns the
 * certificate (undefined when a repairable pair does not open) and the warnings to show.
 */
export function openHeldCertificate(
  masker: Masker,
  inputs: HeldCertificateInputs,
  now: Date
): { held: HeldCertificate | undefined; warnings: string[] } {
  const { mode } = inputs
  const held = openPfx(masker, inputs.pfxBase64, inputs.password, 'pfx-base64', 'pfx-password', inputs.repairable)
  if (held === undefined) {
    return {
      held: undefined,
      warnings: [
        "Input 'pfx-password' does not open the PFX in 'pfx-base64': the stored secrets disagree with each other, as an interrupted earlier run leaves them. A new certificate will be created and all six secrets written again; this pipeline's certificates already on the app stay until they expire or revoke-previous removes them."
      ]
    }
  }
  const problem =
    held.notAfter.getTime() <= now.getTime()
      ? `expired on ${held.notAfter.toISOString()}`
      : held.notBefore.getTime() > now.getTime() + CLOCK_SKEW_MS
        ? `is not valid before ${held.notBefore.toISOString()}`
        : undefined
  if (problem === undefined) return { held, warnings: [] }
  const what = `The certificate in 'pfx-base64' (thumbprint ${held.thumbprint}) ${problem}`
  if (mode === 'connect') {
    throw new UserError(
      `${what}. Run this action in provision mode to rotate it (a scheduled rotation workflow keeps this from happening), then use the new secrets.`,
      { input: 'pfx-base64' }
    )
  }
  // Provision mode does not sign in with the held certificate, so it can replace it.
  return { held, warnings: [`${what}; a new certificate will be created.`] }
}

/**
 * Opens a PFX input (once: the PKCS#12 key derivation is the slow part), or explains why it
 * cannot. With `wrongPasswordRepairable`, a readable PFX with the wrong password gives
 * undefined instead of an error.
 */
function openPfx(masker: Masker, value: string, password: string, input: string, passwordInput: string): HeldCertificate
function openPfx(
  masker: Masker,
  value: string,
  password: string,
  input: string,
  passwordInput: string,
  wrongPasswordRepairable: boolean
): HeldCertificate | undefined
function openPfx(
  masker: Masker,
  value: string,
  password: string,
  input: string,
  passwordInput: string,
  wrongPasswordRepairable = false
): HeldCertificate | undefined {
  try {
    const held = readPfx(value, password)
    // The key taken out of the PFX is as secret as the PFX: mask it before anything logs.
    maskSecret(masker, held.privateKeyPem)
    return held
  } catch (error) {
    if (!(error instanceof PfxError)) throw error
    if (wrongPasswordRepairable && error.problem === 'wrong-password') return undefined
    // For an unreadable file the engine's own message names the algorithm or limit at fault.
    const detail = error.problem === 'not-pkcs12' ? ` (${error.message})` : ''
    throw new UserError(`${pfxProblemSentence(error.problem, input, passwordInput)}${detail}`, { input, cause: error })
  }
}

function pfxProblemSentence(problem: PfxProblem, input: string, passwordInput: string): string {
  switch (problem) {
    case 'not-base64':
      return `Input '${input}' is not base64. Pass the PFX file base64-encoded on one line, e.g. \`base64 -w0 cert.pfx\` (Linux) or [Convert]::ToBase64String([IO.File]::ReadAllBytes('cert.pfx')) (PowerShell).`
    case 'not-pkcs12':
      return `Input '${input}' is base64 but not a PKCS#12 (.pfx) file. Export the certificate with its private key as .pfx, then base64-encode it.`
    case 'wrong-password':
      return `Input '${passwordInput}' does not open the PFX in '${input}'. Check that both come from the same run (e.g. the EXO_CERT_PASSWORD and EXO_CERT_PFX_BASE64 secrets).`
    case 'no-certificate':
      return `The PFX in '${input}' holds no certificate. Export it with its certificate and private key.`
    case 'no-private-key':
      return `The PFX in '${input}' holds no private key, so it cannot sign in. Export it again including the private key ("Yes, export the private key").`
    case 'key-mismatch':
      return `The private key in the PFX in '${input}' does not belong to its certificate. Export the certificate together with its own key.`
    case 'not-rsa':
      return input === 'client-certificate'
        ? notRsaSentence(input, undefined)
        : `The PFX in '${input}' has a non-RSA key. Entra ID certificate credentials for Exchange Online need an RSA key; let provision mode create one.`
  }
}

/** Why a non-RSA client certificate cannot sign in, and how to make one that can. */
function notRsaSentence(input: string, keyType: string | undefined): string {
  const what = keyType === undefined ? 'a non-RSA key' : `a key of type ${keyType.toUpperCase()}`
  return (
    `The certificate in '${input}' has ${what}, and Entra ID signs in apps only with RSA certificates (client assertions are verified as RS256 or PS256), so it could never sign in. ` +
    'Make an RSA certificate, e.g. `openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes -subj "/CN=exo-provisioning" -keyout key.pem -out cert.pem`, ' +
    "upload cert.pem to the provisioning app (Entra admin center → App registrations → the app → Certificates & secrets), and pass key.pem and cert.pem together (`cat key.pem cert.pem`) as client-certificate."
  )
}
