/**
 * Microsoft Exchange Online Protection in the emulated tenant: its service principal is
 * there with Exchange.ManageAsApp, and a token for a Security & Compliance endpoint (the
 * resource Connect-IPPSSession asks for) carries that role only when IT was granted — the
 * Exchange Online grant does not count there.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { claimsOf, tokenFor } from './helpers.js'

const EOP_APP_ID = '00000007-0000-0ff1-ce00-000000000000'
const EOP_MANAGE_AS_APP = '455e5cd2-84e8-4751-8344-5672145dfa17'
const SECRET = 'emu~security-and-compliance-test-secret'

describe('emulated Microsoft Exchange Online Protection', () => {
  let emulator: Emulator
  const bothAppId = randomUUID()
  const exchangeOnlyAppId = randomUUID()

  beforeAll(async () => {
    emulator = await startEmulator({
      apps: [
        { displayName: 'Both grants', appId: bothAppId, clientSecret: SECRET, exchangeManageAsApp: true, exchangeProtectionManageAsApp: true },
        { displayName: 'Exchange Online only', appId: exchangeOnlyAppId, clientSecret: SECRET, exchangeManageAsApp: true }
      ]
    })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it('has the service principal, offering Exchange.ManageAsApp under its documented id', () => {
    const sp = emulator.tenant.servicePrincipalByAppId(EOP_APP_ID)
    expect(sp?.id).toBe(emulator.tenant.exchangeProtectionServicePrincipal.id)
    expect(sp?.displayName).toBe('Microsoft Exchange Online Protection')
    expect(sp?.appRoles.find(role => role.value === 'Exchange.ManageAsApp')?.id).toBe(EOP_MANAGE_AS_APP)
  })

  it.each([
    'https://ps.compliance.protection.outlook.com',
    'https://ps.compliance.protection.office365.us',
    'https://l5.ps.compliance.protection.office365.us',
    'https://ps.compliance.protection.partner.outlook.cn'
  ])('a token for %s carries its Exchange.ManageAsApp when granted', async resource => {
    const claims = claimsOf(await tokenFor(emulator, bothAppId, SECRET, `${resource}/.default`))
    expect(claims).toMatchObject({ aud: resource, appid: bothAppId, roles: ['Exchange.ManageAsApp'] })
  })

  it('the Exchange Online grant alone does not put the role in a Security & Compliance token', async () => {
    const compliance = claimsOf(await tokenFor(emulator, exchangeOnlyAppId, SECRET, 'https://ps.compliance.protection.outlook.com/.default'))
    expect(compliance.roles).toBeUndefined()
    const exchange = claimsOf(await tokenFor(emulator, exchangeOnlyAppId, SECRET, 'https://outlook.office365.com/.default'))
    expect(exchange.roles).toEqual(['Exchange.ManageAsApp'])
  })
})
