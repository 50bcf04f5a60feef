/**
 * The step's outputs (INTERFACE.md). Secret outputs are masked here again before they
 * are set, so no caller can forget it.
 */
import * as core from '@actions/core'

export interface ActionOutputs {
  appId: string
  appObjectId?: string
  servicePrincipalId?: string
  tenantId?: string
  organization?: string
  certificate?: { thumbprint: string; notAfter: Date; derBase64: string }
  /** Only when this run holds the private key. */
  pfx?: { base64: string; password: string; path?: string }
  connectScript?: string
  /** How jobs sign in as the app. */
  credential: 'certificate' | 'federated'
  /** `credential: federated`, when this run got a token: its file and expiry (never the token). */
  accessToken?: { path: string; expiresOn: Date }
  rotated: boolean
  changes: readonly unknown[]
}

export function setActionOutputs(outputs: ActionOutputs): void {
  if (outputs.pfx !== undefined) {
    core.setSecret(outputs.pfx.base64)
    core.setSecret(outputs.pfx.password)
  }
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') core.setOutput(name, value)
  }
  set('app-id', outputs.appId)
  set('app-object-id', outputs.appObjectId)
  set('service-principal-id', outputs.servicePrincipalId)
  set('tenant-id', outputs.tenantId)
  set('organization', outputs.organization)
  set('certificate-thumbprint', outputs.certificate?.thumbprint)
  set('certificate-not-after', outputs.certificate?.notAfter.toISOString())
  set('certificate-der-base64', outputs.certificate?.derBase64)
  set('pfx-base64', outputs.pfx?.base64)
  set('pfx-password', outputs.pfx?.password)
  set('pfx-path', outputs.pfx?.path)
  set('connect-script', outputs.connectScript)
  set('credential', outputs.credential)
  set('access-token-path', outputs.accessToken?.path)
  set('access-token-expires-on', outputs.accessToken?.expiresOn.toISOString())
  core.setOutput('rotated', outputs.rotated ? 'true' : 'false')
  core.setOutput('changes', JSON.stringify(outputs.changes))
}
