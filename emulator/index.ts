/** The emulator's public API: start it, then drive it through the returned object. */
export { startEmulator, type Emulator, type EmulatorOptions, type EmulatorUrls, type EmulatorDump } from './server.js'
export { ensureCa, ensureServerCertificate, issueServerCertificate, defaultCaDirectory, type CertificateAuthority } from './ca.js'
export { Faults, type FaultRule, type FaultMatch, type FaultSchedule, type FaultAction, type ActiveFault, type LagSettings, type ServiceName } from './faults.js'
export { RequestLog, type LoggedRequest, type RecordListener } from './log.js'
export { OidcIssuer } from './oidc.js'
export {
  Tenant, DEFAULT_FEDERATED_AUDIENCE, DEFAULT_FEDERATED_SUBJECT,
  type SeedApplication, type TenantOptions, type ProvisioningOptions, type ProvisioningIdentity, type LagKind, type TenantDump
} from './tenant.js'
export { EXCHANGE_ONLINE, MICROSOFT_GRAPH, BUILT_IN_DIRECTORY_ROLES, DEFAULT_APP_WID, DEFAULT_PROVISIONING_GRAPH_PERMISSIONS } from './seed-data.js'
export { parseCertificate, type CertificateInfo } from './x509.js'
export { GitHubEmulator, GITHUB_SEED, type GitHubEmulatorOptions } from './github.js'
export { ApiChecks, type ApiViolation, type ApiChecksSnapshot } from './api-check/api-checks.js'
