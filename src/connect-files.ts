/**
 * Everything a later PowerShell step needs to connect: the PFX and its password as files
 * only this user can read under RUNNER_TEMP, and the connect script that loads them. Both
 * modes end with this. The post step removes all of it (the script only while it is still
 * the file written here).
 */
import { readFile } from 'node:fs/promises'
import type { HeldCertificate } from './certificate/types.js'
import { UserError } from './errors.js'
import type { ExchangeTokens } from './entra/exchange-token.js'
import { renderConnectScript, renderFederatedConnectScript, writeConnectScript } from './powershell/connect-script.js'
import { writeCertificateFiles, writeTokenFiles, type CertificateFiles, type TokenFiles } from './runner/secret-files.js'
import { CONNECT_SCRIPT_MARK, rememberConnectScript } from './runner/state.js'
import type { Settings } from './settings.js'

export interface ConnectFiles extends CertificateFiles {
  scriptPath: string
}

export async function emitConnectFiles(
  settings: Settings,
  held: HeldCertificate,
  target: { appId: string; organization: string }
): Promise<ConnectFiles> {
  const files = await writeCertificateFiles(settings.runnerTemp, held.pfxBase64, held.pfxPassword)
  const script = renderConnectScript({
    appId: target.appId,
    organization: target.organization,
    pfxPath: files.pfxPath,
    pfxPasswordPath: files.passwordPath,
    exchangeEnvironmentName: settings.cloud.exchangeEnvironmentName,
    connectIppsSession: settings.connectIppsSession,
    cloud: settings.cloud.name,
    thumbprint: held.thumbprint,
    notAfter: held.notAfter
  })
  rememberConnectScript(settings.connectScriptPath)
  await writeConnectScript(settings.connectScriptPath, script)
  return { ...files, scriptPath: settings.connectScriptPath }
}

export interface FederatedConnectFiles extends TokenFiles {
  scriptPath: string
}

/**
 * `credential: federated`: the access tokens as 0600 files and the script that connects with
 * them (and can get fresh ones). The caller has masked the tokens already.
 */
export async function emitFederatedConnectFiles(
  settings: Settings,
  tokens: ExchangeTokens,
  target: { appId: string; organization: string; tenantId: string }
): Promise<FederatedConnectFiles> {
  const files = await writeTokenFiles(settings.runnerTemp, { exchange: tokens.exchange.token, compliance: tokens.compliance?.token })
  const script = renderFederatedConnectScript({
    appId: target.appId,
    organization: target.organization,
    cloud: settings.cloud.name,
    exchangeEnvironmentName: settings.cloud.exchangeEnvironmentName,
    connectIppsSession: settings.connectIppsSession,
    exchangeTokenPath: files.exchangeTokenPath,
    ...(files.complianceTokenPath === undefined ? {} : { complianceTokenPath: files.complianceTokenPath }),
    // The earlier of the two, so the script refreshes before either lapses.
    expiresOn: new Date(Math.min(tokens.exchange.expiresOn.getTime(), tokens.compliance?.expiresOn.getTime() ?? Infinity)),
    tokenEndpoint: `${settings.cloud.authorityHost}/${encodeURIComponent(target.tenantId)}/oauth2/v2.0/token`,
    // Update-ExoCbaConnection asks for the jobs' token (federated-audience), like connect mode.
    audience: settings.credential.kind === 'federated' ? settings.credential.audience : settings.signIn.audience,
    exchangeResource: settings.cloud.exchangeResource,
    complianceResource: settings.cloud.complianceResource
  })
  rememberConnectScript(settings.connectScriptPath)
  await writeConnectScript(settings.connectScriptPath, script)
  return { ...files, scriptPath: settings.connectScriptPath }
}

/**
 * Refuses a `connect-script-path` that names someone else's file: the action would
 * overwrite it and the post step would delete it. Checked before anything is written.
 */
export async function checkConnectScriptPath(path: string): Promise<void> {
  let existing: string
  try {
    existing = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new UserError(`Input 'connect-script-path' (${path}) cannot be used: ${(error as Error).message}.`, {
      input: 'connect-script-path',
      cause: error
    })
  }
  if (!existing.split('\n', 1)[0].includes(CONNECT_SCRIPT_MARK)) {
    throw new UserError(
      `Input 'connect-script-path' names an existing file that this action did not write (${path}); it would be overwritten and then deleted by the post step. Choose a new path, e.g. under $RUNNER_TEMP.`,
      { input: 'connect-script-path' }
    )
  }
}
