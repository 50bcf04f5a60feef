/**
 * What the bundled action emits, used the way a later workflow step uses it: the connect
 * script from provision mode and from connect mode is dot-sourced in PowerShell 7 and signs
 * in to the emulated Entra ID through MSAL.NET (the test double of ExchangeOnlineManagement),
 * with the PFX the action's own certificate engine made.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { describeIfPwsh, msalDir } from '../helpers/pwsh.js'
import { EXCHANGE_ADMINISTRATOR, explain, provision } from '../provision/provision-helpers.js'
import { dotSourceConnectScript, type DotSourceRun } from './dot-source.js'

describeIfPwsh('the connect script the bundled action emits, in PowerShell 7 with MSAL.NET', (pwsh) => {
  let dir: string
  let emulator: Emulator
  let action: BundledAction
  let provisioned: ActionRun
  let jobs = 0

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exo-cba-pwsh-action-'))
    emulator = await startEmulator()
    action = new BundledAction()
    provisioned = await provision(action, emulator, { 'app-name': "EXO Background Process (O'Brien $x)" }, {
      skipPost: true,
      jobDir: join(dir, `job-${++jobs}`)
    })
  }, 180_000)

  afterAll(async () => {
    action?.cleanup()
    await emulator?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  function signIn(scriptPath: string): Promise<DotSourceRun> {
    return dotSourceConnectScript(pwsh, dir, { path: scriptPath }, {
      env: { EXO_CBA_TEST_AUTHORITY: emulator.urls.login, EXO_CBA_TEST_CA_FILE: emulator.caPath, EXO_CBA_MSAL_DIR: msalDir() }
    })
  }

  function expectExchangeToken(run: DotSourceRun, appId: string): void {
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.records.map((r) => r.command)).toEqual(['Connect-ExchangeOnline'])
    const { token } = run.records[0]
    expect(token?.claims).toMatchObject({ aud: 'https://outlook.office365.com', appid: appId, roles: ['Exchange.ManageAsApp'] })
    expect(token?.claims.wids).toContain(EXCHANGE_ADMINISTRATOR)
  }

  it('provision mode: the emitted script signs in as the new app with its new certificate', async () => {
    expect(provisioned.main.exitCode).toBe(0)
    const run = await signIn(provisioned.outputs['connect-script'])
    expectExchangeToken(run, provisioned.outputs['app-id'])
    expect(run.records[0].parameters).toMatchObject({
      Organization: provisioned.outputs.organization,
      Certificate: { thumbprint: provisioned.outputs['certificate-thumbprint'], hasPrivateKey: true }
    })
    for (const text of [run.stdout, run.stderr, run.transcript]) {
      expect(text).not.toContain(provisioned.outputs['pfx-password'])
    }
  }, 120_000)

  it('connect mode: the certificate provision mode handed out signs in from a later job', async () => {
    expect(provisioned.main.exitCode).toBe(0)
    const connected = await action.run({
      inputs: {
        mode: 'connect',
        'app-id': provisioned.outputs['app-id'],
        organization: provisioned.outputs.organization,
        'pfx-base64': provisioned.outputs['pfx-base64'],
        'pfx-password': provisioned.outputs['pfx-password']
      },
      skipPost: true,
      jobDir: join(dir, `job-${++jobs}`)
    })
    expect(connected.main.exitCode).toBe(0)
    const run = await signIn(connected.outputs['connect-script'])
    expectExchangeToken(run, provisioned.outputs['app-id'])
    expect(run.records[0].parameters).toMatchObject({
      Certificate: { thumbprint: provisioned.outputs['certificate-thumbprint'], hasPrivateKey: true }
    })
  }, 120_000)

  it('a 4096-bit key in a 3DES PFX (pfx-encryption: 3des) signs in too', async () => {
    const made = await provision(action, emulator, { 'app-name': 'EXO 3DES 4096', 'pfx-encryption': '3des', 'cert-key-size': '4096' }, {
      skipPost: true,
      jobDir: join(dir, `job-${++jobs}`)
    })
    if (made.main.exitCode !== 0) throw new Error(explain(made))
    expectExchangeToken(await signIn(made.outputs['connect-script']), made.outputs['app-id'])
  }, 180_000)

  it('after a rotation, the script signs in with the new certificate', async () => {
    const appName = 'EXO Rotated'
    const first = await provision(action, emulator, { 'app-name': appName, 'cert-validity-days': '20', 'rotate-before-days': '10' }, {
      skipPost: true,
      jobDir: join(dir, `job-${++jobs}`)
    })
    if (first.main.exitCode !== 0) throw new Error(explain(first))
    // The held certificate expires within rotate-before-days (30 > 20 days left): renewed.
    const second = await provision(action, emulator, {
      'app-name': appName,
      'pfx-base64': first.outputs['pfx-base64'],
      'pfx-password': first.outputs['pfx-password'],
      'rotate-before-days': '30'
    }, { skipPost: true, jobDir: join(dir, `job-${++jobs}`) })
    if (second.main.exitCode !== 0) throw new Error(explain(second))
    expect(second.outputs.rotated).toBe('true')
    expect(second.outputs['app-id']).toBe(first.outputs['app-id'])
    expect(second.outputs['certificate-thumbprint']).not.toBe(first.outputs['certificate-thumbprint'])
    const run = await signIn(second.outputs['connect-script'])
    expectExchangeToken(run, second.outputs['app-id'])
    expect(run.records[0].parameters).toMatchObject({ Certificate: { thumbprint: second.outputs['certificate-thumbprint'] } })
  }, 240_000)

  it('the provision run itself succeeded', () => {
    // Kept separate so a provisioning failure reads as one, with the action's log.
    if (provisioned.main.exitCode !== 0) throw new Error(explain(provisioned))
  })
}, { msal: true })
