/**
 * The names of the Actions secrets the action stores, and GitHub's rules for secret names.
 * Kept free of network and crypto imports so that settings validation can use it.
 */

/** The six secrets a later run (or the everyday EXO job) reads, keyed by what they hold. */
export interface SecretNames {
  appId: string
  tenantId: string
  organization: string
  certThumbprint: string
  certPfxBase64: string
  certPassword: string
}

/** `<prefix>APP_ID`, `<prefix>TENANT_ID`, … as documented in the README (INTERFACE.md). */
export function secretNames(prefix: string): SecretNames {
  return {
    appId: `${prefix}APP_ID`,
    tenantId: `${prefix}TENANT_ID`,
    organization: `${prefix}ORGANIZATION`,
    certThumbprint: `${prefix}CERT_THUMBPRINT`,
    certPfxBase64: `${prefix}CERT_PFX_BASE64`,
    certPassword: `${prefix}CERT_PASSWORD`
  }
}

/**
 * GitHub's naming rules: only letters, digits and underscores; not starting with a digit
 * or with `GITHUB_` (reserved); compared case-insensitively and stored upper-case.
 * Returns a sentence saying what is wrong, or undefined when the name is valid.
 */
export function validateSecretName(name: string): string | undefined {
  if (name.length === 0) return 'A secret name cannot be empty.'
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    return `Secret name '${name}' may only contain letters, digits and underscores (A-Z, a-z, 0-9, _).`
  }
  if (/^[0-9]/.test(name)) return `Secret name '${name}' must not start with a digit.`
  if (/^GITHUB_/i.test(name)) return `Secret name '${name}' must not start with GITHUB_ (GitHub reserves that prefix).`
  return undefined
}

/**
 * Checks a `secret-prefix` input: every name built from it must be a valid secret name.
 * An empty prefix is allowed (the names are then `APP_ID`, `TENANT_ID`, …).
 */
export function validateSecretPrefix(prefix: string): string | undefined {
  if (prefix !== '' && !/^[A-Za-z0-9_]+$/.test(prefix)) {
    return `secret-prefix '${prefix}' may only contain letters, digits and underscores (A-Z, a-z, 0-9, _), because it starts the names of GitHub secrets.`
  }
  if (/^[0-9]/.test(prefix)) {
    return `secret-prefix '${prefix}' must not start with a digit: GitHub secret names cannot.`
  }
  if (/^GITHUB_/i.test(`${prefix}APP_ID`)) {
    return `secret-prefix '${prefix}' must not start with GITHUB_: GitHub reserves that prefix for its own secrets.`
  }
  return undefined
}
