/**
 * Connect mode: the everyday job. No Graph. With `credential: certificate`, no network at
 * all: it takes the certificate held in secrets (already opened and checked by settings.ts),
 * writes it for PowerShell, emits the connect script, and warns well before the certificate
 * expires. With `credential: federated`, nothing is held: it exchanges this job's GitHub OIDC
 * token for an Exchange Online access token, and the script connects with that.
 */
import * as core from '@actions/core'
import { daysUntil } from './certificate/index.js'
import { emitConnectFiles, emitFederatedConnectFiles } from './connect-files.js'
import { UserError } from './errors.js'
import { setActionOutputs } from './report/outputs.js'
import { requestGitHubIdToken } from './runner/github-oidc.js'
import { writeSummary } from './report/summary.js'
import type { Settings } from './settings.js'

export async function runConnect(settings: Settings, now: Date): Promise<void> {
  if (settings.credential.kind === 'federated') return runFederatedConnect(settings)
  const held = settings.held
  const appId = settings.app.id
  const organization = settings.organization
  // settings.ts guarantees these in connect mode; this keeps the types honest.
  if (held === undefined || appId === undefined || organization === undefined) {
    throw new UserError("Connect mode needs 'pfx-base64', 'app-id' and 'organization'.")
  }

  const daysLeft = daysUntil(held.notAfter, now)
  const notes: string[] = []
  if (daysLeft <= settings.rotateBeforeDays) {
    const message = `The Exchange Online certificate ${held.thumbprint} expires in ${daysLeft} day(s), on ${held.notAfter.toISOString()}. Run this action in provision mode with the held certificate (the scheduled rotation workflow) to renew it before jobs start failing.`
    core.warning(message, { title: 'Exchange Online certificate expires soon' })
    notes.push(message)
  }

  const files = await emitConnectFiles(settings, held, { appId, organization })
  core.info(`Certificate ${held.thumbprint} (expires ${held.notAfter.toISOString()}, ${daysLeft} days left) for app ${appId} in ${organization}.`)
  core.info(`Connect script: ${files.scriptPath} — dot-source it in a pwsh step: . '${files.scriptPath}'`)

  setActionOutputs({
    appId,
    tenantId: settings.tenantId,
    organization,
    certificate: held,
    pfx: { base64: held.pfxBase64, password: held.pfxPassword, path: files.pfxPath },
    connectScript: files.scriptPath,
    credential: 'certificate',
    rotated: false,
    changes: []
  })
  await writeSummary({
    title: 'Exchange Online: ready to connect',
    app: { id: appId },
    tenantId: settings.tenantId,
    organization,
    certificate: { thumbprint: held.thumbprint, notAfter: held.notAfter, daysLeft },
    connectScript: files.scriptPath,
    notes
  })
}

async function runFederatedConnect(settings: Settings): Promise<void> {
  const appId = settings.app.id
  const organization = settings.organization
  const tenantId = settings.tenantId
  // settings.ts guarantees these in connect mode with credential: federated.
  if (appId === undefined || organization === undefined || tenantId === undefined) {
    throw new UserError("Connect mode with credential: federated needs 'app-id', 'organization' and 'tenant-id'.")
  }
  // The jobs' audience (federated-audience): settings.ts sets it whenever credential is federated.
  const audience = settings.credential.kind === 'federated' ? settings.credential.audience : settings.signIn.audience
  // Entra sign-in (msal) is loaded for this path only: a certificate job never parses it.
  const { federatedExchangeTokens } = await import('./entra/exchange-token.js')
  const tokens = await federatedExchangeTokens(
    {
      tenantId,
      appId,
      cloud: settings.cloud,
      audience,
      assertion: () =>
        requestGitHubIdToken(
          audience,
          'credential: federated signs in with this job\'s GitHub OIDC token, but this job cannot request one. Add `permissions: id-token: write` (and `contents: read`) to the job or workflow.'
        )
    },
    settings.connectIppsSession
  )
  // Registered before anything could print them.
  core.setSecret(tokens.exchange.token)
  if (tokens.compliance !== undefined) core.setSecret(tokens.compliance.token)

  const files = await emitFederatedConnectFiles(settings, tokens, { appId, organization, tenantId })
  const expiresOn = tokens.exchange.expiresOn
  core.info(`Signed in as app ${appId} in ${organization} with this job's GitHub OIDC token (credential: federated); the access token expires at ${expiresOn.toISOString()}.`)
  core.info(`Connect script: ${files.scriptPath} — dot-source it in a pwsh step: . '${files.scriptPath}'`)

  setActionOutputs({
    appId,
    tenantId,
    organization,
    connectScript: files.scriptPath,
    credential: 'federated',
    accessToken: { path: files.exchangeTokenPath, expiresOn },
    rotated: false,
    changes: []
  })
  await writeSummary({
    title: 'Exchange Online: ready to connect (federated, no stored secret)',
    app: { id: appId },
    tenantId,
    organization,
    credential: { kind: 'federated', expiresOn },
    connectScript: files.scriptPath,
    notes: [
      `The access token expires at ${expiresOn.toISOString()}. A step that runs longer calls Update-ExoCbaConnection (defined by the connect script) to sign in again with a fresh GitHub OIDC token.`
    ]
  })
}
