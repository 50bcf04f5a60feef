/**
 * What of Microsoft Graph v1.0 and of the GitHub REST API this project talks to: the
 * action's own requests (src/entra, src/github) and the emulator's other routes, which its
 * tests exercise. The trim scripts keep exactly this (and what it reaches) of the
 * publishers' descriptions; the tests check that every entry is in the trimmed files.
 */

/** Microsoft Graph v1.0, in the terms of its CSDL (schemas/v1.0-Prod.csdl). */
export const GRAPH_USAGE = {
  /** Entity sets and singletons of the GraphService container that URLs start from. */
  entitySets: ['applications', 'servicePrincipals', 'organization'],
  singletons: ['roleManagement'],
  /**
   * Navigation properties a URL follows (`declaring type/property`). Every other
   * navigation property of a kept type stays in the file, but its target type is kept only
   * when something else reaches it.
   */
  navigation: [
    'microsoft.graph.application/owners',
    'microsoft.graph.application/federatedIdentityCredentials',
    'microsoft.graph.servicePrincipal/appRoleAssignedTo',
    'microsoft.graph.servicePrincipal/appRoleAssignments',
    'microsoft.graph.servicePrincipal/owners',
    'microsoft.graph.servicePrincipal/ownedObjects',
    'microsoft.graph.roleManagement/directory',
    'microsoft.graph.rbacApplication/roleAssignments',
    'microsoft.graph.rbacApplication/roleDefinitions',
    'microsoft.graph.unifiedRoleAssignment/roleDefinition'
  ],
  /** Bound actions the action calls (every overload bound to a kept type is kept). */
  actions: ['microsoft.graph.addKey']
} as const

/** The Graph requests the action sends (method and URL under /v1.0), as tests replay them. */
export const GRAPH_REQUESTS_OF_THE_ACTION = [
  "GET /applications(appId='00000000-0000-0000-0000-000000000001')?$select=id,appId,displayName,uniqueName,signInAudience,requiredResourceAccess,keyCredentials,createdDateTime",
  "GET /applications(uniqueName='exo-cba-contoso')?$select=id,appId,displayName,uniqueName,signInAudience,requiredResourceAccess,keyCredentials,createdDateTime",
  "GET /applications?$filter=displayName%20eq%20'Exchange%20automation'&$select=id,appId,displayName,uniqueName,signInAudience,requiredResourceAccess,keyCredentials,createdDateTime",
  "PATCH /applications(uniqueName='exo-cba-contoso')",
  'GET /applications/00000000-0000-0000-0000-0000000000a1?$select=id,keyCredentials',
  'PATCH /applications/00000000-0000-0000-0000-0000000000a1',
  'POST /applications/00000000-0000-0000-0000-0000000000a1/addKey',
  "GET /servicePrincipals(appId='00000000-0000-0000-0000-000000000001')?$select=id,appId",
  "GET /servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')?$select=id,appRoles",
  "PATCH /servicePrincipals(appId='00000000-0000-0000-0000-000000000001')",
  "GET /servicePrincipals(appId='00000000-0000-0000-0000-000000000001')?$select=id",
  'GET /servicePrincipals/00000000-0000-0000-0000-0000000000b1/appRoleAssignments?$select=id,resourceId,appRoleId',
  'POST /servicePrincipals/00000000-0000-0000-0000-0000000000b2/appRoleAssignedTo',
  'GET /servicePrincipals/00000000-0000-0000-0000-0000000000b1/ownedObjects?$select=id&$top=999',
  "GET /roleManagement/directory/roleAssignments?$filter=principalId%20eq%20'00000000-0000-0000-0000-0000000000b1'&$select=id,roleDefinitionId,directoryScopeId",
  "GET /roleManagement/directory/roleAssignments?$filter=principalId%20eq%20'00000000-0000-0000-0000-0000000000b1'&$select=roleDefinitionId,directoryScopeId",
  'POST /roleManagement/directory/roleAssignments',
  'GET /organization?$select=id,verifiedDomains',
  'GET /applications/00000000-0000-0000-0000-0000000000a1/federatedIdentityCredentials',
  'POST /applications/00000000-0000-0000-0000-0000000000a1/federatedIdentityCredentials',
  'GET /applications/00000000-0000-0000-0000-0000000000a1/federatedIdentityCredentials/00000000-0000-0000-0000-0000000000f1',
  'PATCH /applications/00000000-0000-0000-0000-0000000000a1/federatedIdentityCredentials/00000000-0000-0000-0000-0000000000f1',
  'DELETE /applications/00000000-0000-0000-0000-0000000000a1/federatedIdentityCredentials/00000000-0000-0000-0000-0000000000f1',
  'POST /$batch'
] as const

/**
 * GitHub REST (api.github.com; GHES serves the same under /api/v3): `METHOD /path template`
 * exactly as the description spells it.
 */
export const GITHUB_OPERATIONS = [
  'GET /repos/{owner}/{repo}',
  'GET /repos/{owner}/{repo}/environments/{environment_name}',
  'GET /repos/{owner}/{repo}/actions/secrets',
  'GET /repos/{owner}/{repo}/actions/secrets/public-key',
  'GET /repos/{owner}/{repo}/actions/secrets/{secret_name}',
  'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}',
  'DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
  'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
  'DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
  'GET /orgs/{org}/actions/secrets',
  'GET /orgs/{org}/actions/secrets/public-key',
  'GET /orgs/{org}/actions/secrets/{secret_name}',
  'PUT /orgs/{org}/actions/secrets/{secret_name}',
  'DELETE /orgs/{org}/actions/secrets/{secret_name}',
  'GET /orgs/{org}/actions/secrets/{secret_name}/repositories'
] as const
