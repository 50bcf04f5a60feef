/**
 * GitHub stores Actions secrets encrypted: the client seals each value with the public key
 * of the repository, environment or organization (a libsodium sealed box, X25519 +
 * XSalsa20-Poly1305), and only GitHub holds the private key that opens it.
 */

/** Seals `value` (UTF-8) for GitHub with its base64 public key; returns the base64 box. */
export async function sealSecretValue(value: string, publicKeyBase64: string): Promise<string> {
  // Loaded on first use: libsodium and its WebAssembly (about 1 MB of bundle) are for runs
  // that write secrets only.
  const { default: sodium } = await import('libsodium-wrappers')
  await sodium.ready
  const publicKey = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL)
  const box = sodium.crypto_box_seal(sodium.from_string(value), publicKey)
  return sodium.to_base64(box, sodium.base64_variants.ORIGINAL)
}
