/**
 * When a run over a complete stored set must stop instead of minting a certificate
 * (issue 16, point 2): an empty certificate input on a set a schedule finds. Not: a given
 * pair that does not open (an interrupted run's), a set another run created within the hour,
 * repair: true, federated, no secret target.
 */
import { describe, expect, it } from '@jest/globals'
import { UserError } from '../../src/errors.js'
import { requireUsableCertificate, type StoredSecretState } from '../../src/provision/store-secrets.js'
import type { Settings } from '../../src/settings.js'

const NOW = new Date('2026-12-05T08:00:00Z')
const HOUR = 3_600_000
const SIX = ['EXO_APP_ID', 'EXO_TENANT_ID', 'EXO_ORGANIZATION', 'EXO_CERT_THUMBPRINT', 'EXO_CERT_PFX_BASE64', 'EXO_CERT_PASSWORD']

/** The parts of Settings the rule reads; a rotation run holding no certificate by default. */
function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    credential: { kind: 'certificate' },
    repair: false,
    heldInputs: { pfxBase64: false, pfxPassword: false },
    secrets: { target: 'repository', prefix: 'EXO_', repository: { owner: 'contoso', repo: 'exo' } },
    ...overrides
  } as Settings
}

/** All six stored: created `createdHoursAgo`, last written `updatedHoursAgo`. */
function stored(createdHoursAgo: number, updatedHoursAgo: number, missing: string[] = []): StoredSecretState {
  const date = (hours: number) => new Date(NOW.getTime() - hours * HOUR)
  return {
    publicKey: { key_id: 'k', key: 'AAAA' },
    dates: Object.fromEntries(SIX.map(name => [name, missing.includes(name) ? undefined : date(updatedHoursAgo)])),
    created: Object.fromEntries(SIX.map(name => [name, missing.includes(name) ? undefined : date(createdHoursAgo)]))
  } as StoredSecretState
}

describe('requireUsableCertificate', () => {
  it('stops a schedule that passes no certificate over a set stored a week ago, naming the inputs', () => {
    expect(() => requireUsableCertificate(settings(), stored(24 * 30, 24 * 7), NOW)).toThrow(UserError)
    expect(() => requireUsableCertificate(settings({ heldInputs: { pfxBase64: true, pfxPassword: false } }), stored(24 * 30, 24 * 7), NOW)).toThrow(
      /no certificate: pfx-password is empty/
    )
  })

  it('keeps stopping a loop that mints every few minutes: the hour counts from the set\'s creation, not its last write', () => {
    expect(() => requireUsableCertificate(settings(), stored(24 * 30, 0.1), NOW)).toThrow(/complete set of secrets/)
  })

  it('lets a concurrent first run through: the set was created minutes ago', () => {
    expect(() => requireUsableCertificate(settings(), stored(0.1, 0.1), NOW)).not.toThrow()
  })

  it('lets through a given pair that does not open (an interrupted run), repair: true, federated, an incomplete set, no target', () => {
    const old = stored(24 * 30, 24 * 7)
    expect(() => requireUsableCertificate(settings({ heldInputs: { pfxBase64: true, pfxPassword: true } }), old, NOW)).not.toThrow()
    expect(() => requireUsableCertificate(settings({ repair: true }), old, NOW)).not.toThrow()
    expect(() => requireUsableCertificate(settings({ credential: { kind: 'federated', subjects: [], audience: 'api://AzureADTokenExchange', allowUnprotectedSubjects: false } }), old, NOW)).not.toThrow()
    expect(() => requireUsableCertificate(settings(), stored(24 * 30, 24 * 7, ['EXO_CERT_PASSWORD']), NOW)).not.toThrow()
    expect(() => requireUsableCertificate(settings(), undefined, NOW)).not.toThrow()
  })
})
