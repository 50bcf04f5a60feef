import { describe, it, expect } from '@jest/globals'
import { secretNames, validateSecretName, validateSecretPrefix } from '../../src/github/secret-names.js'

describe('secretNames', () => {
  it('builds the six documented names from the prefix', () => {
    expect(Object.values(secretNames('EXO_'))).toEqual([
      'EXO_APP_ID',
      'EXO_TENANT_ID',
      'EXO_ORGANIZATION',
      'EXO_CERT_THUMBPRINT',
      'EXO_CERT_PFX_BASE64',
      'EXO_CERT_PASSWORD'
    ])
    expect(secretNames('').certPassword).toBe('CERT_PASSWORD')
  })
})

describe('validateSecretName', () => {
  it.each(['EXO_APP_ID', 'exo_app_id', '_X', 'A1', 'GITHUBX'])('accepts %s', (name) => {
    expect(validateSecretName(name)).toBeUndefined()
  })

  it.each([
    ['', /empty/],
    ['EXO-APP', /letters, digits and underscores/],
    ['EXO APP', /letters, digits and underscores/],
    ['1EXO', /digit/],
    ['GITHUB_X', /GITHUB_/],
    ['github_x', /GITHUB_/]
  ])('refuses %p', (name, reason) => {
    expect(validateSecretName(name)).toMatch(reason)
  })
})

describe('validateSecretPrefix', () => {
  it.each(['EXO_', '', 'PROD_EXO_', 'exo_', 'GITHUB'])('accepts %p', (prefix) => {
    expect(validateSecretPrefix(prefix)).toBeUndefined()
  })

  it.each([
    ['EXO-', /secret-prefix 'EXO-' may only contain letters, digits and underscores/],
    ['9EXO_', /must not start with a digit/],
    ['GITHUB_', /must not start with GITHUB_/],
    ['github_exo_', /must not start with GITHUB_/]
  ])('refuses %p, naming the input', (prefix, reason) => {
    expect(validateSecretPrefix(prefix)).toMatch(reason)
  })
})
