/**
 * Issue 14, the zero-secret option end to end: provision mode with `credential: federated`
 * gives the Exchange app a federated credential for this repository's jobs and stores only
 * the app id, tenant and organization; connect mode exchanges the job's GitHub OIDC token for
 * an Exchange Online token; the emitted script connects with it in real PowerShell (the test
 * double checks the token's signature, audience, expiry, roles and wids) and can sign in
 * again when it runs out. No PFX or password exists anywhere: on disk, in outputs, in secrets.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { ClientAssertionCredential } from '@azure/identity'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import { emulatorEnv, repositorySecretInputs } from '../../scripts/lib/emulated-run.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { renderFederatedConnectScript } from '../../src/powershell/connect-script.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { describeIfPwsh, msalDir } from '../helpers/pwsh.js'
import { dotSourceConnectScript, type DotSourceRun } from '../powershell/dot-source.js'
import { EXCHANGE_ADMINISTRATOR, errorsOf, explain, provision } from '../provision/provision-helpers.js'

const SUBJECT = 'repo:octo/demo:ref:refs/heads/main'
const REPOSITORY = { kind: 'repository' as const, owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo }

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  return entries.flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

describeIfPwsh('credential: federated, from provisioning to a connected PowerShell step', (pwsh) => {
  let dir: string
  let emulator: Emulator
  let action: BundledAction
  let provisioned: ActionRun
  let connected: ActionRun
  /** Every request the connect-mode run made, as `service METHOD path` (the emulator answers them all). */
  let connectRequests: string[]
  let jobs = 0
  const job = () => join(dir, `job-${++jobs}`)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-federated-'))
    emulator = await startEmulator()
    action = new BundledAction()
    provisioned = await provision(action, emulator, { ...repositorySecretInputs(), credential: 'federated' }, { jobDir: job() })
    const secrets = (name: string) => emulator.github.secretValue(REPOSITORY, name) ?? ''
    emulator.log.clear()
    connected = await action.run({
      inputs: {
        mode: 'connect',
        credential: 'federated',
        'app-id': secrets('EXO_APP_ID'),
        'tenant-id': secrets('EXO_TENANT_ID'),
        organization: secrets('EXO_ORGANIZATION'),
        'authority-host': emulator.urls.login
      },
      env: emulatorEnv(emulator),
      skipPost: true,
      jobDir: job()
    })
    connectRequests = emulator.log.list().map(entry => `${entry.service} ${entry.method} ${entry.path.split('?')[0]}`)
  }, 180_000)

  afterAll(async () => {
    action?.cleanup()
    await emulator?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** A later job in connect mode with credential: federated (the runner's environment unless given). */
  function connectJob(env: Record<string, string> = emulatorEnv(emulator)): Promise<ActionRun> {
    return action.run({
      inputs: {
        mode: 'connect',
        credential: 'federated',
        'app-id': connected.outputs['app-id'],
        'tenant-id': emulator.tenant.tenantId,
        organization: 'contoso.onmicrosoft.com',
        'authority-host': emulator.urls.login
      },
      env,
      jobDir: job()
    })
  }

  /** Dot-sources a script as a later step of the same job: the runner's OIDC variables, the emulator's CA. */
  function dotSource(script: { path: string }, then: string[] = []): Promise<DotSourceRun> {
    return dotSourceConnectScript(pwsh, dir, script, {
      env: {
        EXO_CBA_TEST_AUTHORITY: emulator.urls.login,
        EXO_CBA_TEST_CA_FILE: emulator.caPath,
        EXO_CBA_MSAL_DIR: msalDir(),
        // Invoke-RestMethod (Update-ExoCbaConnection) trusts the emulator through .NET's OpenSSL store.
        SSL_CERT_FILE: emulator.caPath,
        ...emulator.oidc.actionsEnv()
      },
      then
    })
  }

  it('provision mode: app, consent, role and a federated credential for this job; no certificate', () => {
    if (provisioned.main.exitCode !== 0) throw new Error(explain(provisioned))
    const app = emulator.tenant.applicationByAppId(provisioned.outputs['app-id'], true)!
    expect(app.keyCredentials).toEqual([])
    expect(app.federatedIdentityCredentials.map(f => ({ subject: f.subject, issuer: f.issuer, audiences: f.audiences }))).toEqual([
      { subject: SUBJECT, issuer: emulator.urls.oidc, audiences: ['api://AzureADTokenExchange'] }
    ])
    expect(app.federatedIdentityCredentials[0].name).toMatch(/^exo-cba-repo-octo-demo-ref-refs-heads-main-[0-9a-f]{8}$/)
    expect(provisioned.outputs.credential).toBe('federated')
    expect(provisioned.main.stdout).toMatch(/Verified: a token from this job's GitHub OIDC token carries Exchange\.ManageAsApp and Exchange Administrator/)
    expect(provisioned.summary).toMatch(/### Credential: federated \(no stored secret\)/)
  })

  it('no PFX or password anywhere: outputs, secrets, files', () => {
    for (const run of [provisioned, connected]) {
      for (const name of ['pfx-base64', 'pfx-password', 'pfx-path', 'certificate-thumbprint', 'certificate-der-base64']) {
        expect(run.outputs).not.toHaveProperty(name)
      }
      expect(filesUnder(run.runnerTemp).filter(path => /\.pfx|password/i.test(path))).toEqual([])
    }
    expect(emulator.github.secretNames(REPOSITORY).sort()).toEqual(['EXO_APP_ID', 'EXO_ORGANIZATION', 'EXO_TENANT_ID'])
  })

  it('connect mode: a token file (0600), its expiry, and a script; the token in no output, log or summary', () => {
    if (connected.main.exitCode !== 0) throw new Error(explain(connected))
    expect(connected.outputs.credential).toBe('federated')
    const path = connected.outputs['access-token-path']
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const token = readFileSync(path, 'utf8')
    expect(token.split('.')).toHaveLength(3)
    expect(Date.parse(connected.outputs['access-token-expires-on'])).toBeGreaterThan(Date.now() + 30 * 60_000)
    expect(connected.main.masks).toContain(token)
    for (const text of [connected.main.stdout.replace(/^::add-mask::.*$/gm, ''), connected.main.stderr, connected.summary, JSON.stringify(connected.outputs), readFileSync(connected.outputs['connect-script'], 'utf8')]) {
      expect(text).not.toContain(token)
    }
    // What SECURITY.md says connect mode with credential: federated does: it asks the runner for
    // the job's OIDC token and exchanges it at Entra ID (the tenant's sign-in metadata, then the
    // token endpoint); nothing else: no Graph, no GitHub API.
    expect(connectRequests).toContain('oidc GET /token')
    expect(connectRequests.filter(request => /^login POST /.test(request)).length).toBeGreaterThan(0)
    expect(
      connectRequests.filter(
        request => !/^oidc GET \/token$|^login POST \/[0-9a-f-]+\/oauth2\/v2\.0\/token$|^login GET \/[0-9a-f-]+\/v2\.0\/\.well-known\/openid-configuration$/.test(request)
      )
    ).toEqual([])
  })

  it('the script connects Exchange Online with the token: signed by Entra, for Exchange, carrying the grant and the role', async () => {
    const run = await dotSource({ path: connected.outputs['connect-script'] })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.records.map(r => r.command)).toEqual(['Connect-ExchangeOnline'])
    expect(run.records[0].parameters).toEqual({ AccessToken: { type: 'AccessToken' }, Organization: 'contoso.onmicrosoft.com', ShowBanner: false })
    expect(run.records[0].token?.claims).toMatchObject({ aud: 'https://outlook.office365.com', appid: connected.outputs['app-id'], roles: ['Exchange.ManageAsApp'] })
    expect(run.records[0].token?.claims.wids).toContain(EXCHANGE_ADMINISTRATOR)
    expect(run.after?.exoCba).toMatchObject({ AppId: connected.outputs['app-id'], Credential: 'federated', SecurityAndCompliance: false })
    expect(run.after?.leftovers).toEqual([])
    const token = readFileSync(connected.outputs['access-token-path'], 'utf8')
    for (const text of [run.stdout, run.transcript]) expect(text).not.toContain(token)
  }, 120_000)

  it('Update-ExoCbaConnection signs in again with a fresh GitHub OIDC token, and masks the new token', async () => {
    const run = await dotSource({ path: connected.outputs['connect-script'] }, ['Update-ExoCbaConnection'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.records.map(r => r.command)).toEqual(['Connect-ExchangeOnline', 'Connect-ExchangeOnline'])
    expect(run.records[1].token?.claims).toMatchObject({ aud: 'https://outlook.office365.com', roles: ['Exchange.ManageAsApp'] })
    expect(run.stdout).toMatch(/Signed in again; the new access token expires at \d{4}-\d\d-\d\dT/)
    // The runner is told to mask the new tokens (a fresh OIDC token and the access token).
    expect(run.stdout.match(/^::add-mask::\S+$/gm)).toHaveLength(2)
  }, 120_000)

  it('Update-ExoCbaConnection after Disconnect-ExoCba connects again and gives back $global:ExoCba', async () => {
    const run = await dotSource({ path: connected.outputs['connect-script'] }, [
      'Disconnect-ExoCba',
      "Write-Output ('DISCONNECTED ' + [bool](Get-Variable -Name ExoCba -Scope Global -ErrorAction SilentlyContinue) + ' ' + @(Get-ConnectionInformation).Count)",
      'Update-ExoCbaConnection',
      "Write-Output ('CONNECTIONS ' + @(Get-ConnectionInformation).Count)"
    ])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^DISCONNECTED False 0$/m)
    expect(run.records.map(r => r.command)).toEqual(['Connect-ExchangeOnline', 'Connect-ExchangeOnline'])
    expect(run.records[1].token?.claims).toMatchObject({ aud: 'https://outlook.office365.com', roles: ['Exchange.ManageAsApp'] })
    expect(run.stdout).toMatch(/^CONNECTIONS 1$/m)
    expect(run.after?.exoCba).toMatchObject({
      AppId: connected.outputs['app-id'],
      Organization: 'contoso.onmicrosoft.com',
      Credential: 'federated',
      ExchangeEnvironmentName: 'O365Default',
      SecurityAndCompliance: false
    })
    expect(Date.parse(String(run.after?.exoCba?.AccessTokenExpiresOn))).toBeGreaterThan(Date.now() + 30 * 60_000)
  }, 120_000)

  it('the test double refuses an expired token, and one for another service', async () => {
    const appId = connected.outputs['app-id']
    const credential = () =>
      new ClientAssertionCredential(emulator.tenant.tenantId, appId, async () => emulator.oidc.issueToken({}), {
        authorityHost: emulator.urls.login,
        disableInstanceDiscovery: true
      })
    emulator.accessTokenLifetimeSeconds = 1
    const expired = (await credential().getToken('https://outlook.office365.com/.default')).token
    emulator.accessTokenLifetimeSeconds = 3599
    const compliance = (await credential().getToken('https://ps.compliance.protection.outlook.com/.default')).token
    await new Promise(resolve => setTimeout(resolve, 2000))
    for (const [name, token, refusal] of [
      ['expired', expired, /The access token expired at/],
      ['compliance', compliance, /The access token is for 'https:\/\/ps\.compliance\.protection\.outlook\.com', not for https:\/\/outlook\.office365\.com/]
    ] as const) {
      const tokenPath = join(dir, `${name}.token`)
      await writeFile(tokenPath, token, { mode: 0o600 })
      const scriptPath = join(dir, `${name}.ps1`)
      await writeFile(scriptPath, renderFederatedConnectScript({
        appId,
        organization: 'contoso.onmicrosoft.com',
        cloud: 'global',
        exchangeEnvironmentName: 'O365Default',
        connectIppsSession: false,
        exchangeTokenPath: tokenPath,
        // Claimed to be good for an hour, so the script uses the file rather than signing in again.
        expiresOn: new Date(Date.now() + 3600_000),
        tokenEndpoint: `${emulator.urls.login}/${emulator.tenant.tenantId}/oauth2/v2.0/token`,
        audience: 'api://AzureADTokenExchange',
        exchangeResource: 'https://outlook.office365.com',
        complianceResource: 'https://ps.compliance.protection.outlook.com'
      }))
      const run = await dotSource({ path: scriptPath })
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(refusal)
    }
  }, 120_000)

  it('a job whose subject no credential trusts: the exact subject, and the credential to add', async () => {
    emulator.oidc.subject = 'repo:octo/demo:environment:prod'
    try {
      const run = await connectJob()
      expect(run.main.exitCode).toBe(1)
      const error = errorsOf(run).join('\n')
      expect(error).toContain(`The token says: issuer ${emulator.urls.oidc}, subject 'repo:octo/demo:environment:prod', audience 'api://AzureADTokenExchange'`)
      expect(error).toContain("Add 'repo:octo/demo:environment:prod' to federated-subjects in the provisioning workflow")
      expect(error).toContain(
        `az ad app federated-credential create --id ${connected.outputs['app-id']} --parameters '{"name":"exo-jobs","issuer":"${emulator.urls.oidc}","subject":"repo:octo/demo:environment:prod","audiences":["api://AzureADTokenExchange"]}'`
      )
    } finally {
      emulator.oidc.subject = SUBJECT
    }
  }, 120_000)

  it('a job without id-token: write: says so', async () => {
    const env = emulatorEnv(emulator)
    delete env.ACTIONS_ID_TOKEN_REQUEST_URL
    delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
    const run = await connectJob(env)
    expect(run.main.exitCode).toBe(1)
    expect(errorsOf(run).join('\n')).toMatch(/credential: federated signs in with this job's GitHub OIDC token, but this job cannot request one\. Add `permissions: id-token: write`/)
  }, 60_000)

  it("the post step removes the token files", async () => {
    const run = await connectJob()
    expect(run.main.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
    expect(filesUnder(run.runnerTemp)).toEqual([])
  }, 60_000)
}, { msal: true })
