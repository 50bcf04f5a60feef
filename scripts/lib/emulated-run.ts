/**
 * Points the action at a running emulator the way a workflow would point it at
 * Microsoft and GitHub: inputs (tenant, provisioning identity, endpoints) and the
 * runner's environment (OIDC request URL, GITHUB_API_URL, the CA to trust). Shared by
 * `npm start` and the end-to-end tests.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'

/**
 * The runner environment that reaches the emulator (OIDC token endpoint, GitHub API, CA), for
 * a job run by a push to the default branch `main` (the emulated OIDC token's own ref).
 */
export function emulatorEnv(emulator: Emulator): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: emulator.caPath,
    GITHUB_API_URL: emulator.urls.github,
    GITHUB_REPOSITORY: `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`,
    ...githubEventEnv('push', 'refs/heads/main'),
    ...emulator.oidc.actionsEnv()
  }
}

/**
 * GITHUB_EVENT_NAME, GITHUB_REF and GITHUB_EVENT_PATH of a job run for `eventName` on `ref`,
 * in a repository whose default branch is `main`. The payload holds what the runner's does
 * for such events and the action reads (`repository.default_branch`).
 */
export function githubEventEnv(eventName: string, ref: string): Record<string, string> {
  const payload = JSON.stringify({ ref, repository: { full_name: `${GITHUB_SEED.owner}/${GITHUB_SEED.repo}`, default_branch: 'main' } })
  const path = join(tmpdir(), `exo-cba-event-${eventName}-${Buffer.from(ref).toString('hex')}.json`)
  if (!existsSync(path)) {
    // Parallel runs may write it at once: each writes its own file and renames it into place.
    const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`
    writeFileSync(partial, payload)
    renameSync(partial, path)
  }
  return { GITHUB_EVENT_NAME: eventName, GITHUB_REF: ref, GITHUB_EVENT_PATH: path }
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
