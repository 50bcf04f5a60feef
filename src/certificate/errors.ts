/** Internal errors of the PKCS#12 reader; `readPfx` turns each into a PfxError. */

/** Decryption failed its padding check or produced garbage: the password is wrong. */
export class DecryptError extends Error {
  override readonly name = 'DecryptError'
}

/** The file uses an algorithm (or parameter) this module does not implement; the message names it. */
export class UnsupportedAlgorithmError extends Error {
  override readonly name = 'UnsupportedAlgorithmError'
}
