/**
 * Issue 21 point 5: names read from Microsoft Graph reach the log only as printable text. An
 * app, a key credential or a federated credential named with a line break and a workflow
 * command must not make the runner see a command the action did not write: the runner takes
 * every output line that starts with `::` as one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateCertificate } from '../../src/certificate/index.js'
import { ACTION_KEY_DISPLAY_NAME_PREFIX } from '../../src/entra/well-known.js'
import { federatedCredentialDescription } from '../../src/entra/federated-credentials.js'
import { secretSetOf } from '../../src/github/secret-set.js'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { GITHUB_SEED } from '../../emulator/github.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { explain, provision } from './provision-helpers.js'

const DAY_MS = 86_400_000
const APP_NAME = 'EXO Background Process\n::warning::pwned by the app name'
const KEY_INJECTION = '\r\n::add-mask::INJECTED-BY-KEY-NAME'
const FEDERATED_NAME = 'portal\n::set-output name=app-id::INJECTED-BY-CREDENTIAL-NAME'
const FEDERATED_SUBJECT = 'repo:octo/demo:ref:refs/heads/main\r::error::INJECTED-BY-SUBJECT'
/** A command line that one of the names above would start, were it printed as it is. */
const INJECTED = /^::[a-z-]+( [^:]*)?::(pwned by the app name|INJECTED-BY-)/i

/** The lines the runner reads as workflow commands: it splits on CR, LF or both and trims each line. */
function commandLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map(line => line.trim()).filter(line => line.startsWith('::'))
}

describe('names from Graph with line breaks and workflow commands in them', () => {
  let action: BundledAction
  let emulator: Emulator
  let run: ActionRun

  beforeAll(async () => {
    action = new BundledAction()
    emulator = await startEmulator()
    const { app } = emulator.tenant.seedApplication(
      { displayName: APP_NAME, federatedCredentials: [{ name: FEDERATED_NAME, subject: FEDERATED_SUBJECT }] },
      emulator.urls.oidc
    )
    // An expired certificate named as this action names its own (so the run prunes it and logs
    // its name), within Graph's 90 characters.
    const expired = generateCertificate({
      subject: 'CN=EXO Background Process',
      keySize: 2048,
      validityDays: 30,
      encryption: 'aes256',
      friendlyName: 'EXO Background Process',
      now: new Date(Date.now() - 40 * DAY_MS)
    })
    app.keyCredentials.push(
      emulator.tenant.keyCredentialFromCertificate(expired.derBase64, {
        displayName: `${ACTION_KEY_DISPLAY_NAME_PREFIX}${KEY_INJECTION}`,
        visibleAt: 0
      })
    )
    run = await provision(action, emulator, { 'app-id': app.appId, organization: 'contoso.onmicrosoft.com' })
  }, 240_000)
  afterAll(async () => {
    await emulator?.close()
    action?.cleanup()
  })

  it('the run succeeds', () => {
    expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
  })

  it('no line of its output is a command it did not mean to write', () => {
    const injected = [run.main.stdout, run.main.stderr, run.post?.stdout ?? ''].flatMap(commandLines).filter(line => INJECTED.test(line))
    expect(injected).toEqual([])
  })

  it('the names are still shown, with their control characters escaped', () => {
    expect(run.main.stdout).toContain('"EXO Background Process\\n::warning::pwned by the app name"')
    expect(run.main.stdout).toContain(`\\r\\n::add-mask::INJECTED-BY-KEY-NAME`)
  })

  it('the job summary holds no control character from them either', () => {
    expect(run.summary).toContain('EXO Background Process ::warning::pwned by the app name')
    // eslint-disable-next-line no-control-regex
    expect(run.summary.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
  })
})

describe("a federated credential of this pipeline's, removed, whose subject holds a line break and a workflow command", () => {
  it('is logged escaped: no output line is an ::add-mask:: command from it', async () => {
    const action = new BundledAction()
    const emulator = await startEmulator()
    try {
      // This run's set (secret-target none, default prefix, this repository), as this version records it.
      const set = secretSetOf({ target: 'none', prefix: 'EXO_', repository: { owner: GITHUB_SEED.owner, repo: GITHUB_SEED.repo } }).id
      const subject = `repo:${GITHUB_SEED.owner}/${GITHUB_SEED.repo}:ref:refs/heads/gone\n::add-mask::INJECTED-BY-REMOVED-SUBJECT`
      const { app } = emulator.tenant.seedApplication(
        { displayName: 'EXO Background Process', federatedCredentials: [{ name: 'exo-cba-gone', subject, description: federatedCredentialDescription([set]) }] },
        emulator.urls.oidc
      )
      // credential: certificate (the default) wants no federated credential: it is removed once the new certificate signed in.
      const run = await provision(action, emulator, { 'app-id': app.appId, organization: 'contoso.onmicrosoft.com' })
      expect(run.main.exitCode === 0 ? 'exit 0' : explain(run)).toBe('exit 0')
      expect(app.federatedIdentityCredentials).toEqual([])
      expect(run.main.stdout).toContain('\\n::add-mask::INJECTED-BY-REMOVED-SUBJECT')
      // The action's own ::add-mask:: lines (core.setSecret) mask its secrets; none may come from the subject.
      expect([run.main.stdout, run.main.stderr].flatMap(commandLines).filter(line => line.startsWith('::add-mask::INJECTED'))).toEqual([])
    } finally {
      await emulator.close()
      action.cleanup()
    }
  }, 240_000)
})
