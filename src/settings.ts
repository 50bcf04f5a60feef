import type { Cloud } from './cloud.js'
import type { HeldCertificate, KeySize, PfxEncryption } from './certificate/types.js'
import type { DirectoryRole } from './entra/well-known.js'

export type Mode = 'provision' | 'connect'
export type SecretTarget = 'none' | 'repository' | 'environment' | 'organization'
export type SignInMethod = 'client-secret' | 'client-certificate' | 'github-oidc'
export type OrganizationSecretVisibility = 'private' | 'all' | 'selected'

/** Every input of the action, read once and validated once. Nothing else reads inputs. */
export interface Settings {
  mode: Mode
  /** Tenant GUID or verified domain; always set in provision mode. */
  tenantId?: string
  /** Primary `*.onmicrosoft.com` domain; discovered in provision mode when not given. */
  organization?: string
  app: {
    /** Target this existing app (provision), or the app to sign in as (connect). */
    id?: string
    name: string
  }
  /** Directory roles to assign; empty for `roles: none`. */
  roles: DirectoryRole[]
  cloud: Cloud
  signIn: {
    method: SignInMethod
    clientId?: string
    clientSecret?: string
    /** PEM with the private key and the certificate (a PFX input is converted). */
    clientCertificatePem?: string
    audience: string
  }
  newCertificate: {
    subject: string
    keySize: KeySize
    validityDays: number
    encryption: PfxEncryption
  }
  rotateBeforeDays: number
  /** The certificate this pipeline holds (`pfx-base64` + `pfx-password`), already opened. */
  held?: HeldCertificate
  secrets: {
    target: SecretTarget
    environment?: string
    prefix: string
    githubToken?: string
    repository?: { owner: string; repo: string }
    visibility: OrganizationSecretVisibility
    selectedRepositories: string[]
    /** GITHUB_API_URL, e.g. https://api.github.com (or a GHES /api/v3). */
    apiUrl: string
  }
  verify: { enabled: boolean; timeoutSeconds: number }
  dryRun: boolean
  connectScriptPath: string
  connectIppsSession: boolean
  /** RUNNER_TEMP: where files with secrets go (removed by the post step). */
  runnerTemp: string
}
