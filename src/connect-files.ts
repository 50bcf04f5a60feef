/**
 * Everything a later PowerShell step needs to connect: the PFX and its password as
 * 0600 files under RUNNER_TEMP, and the connect script that loads them. Both modes end
 * with this. The post step removes all of it.
 */
import type { HeldCertificate } from './certificate/types.js'
import { renderConnectScript, writeConnectScript } from './powershell/connect-script.js'
import { writeCertificateFiles, type CertificateFiles } from './runner/secret-files.js'
import { rememberForCleanup } from './runner/state.js'
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
  rememberForCleanup(settings.connectScriptPath)
  await writeConnectScript(settings.connectScriptPath, script)
  return { ...files, scriptPath: settings.connectScriptPath }
}
