/**
 * setActionOutputs: the step's outputs (INTERFACE.md), with the PFX and its password
 * masked before any output is set.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'

type Call = { fn: 'setSecret' | 'setOutput'; args: string[] }
const calls: Call[] = []
jest.unstable_mockModule('@actions/core', () => ({
  setSecret: (value: string) => calls.push({ fn: 'setSecret', args: [value] }),
  setOutput: (name: string, value: string) => calls.push({ fn: 'setOutput', args: [name, value] })
}))
const { setActionOutputs } = await import('../../src/report/outputs.js')

const certificate = {
  thumbprint: '8A3C2F1E0D9B7A6C5E4F3D2C1B0A998877665544',
  notAfter: new Date('2027-03-01T12:34:56.789Z'),
  derBase64: 'MIIC/TCCAeWgAwIBAgIUpublicDER=='
}
const pfx = { base64: 'MIIJzwIBAzCCCYUGCSqGSIb3DQEHAaCCCXYEgglyMIIJbjCCBGIGCSqG', password: 'pfx-password-0123456789abcdef', path: '/tmp/exo-cba/cert-abc/certificate.pfx' }

function outputs(): Record<string, string> {
  return Object.fromEntries(calls.filter(c => c.fn === 'setOutput').map(c => [c.args[0], c.args[1]]))
}

beforeEach(() => {
  calls.length = 0
})

describe('setActionOutputs', () => {
  it('masks the PFX and its password before setting any output', () => {
    setActionOutputs({ appId: 'app', organization: 'contoso.onmicrosoft.com', certificate, pfx, credential: 'certificate', rotated: true, changes: [] })
    const firstOutput = calls.findIndex(c => c.fn === 'setOutput')
    const maskedAt = (value: string) => calls.findIndex(c => c.fn === 'setSecret' && c.args[0] === value)
    expect(maskedAt(pfx.base64)).toBeGreaterThanOrEqual(0)
    expect(maskedAt(pfx.password)).toBeGreaterThanOrEqual(0)
    expect(maskedAt(pfx.base64)).toBeLessThan(firstOutput)
    expect(maskedAt(pfx.password)).toBeLessThan(firstOutput)
  })

  it('sets every output of a provision run in its documented form', () => {
    const changes = [{ kind: 'create-application' }, { kind: 'add-key-credential', thumbprint: certificate.thumbprint }]
    setActionOutputs({
      appId: '4a5f2bde-a1b0-4c8e-9d3f-0123456789ab',
      appObjectId: 'c5a1f0e2-0000-4000-8000-000000000001',
      servicePrincipalId: 'd6b2a1f3-0000-4000-8000-000000000002',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      organization: 'contoso.onmicrosoft.com',
      certificate,
      pfx,
      connectScript: '/tmp/exo-cba/Connect-ExoCba.ps1',
      credential: 'certificate',
      rotated: true,
      changes
    })
    expect(outputs()).toEqual({
      'app-id': '4a5f2bde-a1b0-4c8e-9d3f-0123456789ab',
      'app-object-id': 'c5a1f0e2-0000-4000-8000-000000000001',
      'service-principal-id': 'd6b2a1f3-0000-4000-8000-000000000002',
      'tenant-id': '72f988bf-86f1-41af-91ab-2d7cd011db47',
      organization: 'contoso.onmicrosoft.com',
      'certificate-thumbprint': certificate.thumbprint,
      'certificate-not-after': '2027-03-01T12:34:56.789Z',
      'certificate-der-base64': certificate.derBase64,
      'pfx-base64': pfx.base64,
      'pfx-password': pfx.password,
      'pfx-path': pfx.path,
      'connect-script': '/tmp/exo-cba/Connect-ExoCba.ps1',
      credential: 'certificate',
      rotated: 'true',
      changes: JSON.stringify(changes)
    })
    expect(JSON.parse(outputs().changes)).toEqual(changes)
  })

  it('sets no PFX outputs and masks nothing when the run holds no private key', () => {
    setActionOutputs({ appId: 'app', certificate, credential: 'certificate', rotated: false, changes: [] })
    expect(calls.filter(c => c.fn === 'setSecret')).toEqual([])
    const set = outputs()
    expect(set).not.toHaveProperty('pfx-base64')
    expect(set).not.toHaveProperty('pfx-password')
    expect(set).not.toHaveProperty('pfx-path')
    // Unknown facts are left unset rather than set to '' (a later `if:` can test them).
    expect(set).not.toHaveProperty('tenant-id')
    expect(set).not.toHaveProperty('connect-script')
    expect(set.rotated).toBe('false')
    expect(set.changes).toBe('[]')
  })
})
