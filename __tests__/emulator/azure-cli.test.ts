/**
 * The real Azure CLI (when installed) does the action's first-run job against the emulator:
 * it signs in with the GitHub OIDC token (MSAL Python's instance discovery through the proxy,
 * ARM's empty subscription list), creates the app, its service principal, the consent, the
 * role and a certificate — every request within the publishers' API descriptions (close()
 * fails otherwise). Skipped, and shown as skipped, where az is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { runAzureCliPeer } from '../../scripts/lib/azure-cli-peer.js'

const azInstalled = (process.env.PATH ?? '').split(delimiter).some(dir => {
  try {
    accessSync(join(dir, 'az'), constants.X_OK)
    return true
  } catch {
    return false
  }
})

describe('the Azure CLI against the emulator', () => {
  let emulator: Emulator

  beforeAll(async () => { emulator = await startEmulator() })
  afterAll(async () => { await emulator?.close() })

  // Skipped where az is missing, saying so in the test's name (npm run bench installs it).
  const provisions = azInstalled ? it : it.skip
  const reason = azInstalled ? '' : ' (skipped: az is not on PATH; apt-get install azure-cli)'
  provisions(`provisions the Exchange app with az login, az ad and az rest${reason}`, async () => {
    const outcome = await runAzureCliPeer(emulator)
    if ('skipped' in outcome) throw new Error(`az is on PATH but the peer skipped: ${outcome.skipped}`)
    const { tenant } = emulator
    const app = tenant.applicationByAppId(outcome.app.appId)!
    expect(app.displayName).toBe('EXO Background Process')
    expect(app.requiredResourceAccess).toEqual([{ resourceAppId: '00000002-0000-0ff1-ce00-000000000000', resourceAccess: [{ id: 'dc50a0fb-09a3-484d-be87-e023b12c6440', type: 'Role' }] }])
    const sp = tenant.servicePrincipalByAppId(app.appId)!
    expect(tenant.grantedRoleValues(sp.id, tenant.exchangeServicePrincipal)).toEqual(['Exchange.ManageAsApp'])
    expect(tenant.directoryRoleTemplateIds(sp.id)).toContain('29232cdf-9323-42fd-ade2-1d097af3e4de')
    expect(app.keyCredentials.map(k => k.customKeyIdentifier)).toEqual([outcome.app.certificateThumbprint])
    expect(outcome.commands.map(c => c.name)).toContain('az login')
    expect(outcome.requests.byService).toMatchObject({ oidc: 1, arm: 1 })
    expect(outcome.requests.unknownAuthorityDiscovery).toBe(1)
    expect(emulator.apiChecks.violations).toEqual([])
  }, 120_000)
})
