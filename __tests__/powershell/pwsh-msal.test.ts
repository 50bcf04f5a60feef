/**
 * The connect script signs in for real: the test double of ExchangeOnlineManagement does what
 * the real module does for app-only sign-in (an MSAL.NET confidential client with the
 * certificate gets a token for https://outlook.office365.com/.default) against the emulated
 * Entra ID. Proves that .NET opens the PFX, that MSAL.NET signs an assertion Entra accepts
 * with it, and what the token carries — for Connect-IPPSSession too, whose token (for the
 * compliance endpoint, Microsoft Exchange Online Protection in the emulator) carries only
 * that resource's Exchange.ManageAsApp.
 *
 * Needs pwsh (scripts/install-pwsh.sh) and MSAL.NET (scripts/restore-msal.sh).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ConnectScriptOptions } from '../../src/powershell/connect-script.js'
import { describeIfPwsh, msalDir } from '../helpers/pwsh.js'
import { dotSourceConnectScript, type DotSourceRun } from './dot-source.js'
import { connectScriptOptionsFor, makeOpensslPfx, type OpensslPfx } from './openssl-pfx.js'

const EXCHANGE_ADMINISTRATOR = '29232cdf-9323-42fd-ade2-1d097af3e4de'
const COMPLIANCE_ADMINISTRATOR = '17315797-102d-40b4-93e0-432062caca18'
const PASSWORD = "msal'$pw\u2019 ü"

describeIfPwsh('the connect script signing in with MSAL.NET against the emulator', (pwsh) => {
  let dir: string
  let emulator: Emulator
  let aes2048: OpensslPfx
  let des4096: OpensslPfx
  let rotated: OpensslPfx
  let unregistered: OpensslPfx
  let passwordPath: string
  const appId = randomUUID()
  const noPermissionAppId = randomUUID()
  const noRoleAppId = randomUUID()
  const complianceAppId = randomUUID()
  const exchangeGrantOnlyAppId = randomUUID()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-msal-'))
    ;[aes2048, des4096, rotated, unregistered] = await Promise.all([
      makeOpensslPfx(dir, { name: 'aes2048', password: PASSWORD, encryption: 'aes256' }),
      makeOpensslPfx(dir, { name: 'des4096', password: PASSWORD, encryption: '3des', keyBits: 4096 }),
      makeOpensslPfx(dir, { name: 'rotated', password: PASSWORD, encryption: 'aes256' }),
      makeOpensslPfx(dir, { name: 'unregistered', password: PASSWORD, encryption: 'aes256' })
    ])
    passwordPath = join(dir, 'pfx.password')
    await writeFile(passwordPath, `${PASSWORD}\n`, { mode: 0o600 })
    emulator = await startEmulator({
      apps: [
        {
          displayName: "EXO Background Process (O'Brien $x)",
          appId,
          // The old certificate and its replacement, as during a rotation.
          certificates: [aes2048.certPem, des4096.certPem, rotated.certPem],
          exchangeManageAsApp: true,
          directoryRoles: ['Exchange Administrator']
        },
        { displayName: 'No Exchange.ManageAsApp', appId: noPermissionAppId, certificates: [aes2048.certPem], directoryRoles: ['Exchange Administrator'] },
        { displayName: 'No directory role', appId: noRoleAppId, certificates: [aes2048.certPem], exchangeManageAsApp: true },
        // As provision mode leaves an app for connect-ippssession: true (both Exchange.ManageAsApp grants).
        {
          displayName: 'Security & Compliance',
          appId: complianceAppId,
          certificates: [aes2048.certPem],
          exchangeManageAsApp: true,
          exchangeProtectionManageAsApp: true,
          directoryRoles: ['Compliance Administrator']
        },
        {
          displayName: 'Exchange Online grant only',
          appId: exchangeGrantOnlyAppId,
          certificates: [aes2048.certPem],
          exchangeManageAsApp: true,
          directoryRoles: ['Compliance Administrator']
        }
      ]
    })
  }, 120_000)

  afterAll(async () => {
    await emulator?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  function optionsFor(pfx: OpensslPfx, extra: Partial<ConnectScriptOptions> = {}): ConnectScriptOptions {
    return connectScriptOptionsFor(pfx, passwordPath, { appId, organization: emulator.tenant.initialDomain, ...extra })
  }

  function signIn(options: ConnectScriptOptions): Promise<DotSourceRun> {
    return dotSourceConnectScript(pwsh, dir, options, {
      env: {
        EXO_CBA_TEST_AUTHORITY: emulator.urls.login,
        EXO_CBA_TEST_CA_FILE: emulator.caPath,
        EXO_CBA_MSAL_DIR: msalDir()
      }
    })
  }

  it.each([
    ['an AES-256 PFX with a 2048-bit key', () => aes2048],
    ['a 3DES PFX with a 4096-bit key', () => des4096],
    ['the rotated certificate', () => rotated]
  ])('signs in with %s and gets an Exchange token with Exchange.ManageAsApp and the role', async (_, pfx) => {
    const run = await signIn(optionsFor(pfx()))
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.records).toHaveLength(1)
    const { token } = run.records[0]
    expect(token?.scope).toBe('https://outlook.office365.com/.default')
    expect(token?.claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      appid: appId,
      tid: emulator.tenant.tenantId,
      roles: ['Exchange.ManageAsApp']
    })
    expect(token?.claims.wids).toContain(EXCHANGE_ADMINISTRATOR)
    expect(run.stdout).toContain(`with certificate ${pfx().thumbprint}`)
    for (const text of [run.stdout, run.stderr, run.transcript]) expect(text).not.toContain(PASSWORD)
  })

  it('fails like Exchange does when the app lacks Exchange.ManageAsApp', async () => {
    const run = await signIn(optionsFor(aes2048, { appId: noPermissionAppId }))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`UnAuthorized: the access token for app ${noPermissionAppId} does not carry the Exchange.ManageAsApp application permission`)
  })

  it('fails like Exchange does when the app has no supported directory role', async () => {
    const run = await signIn(optionsFor(aes2048, { appId: noRoleAppId }))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`The role assigned to application ${noRoleAppId} isn't supported in this scenario`)
  })

  it('connects Security & Compliance too, with a token for its endpoint carrying Exchange Online Protection\'s Exchange.ManageAsApp', async () => {
    const run = await signIn(optionsFor(aes2048, { appId: complianceAppId, connectIppsSession: true }))
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.records.map(record => record.command)).toEqual(['Connect-ExchangeOnline', 'Connect-IPPSSession'])
    const { token } = run.records[1]
    expect(token?.scope).toBe('https://ps.compliance.protection.outlook.com/.default')
    expect(token?.claims).toMatchObject({ aud: 'https://ps.compliance.protection.outlook.com', appid: complianceAppId, roles: ['Exchange.ManageAsApp'] })
    expect(token?.claims.wids).toContain(COMPLIANCE_ADMINISTRATOR)
  })

  it('fails Connect-IPPSSession like the service does when only Exchange Online\'s Exchange.ManageAsApp is granted', async () => {
    const run = await signIn(optionsFor(aes2048, { appId: exchangeGrantOnlyAppId, connectIppsSession: true }))
    expect(run.code).not.toBe(0)
    expect(run.records.map(record => record.command)).toEqual(['Connect-ExchangeOnline'])
    expect(run.stderr).toContain(`UnAuthorized: the access token for app ${exchangeGrantOnlyAppId} does not carry the Exchange.ManageAsApp application permission`)
  })

  it('is refused by Entra when the certificate is not registered on the app', async () => {
    const run = await signIn(optionsFor(unregistered))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/AADSTS700027/)
  })
}, { msal: true })
