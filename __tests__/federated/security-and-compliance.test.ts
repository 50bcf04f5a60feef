/**
 * `credential: federated` with `connect-ippssession: true`: connect mode gets a second token,
 * for Security & Compliance PowerShell's resource, and the script passes each to its cmdlet
 * (Connect-IPPSSession takes -AccessToken from ExchangeOnlineManagement 3.8.0). The test
 * double checks each token's audience against the service it connects.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { emulatorEnv } from '../../scripts/lib/emulated-run.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { describeIfPwsh, msalDir } from '../helpers/pwsh.js'
import { dotSourceConnectScript } from '../powershell/dot-source.js'
import { explain, provision } from '../provision/provision-helpers.js'

const COMPLIANCE_ADMINISTRATOR = '17315797-102d-40b4-93e0-432062caca18'

describeIfPwsh('credential: federated with Security & Compliance PowerShell', (pwsh) => {
  let dir: string
  let emulator: Emulator
  let action: BundledAction
  let provisioned: ActionRun
  let connected: ActionRun

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-federated-ipps-'))
    emulator = await startEmulator()
    action = new BundledAction()
    provisioned = await provision(action, emulator, {
      credential: 'federated',
      'connect-ippssession': 'true',
      roles: 'Exchange Administrator, Compliance Administrator'
    }, { jobDir: join(dir, 'job-1') })
    connected = await action.run({
      inputs: {
        mode: 'connect',
        credential: 'federated',
        'connect-ippssession': 'true',
        'app-id': provisioned.outputs['app-id'],
        'tenant-id': emulator.tenant.tenantId,
        organization: provisioned.outputs.organization,
        'authority-host': emulator.urls.login
      },
      env: emulatorEnv(emulator),
      skipPost: true,
      jobDir: join(dir, 'job-2')
    })
  }, 180_000)

  afterAll(async () => {
    action?.cleanup()
    await emulator?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('both services connect, each with a token for its own resource', async () => {
    if (provisioned.main.exitCode !== 0) throw new Error(explain(provisioned))
    if (connected.main.exitCode !== 0) throw new Error(explain(connected))
    const script = readFileSync(connected.outputs['connect-script'], 'utf8')
    expect(script).toContain("$minimumModuleVersion = '3.8.0'")
    const run = await dotSourceConnectScript(pwsh, dir, { path: connected.outputs['connect-script'] }, {
      env: { EXO_CBA_TEST_AUTHORITY: emulator.urls.login, EXO_CBA_TEST_CA_FILE: emulator.caPath, EXO_CBA_MSAL_DIR: msalDir() }
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.records.map(r => r.command)).toEqual(['Connect-ExchangeOnline', 'Connect-IPPSSession'])
    expect(run.records[0].token?.claims).toMatchObject({ aud: 'https://outlook.office365.com', roles: ['Exchange.ManageAsApp'] })
    expect(run.records[1].token?.claims).toMatchObject({ aud: 'https://ps.compliance.protection.outlook.com', roles: ['Exchange.ManageAsApp'] })
    expect(run.records[1].token?.claims.wids).toContain(COMPLIANCE_ADMINISTRATOR)
    expect(run.records[1].parameters).toEqual({ AccessToken: { type: 'AccessToken' }, Organization: provisioned.outputs.organization })
    expect(run.after?.exoCba).toMatchObject({ Credential: 'federated', SecurityAndCompliance: true })
  }, 120_000)
}, { msal: true })
