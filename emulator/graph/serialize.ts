/**
 * Directory records → Graph v1.0 JSON, with the properties Graph returns by default.
 * A keyCredential's `key` is null unless `$select=keyCredentials` asked for it.
 */
import type {
  AppRoleAssignmentRecord, ApplicationRecord, FederatedCredentialRecord, KeyCredentialRecord,
  RoleAssignmentRecord, RoleDefinitionRecord, ServicePrincipalRecord, Tenant
} from '../tenant.js'

export function keyCredentialJson(k: KeyCredentialRecord, includeKey: boolean): Record<string, unknown> {
  return {
    customKeyIdentifier: k.customKeyIdentifier,
    displayName: k.displayName,
    endDateTime: k.endDateTime,
    key: includeKey ? k.key : null,
    keyId: k.keyId,
    startDateTime: k.startDateTime,
    type: k.type,
    usage: k.usage
  }
}

export function applicationJson(app: ApplicationRecord, includeKeys: boolean): Record<string, unknown> {
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    applicationTemplateId: null,
    disabledByMicrosoftStatus: null,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    description: app.description,
    groupMembershipClaims: null,
    identifierUris: [...app.identifierUris],
    isDeviceOnlyAuthSupported: null,
    isFallbackPublicClient: null,
    nativeAuthenticationApisEnabled: null,
    notes: app.notes,
    publisherDomain: app.publisherDomain,
    serviceManagementReference: null,
    signInAudience: app.signInAudience,
    tags: [...app.tags],
    tokenEncryptionKeyId: null,
    uniqueName: app.uniqueName,
    samlMetadataUrl: null,
    defaultRedirectUri: null,
    certification: null,
    optionalClaims: null,
    servicePrincipalLockConfiguration: null,
    requestSignatureVerification: null,
    addIns: [],
    api: { acceptMappedClaims: null, knownClientApplications: [], requestedAccessTokenVersion: null, oauth2PermissionScopes: [], preAuthorizedApplications: [] },
    appRoles: [],
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    keyCredentials: app.keyCredentials.map(k => keyCredentialJson(k, includeKeys)),
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
    passwordCredentials: app.passwordCredentials.map(p => ({
      customKeyIdentifier: null, displayName: p.displayName, endDateTime: p.endDateTime, hint: p.hint,
      keyId: p.keyId, secretText: null, startDateTime: p.startDateTime
    })),
    publicClient: { redirectUris: [] },
    requiredResourceAccess: structuredClone(app.requiredResourceAccess),
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    web: { homePageUrl: null, logoutUrl: null, redirectUris: [], implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: [] },
    spa: { redirectUris: [] },
    ...structuredClone(app.extra)
  }
}

export function servicePrincipalJson(sp: ServicePrincipalRecord, tenant: Tenant): Record<string, unknown> {
  const app = tenant.applicationByAppId(sp.appId, true)
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    alternativeNames: [],
    appDisplayName: app?.displayName ?? sp.displayName,
    appDescription: null,
    appId: sp.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoleAssignmentRequired: false,
    createdDateTime: sp.createdDateTime,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: sp.displayName,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: [],
    servicePrincipalNames: [...sp.servicePrincipalNames],
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: app?.signInAudience ?? 'AzureADMultipleOrgs',
    tags: [...sp.tags],
    tokenEncryptionKeyId: null,
    info: null,
    samlSingleSignOnSettings: null,
    addIns: [],
    appRoles: structuredClone(sp.appRoles),
    keyCredentials: [],
    oauth2PermissionScopes: [],
    passwordCredentials: [],
    resourceSpecificApplicationPermissions: [],
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    ...structuredClone(sp.extra)
  }
}

export function appRoleAssignmentJson(a: AppRoleAssignmentRecord): Record<string, unknown> {
  return {
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName: a.principalDisplayName,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: a.resourceDisplayName,
    resourceId: a.resourceId
  }
}

export function federatedCredentialJson(f: FederatedCredentialRecord): Record<string, unknown> {
  return { id: f.id, name: f.name, issuer: f.issuer, subject: f.subject, description: f.description, audiences: [...f.audiences] }
}

export function roleDefinitionJson(r: RoleDefinitionRecord): Record<string, unknown> {
  return {
    id: r.id,
    description: r.description,
    displayName: r.displayName,
    isBuiltIn: r.isBuiltIn,
    isEnabled: r.isEnabled,
    resourceScopes: ['/'],
    templateId: r.templateId,
    version: '1',
    rolePermissions: [{ allowedResourceActions: [...r.allowedResourceActions], condition: null }],
    inheritsPermissionsFrom: []
  }
}

export function roleAssignmentJson(a: RoleAssignmentRecord): Record<string, unknown> {
  return { id: a.id, principalId: a.principalId, directoryScopeId: a.directoryScopeId, appScopeId: null, roleDefinitionId: a.roleDefinitionId, condition: null }
}

/** A directory object reference (owners): the object with its `@odata.type`. */
export function directoryObjectJson(id: string, tenant: Tenant): Record<string, unknown> {
  const sp = tenant.servicePrincipalById(id, true)
  if (sp) return { '@odata.type': '#microsoft.graph.servicePrincipal', ...servicePrincipalJson(sp, tenant) }
  return { '@odata.type': '#microsoft.graph.directoryObject', id }
}
