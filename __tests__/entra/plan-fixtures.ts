/**
 * Hand-written tenant states for the planner's tests. The "certificates" are arbitrary
 * bytes: the planner never parses a certificate, it only hashes `key` (SHA-1 = thumbprint).
 */
import { createHash } from 'node:crypto'
import type { DesiredState } from '../../src/entra/plan.js'
import type { KeyCredential, TenantState } from '../../src/entra/tenant-state.js'
import {
  ACTION_KEY_DISPLAY_NAME_PREFIX,
  EXCHANGE_MANAGE_AS_APP_ROLE_ID,
  EXCHANGE_ONLINE_APP_ID,
  findDirectoryRole,
  MICROSOFT_GRAPH_APP_ID,
  type DirectoryRole
} from '../../src/entra/well-known.js'

export const NOW = new Date('2026-06-01T12:00:00Z')
export const DAY = 24 * 60 * 60 * 1000

export const EXO_SP_ID = 'eeeeeeee-0000-4000-8000-000000000001'
/** Microsoft Exchange Online Protection's service principal in the test tenant. */
export const EOP_SP_ID = 'eeeeeeee-0000-4000-8000-000000000007'
export const EOP_APP_ID = '00000007-0000-0ff1-ce00-000000000000'
/** Its Exchange.ManageAsApp, as Microsoft's app-only article documents it (not imported from src/). */
export const EOP_MANAGE_AS_APP = '455e5cd2-84e8-4751-8344-5672145dfa17'
export const APP_OBJECT_ID = 'aaaaaaaa-0000-4000-8000-000000000001'
export const APP_ID = 'aaaaaaaa-0000-4000-8000-000000000002'
export const SP_ID = 'bbbbbbbb-0000-4000-8000-000000000001'
/** Microsoft Graph's User.Read.All application permission. */
export const GRAPH_USER_READ_ALL = 'df021288-bdef-4463-88db-98f22de89214'
/** Exchange Online's full_access_as_app application permission. */
export const EXO_FULL_ACCESS_AS_APP = 'dc890d15-9560-4a4c-9b7f-a736ec74ec40'

export function role(name: string): DirectoryRole {
  const found = findDirectoryRole(name)
  if (found === undefined) throw new Error(`no role ${name}`)
  return found
}
export const EXCHANGE_ADMIN = role('Exchange Administrator')
export const GLOBAL_READER = role('Global Reader')
export const SECURITY_READER = role('Security Reader')

export interface TestCertificate {
  derBase64: string
  thumbprint: string
  notAfter: Date
}

export function certificate(seed: string, notAfter: Date): TestCertificate {
  const der = Buffer.from(`not really DER: ${seed}`)
  return {
    derBase64: der.toString('base64'),
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    notAfter
  }
}

export function daysFromNow(days: number): Date {
  return new Date(NOW.getTime() + days * DAY)
}

/** The secret set of the runs planned here (`desired()`), and another pipeline's sharing the app. */
export const THIS_SET = { id: '1a2b3c4d', description: 'repository secrets of contoso/exo-jobs, prefix EXO_' }
export const OTHER_SET = { id: '9f8e7d6c', description: 'environment prod secrets of contoso/exo-reports, prefix EXO_' }

/**
 * A keyCredential as Graph returns it with `$select=keyCredentials`. `actionMade`: named as
 * this action names it for `secretSet` (THIS_SET by default); `unrecorded`: as versions
 * before secret sets named it.
 */
export function credential(
  cert: TestCertificate,
  options: { keyId: string; actionMade?: boolean; secretSet?: string; unrecorded?: boolean; displayName?: string; withKey?: boolean; customKeyIdentifier?: string }
): KeyCredential {
  const expires = cert.notAfter.toISOString().slice(0, 10)
  return {
    keyId: options.keyId,
    displayName:
      options.displayName ??
      (options.unrecorded === true
        ? `${ACTION_KEY_DISPLAY_NAME_PREFIX} ${cert.thumbprint} expires ${expires}`
        : options.actionMade === true
          ? `${ACTION_KEY_DISPLAY_NAME_PREFIX} set ${options.secretSet ?? THIS_SET.id} ${cert.thumbprint} expires ${expires}`
          : 'CN=portal upload'),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    startDateTime: new Date(cert.notAfter.getTime() - 365 * DAY).toISOString(),
    endDateTime: cert.notAfter.toISOString(),
    customKeyIdentifier: options.customKeyIdentifier ?? cert.thumbprint,
    ...(options.withKey === false ? {} : { key: cert.derBase64 })
  }
}

export const EXO_ENTRY = {
  resourceAppId: EXCHANGE_ONLINE_APP_ID,
  resourceAccess: [{ id: EXCHANGE_MANAGE_AS_APP_ROLE_ID, type: 'Role' }]
}
export const GRAPH_ENTRY = {
  resourceAppId: MICROSOFT_GRAPH_APP_ID,
  resourceAccess: [{ id: GRAPH_USER_READ_ALL, type: 'Role' }]
}

export function freshTenant(): TenantState {
  return {
    exchangeOnline: { id: EXO_SP_ID, appRoles: [{ id: EXCHANGE_MANAGE_AS_APP_ROLE_ID, value: 'Exchange.ManageAsApp' }] },
    appRoleAssignments: [],
    directoryRoleAssignments: [],
    initialDomain: 'contoso.onmicrosoft.com',
    refusedReads: []
  }
}

/** A tenant where everything is in place for Exchange Administrator and `keyCredentials`. */
export function completeTenant(keyCredentials: KeyCredential[], roles: DirectoryRole[] = [EXCHANGE_ADMIN]): TenantState {
  return {
    ...freshTenant(),
    app: {
      objectId: APP_OBJECT_ID,
      appId: APP_ID,
      displayName: 'EXO Background Process',
      uniqueName: 'exo-cba-exo-background-process-00000000',
      signInAudience: 'AzureADMyOrg',
      requiredResourceAccess: [structuredClone(EXO_ENTRY)],
      keyCredentials,
      foundBy: 'unique-name'
    },
    servicePrincipal: { id: SP_ID, appId: APP_ID },
    appRoleAssignments: [{ id: 'grant-1', resourceId: EXO_SP_ID, appRoleId: EXCHANGE_MANAGE_AS_APP_ROLE_ID }],
    directoryRoleAssignments: roles.map((r, i) => ({ id: `ra-${i}`, roleDefinitionId: r.templateId, directoryScopeId: '/' }))
  }
}

export function desired(
  options: Partial<DesiredState['certificate']> & { roles?: DirectoryRole[]; appId?: string; securityAndCompliance?: boolean } = {}
): DesiredState {
  return {
    app: options.appId === undefined ? { name: 'EXO Background Process' } : { id: options.appId, name: 'EXO Background Process' },
    roles: options.roles ?? [EXCHANGE_ADMIN],
    securityAndCompliance: options.securityAndCompliance ?? false,
    certificate: {
      rotateBeforeDays: options.rotateBeforeDays ?? 30,
      ...(options.held === undefined ? {} : { held: options.held }),
      ...(options.revokePreviousAfterHours === undefined ? {} : { revokePreviousAfterHours: options.revokePreviousAfterHours }),
      secretSet: options.secretSet ?? THIS_SET
    }
  }
}

export const EOP_ENTRY = {
  resourceAppId: EOP_APP_ID,
  resourceAccess: [{ id: EOP_MANAGE_AS_APP, type: 'Role' }]
}

/** `state` with Microsoft Exchange Online Protection's service principal, as read for connect-ippssession. */
export function withExchangeProtection(
  state: TenantState,
  appRoles: Array<{ id: string; value?: string | null }> = [
    { id: 'c79b0778-99a8-4d45-9063-3f160ec2776d', value: 'EopPolicySync.AccessAsApp' },
    { id: EOP_MANAGE_AS_APP, value: 'Exchange.ManageAsApp' }
  ]
): TenantState {
  return { ...state, exchangeProtection: { id: EOP_SP_ID, appRoles } }
}

/**
 * A tenant where everything is in place for connect-ippssession too: both permissions
 * requested and granted.
 */
export function completeSecurityAndComplianceTenant(keyCredentials: KeyCredential[]): TenantState {
  const state = withExchangeProtection(completeTenant(keyCredentials))
  return {
    ...state,
    app: { ...state.app!, requiredResourceAccess: [structuredClone(EXO_ENTRY), structuredClone(EOP_ENTRY)] },
    appRoleAssignments: [...state.appRoleAssignments, { id: 'grant-eop', resourceId: EOP_SP_ID, appRoleId: EOP_MANAGE_AS_APP }]
  }
}
