/**
 * Points the action at a running emulator the way a workflow would point it at
 * Microsoft and GitHub: inputs (tenant, provisioning identity, endpoints) and the
 * runner's environment (OIDC request URL, GITHUB_API_URL, the CA to trust). Shared by
 * `npm start` and the end-to-end tests.
 */
import type { Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'

/** The runner environment that reaches the emulator (OIDC token endpoint, GitHub API, CA). */
export function emulatorEnv(emulator: Emulator): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: emulator.caPath,
    GITHUB_API_URL: emulator.urls.github,
    GITHUB_REPOSITORY: `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`,
    ...emulator.oidc.actionsEnv()
  }
}

/** Provision-mode inputs for the emulated tenant, signing in with GitHub OIDC. */
export function provisionInputs(emulator: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    mode: 'provision',
    'tenant-id': emulator.tenant.tenantId,
    'client-id': emulator.provisioning.appId,
    'authority-host': emulator.urls.login,
    'graph-endpoint': emulator.urls.graph,
    ...extra
  }
}

/** Inputs that store the certificate in the emulated repository's secrets. */
export function repositorySecretInputs(): Record<string, string> {
  return {
    'secret-target': 'repository',
    'github-token': GITHUB_SEED.adminToken,
    repository: `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`
  }
}

/** The six secrets as a later run passes them back in (`${{ secrets.EXO_* }}`). */
export function inputsFromStoredSecrets(emulator: Emulator, prefix = 'EXO_'): Record<string, string> {
  const scope = { kind: 'repository' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }
  const value = (name: string): string => emulator.github.secretValue(scope, `${prefix}${name}`) ?? ''
  return {
    'app-id': value('APP_ID'),
    'tenant-id': value('TENANT_ID'),
    organization: value('ORGANIZATION'),
    'pfx-base64': value('CERT_PFX_BASE64'),
    'pfx-password': value('CERT_PASSWORD')
  }
}
