/**
 * How an admin grants the provisioning identity what it lacks, in words and as commands that
 * work as pasted: the Entra admin center path, the Azure CLI, and Microsoft Graph PowerShell.
 * One place writes them, for the preflight and for a 403 that happens anyway.
 */
import type { CloudName } from '../cloud.js'
import { GRAPH_APPLICATION_PERMISSIONS, type GraphPermission } from './graph-permissions.js'
import { MICROSOFT_GRAPH_APP_ID } from './well-known.js'

export interface GrantTarget {
  /** The provisioning identity's client id (`client-id`); a placeholder when unknown. */
  clientId?: string
  /** Its service principal's object id (the token's `oid`), when known. */
  servicePrincipalId?: string
  cloud?: CloudName
}

const AZ_CLOUD: Record<CloudName, string | undefined> = {
  global: undefined,
  usgov: 'AzureUSGovernment',
  dod: 'AzureUSGovernment',
  china: 'AzureChinaCloud'
}

const MG_ENVIRONMENT: Record<CloudName, string> = { global: 'Global', usgov: 'USGov', dod: 'USGovDoD', china: 'China' }

/** The admin center path to grant application permissions, for one sentence. */
export function portalPath(permissions: readonly GraphPermission[]): string {
  return `Entra admin center → App registrations → the provisioning app → API permissions → Add a permission → Microsoft Graph → Application permissions → ${permissions.join(', ')} → Grant admin consent`
}

/** `az ad app permission add … && az ad app permission admin-consent …` on one line. */
export function azureCliGrant(permissions: readonly GraphPermission[], target: GrantTarget): string {
  const clientId = target.clientId ?? '<client-id>'
  const ids = permissions.map(permission => `${GRAPH_APPLICATION_PERMISSIONS[permission]}=Role`).join(' ')
  return `az ad app permission add --id ${clientId} --api ${MICROSOFT_GRAPH_APP_ID} --api-permissions ${ids} && az ad app permission admin-consent --id ${clientId}`
}

/** The lines of a Microsoft Graph PowerShell session that grants the permissions (app role assignments). */
export function graphPowerShellGrant(permissions: readonly GraphPermission[], target: GrantTarget): string[] {
  const principal = target.servicePrincipalId !== undefined ? `'${target.servicePrincipalId}'` : `(Get-MgServicePrincipal -Filter "appId eq '${target.clientId ?? '<client-id>'}'").Id`
  return [
    `Connect-MgGraph -Environment ${MG_ENVIRONMENT[target.cloud ?? 'global']} -Scopes AppRoleAssignment.ReadWrite.All,Application.Read.All`,
    `$graph = Get-MgServicePrincipal -Filter "appId eq '${MICROSOFT_GRAPH_APP_ID}'"`,
    `$identity = ${principal}`,
    ...permissions.map(
      permission =>
        `New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $identity -PrincipalId $identity -ResourceId $graph.Id -AppRoleId ${GRAPH_APPLICATION_PERMISSIONS[permission]}  # ${permission}`
    )
  ]
}

/** The whole "grant them" block: both command forms, and the cloud to select first. */
export function grantInstructions(permissions: readonly GraphPermission[], target: GrantTarget): string[] {
  const azCloud = AZ_CLOUD[target.cloud ?? 'global']
  return [
    `In the portal: ${portalPath(permissions)}.`,
    'Azure CLI:',
    ...(azCloud === undefined ? [] : [`  az cloud set --name ${azCloud}`]),
    `  ${azureCliGrant(permissions, target)}`,
    'Microsoft Graph PowerShell:',
    ...graphPowerShellGrant(permissions, target).map(line => `  ${line}`)
  ]
}

/** Adding the identity as an owner of an existing app (for Application.ReadWrite.OwnedBy). */
export function ownerInstructions(app: { appId: string; objectId: string }, target: GrantTarget): string[] {
  const owner = target.servicePrincipalId ?? '<object id of the provisioning identity\'s service principal>'
  return [
    `  az ad app owner add --id ${app.appId} --owner-object-id ${owner}`,
    `  New-MgApplicationOwnerByRef -ApplicationId ${app.objectId} -BodyParameter @{ '@odata.id' = 'https://graph.microsoft.com/v1.0/directoryObjects/${owner}' }`
  ]
}
