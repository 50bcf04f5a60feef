/**
 * Graph error answers in words (src/entra/graph-errors.ts): a 403 names the application
 * permission the provisioning identity lacks and how to grant it, with commands that work
 * as pasted.
 */
import { describe, expect, it } from '@jest/globals'
import { GraphRequestError } from '../../src/entra/graph.js'
import { explainGraphError, permissionFor } from '../../src/entra/graph-errors.js'
import { GRAPH_APPLICATION_PERMISSIONS as GRAPH_PERMISSION_IDS } from '../../src/entra/graph-permissions.js'
import { UserError } from '../../src/errors.js'

const CLIENT_ID = '7d1f3c2a-5b4e-4f6a-9c8d-0e1f2a3b4c5d'
const denied = (method: string, path: string): GraphRequestError =>
  new GraphRequestError(method, path, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')

describe('permissionFor', () => {
  it.each([
    ['GET', '/organization', 'Organization.Read.All'],
    ['POST', '/servicePrincipals/5aaa34d9/appRoleAssignedTo', 'AppRoleAssignment.ReadWrite.All'],
    ['GET', '/servicePrincipals/5aaa34d9/appRoleAssignments', 'AppRoleAssignment.ReadWrite.All'],
    ['POST', '/roleManagement/directory/roleAssignments', 'RoleManagement.ReadWrite.Directory'],
    ['GET', '/roleManagement/directory/roleAssignments', 'RoleManagement.ReadWrite.Directory'],
    ['PATCH', "/applications(uniqueName='exo-cba-x')", 'Application.ReadWrite.OwnedBy'],
    ['PATCH', '/applications/8f5536b8', 'Application.ReadWrite.OwnedBy'],
    ['GET', '/applications', 'Application.ReadWrite.OwnedBy'],
    ['PATCH', "/servicePrincipals(appId='d2ebf73f')", 'Application.ReadWrite.OwnedBy'],
    ['GET', "/servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')", 'Application.ReadWrite.OwnedBy']
  ])('%s %s needs %s', (method, path, permission) => {
    expect(permissionFor(method, path).grant).toBe(permission)
  })
})

describe('explainGraphError', () => {
  it('403: names the permission, why, and the portal path and az commands with its id and the client id', () => {
    const error = explainGraphError(denied('POST', '/roleManagement/directory/roleAssignments'), { clientId: CLIENT_ID })
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toContain('lacks the application permission RoleManagement.ReadWrite.Directory')
    expect(error.message).toContain('Exchange Administrator')
    expect(error.message).toContain('Application permissions → RoleManagement.ReadWrite.Directory → Grant admin consent')
    expect(error.message).toContain(
      `az ad app permission add --id ${CLIENT_ID} --api 00000003-0000-0000-c000-000000000000 --api-permissions ${GRAPH_PERMISSION_IDS['RoleManagement.ReadWrite.Directory']}=Role`
    )
    expect(error.message).toContain(`az ad app permission admin-consent --id ${CLIENT_ID}`)
    expect(error.cause).toBeInstanceOf(GraphRequestError)
  })

  it('403 on changing an app: explains what Application.ReadWrite.OwnedBy cannot do', () => {
    const message = explainGraphError(denied('PATCH', '/applications/8f5536b8'), { clientId: CLIENT_ID }).message
    expect(message).toMatch(/Application\.ReadWrite\.OwnedBy \(apps it owns\) or Application\.ReadWrite\.All/)
    expect(message).toMatch(/can only change apps it owns: add it as an owner/)
  })

  it('403 on a read: no owner advice, the permission the run needs anyway', () => {
    const message = explainGraphError(denied('GET', '/applications')).message
    expect(message).not.toMatch(/can only change apps it owns/)
    expect(message).toMatch(/to find, create and update the app registration/)
    // Without a client id the command keeps a placeholder rather than a wrong value.
    expect(message).toContain('--id <client-id>')
  })

  it('the permission ids are the Microsoft Graph app role ids the emulator (and Entra) know', async () => {
    const { MICROSOFT_GRAPH } = await import('../../emulator/seed-data.js')
    for (const [value, id] of Object.entries(GRAPH_PERMISSION_IDS)) {
      expect(MICROSOFT_GRAPH.appRoles.find(role => role.value === value)?.id).toBe(id)
    }
  })

  it('429/503/504 left after the retries: run again later', () => {
    for (const status of [429, 503, 504]) {
      const message = explainGraphError(new GraphRequestError('GET', '/applications', status, 'TooManyRequests', '')).message
      expect(message).toMatch(/throttled or unavailable .* run the workflow again later/)
    }
  })

  it('401: points at cloud and graph-endpoint', () => {
    const message = explainGraphError(new GraphRequestError('GET', '/applications', 401, 'InvalidAuthenticationToken', 'Access token validation failure.')).message
    expect(message).toMatch(/'cloud' and 'graph-endpoint'/)
  })

  it('anything else: Graph\'s own code, message and request id', () => {
    const message = explainGraphError(new GraphRequestError('PATCH', '/applications/1', 400, 'Request_BadRequest', 'Invalid value.', 'req-42')).message
    expect(message).toBe('Microsoft Graph answered 400 Request_BadRequest to PATCH /applications/1: Invalid value. (request-id req-42)')
  })
})
