/**
 * The provisioning identity's sign-in (src/entra/sign-in.ts) against the emulated Entra ID
 * and GitHub OIDC issuer: each method gets a Graph token; failures become sentences that
 * say what to fix; the GitHub token is reused while it lives and fetched again after.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { provisionInputs } from '../../scripts/lib/emulated-run.js'
import { explainSignInError, jwtClaim, provisioningCredential, reusableToken } from '../../src/entra/sign-in.js'
import { UserError } from '../../src/errors.js'
import { readSettings, type Settings } from '../../src/settings.js'
import { claimsOf, makeCertificate } from '../emulator/helpers.js'
import { FakeInputs } from '../helpers/fake-inputs.js'

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default'
const OIDC_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const

let emulator: Emulator
const provisioningCertificate = makeCertificate({ subject: 'provisioning identity' })
const runnerTemp = mkdtempSync(join(tmpdir(), 'exo-cba-sign-in-'))

beforeAll(async () => {
  emulator = await startEmulator({ provisioning: { certificates: [provisioningCertificate.certPem] } })
})
afterAll(async () => {
  await emulator?.close()
  rmSync(runnerTemp, { recursive: true, force: true })
})
afterEach(() => {
  for (const name of OIDC_VARIABLES) delete process.env[name]
  emulator.oidc.subject = emulator.provisioning.federatedSubject
  emulator.log.clear()
})

function settingsWith(inputs: Record<string, string> = {}): Settings {
  const source = new FakeInputs(provisionInputs(emulator, inputs))
  return readSettings(source, { RUNNER_TEMP: runnerTemp, GITHUB_REPOSITORY: 'octo/demo' }, new Date()).settings
}

function allowOidc(): void {
  Object.assign(process.env, emulator.oidc.actionsEnv())
}

async function graphToken(settings: Settings): Promise<Record<string, unknown>> {
  const token = await provisioningCredential(settings).getToken(GRAPH_SCOPE)
  if (token === null) throw new Error('no token')
  return claimsOf(token.token)
}

async function signInError(settings: Settings): Promise<Error> {
  try {
    await provisioningCredential(settings).getToken(GRAPH_SCOPE)
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the sign-in to fail')
}

describe('each sign-in method gets a Graph token for the provisioning identity', () => {
  it('client-secret', async () => {
    const claims = await graphToken(settingsWith({ 'client-secret': emulator.provisioning.clientSecret }))
    expect(claims.appid).toBe(emulator.provisioning.appId)
    expect(claims.aud).toBe('https://graph.microsoft.com')
    expect(emulator.log.list({ service: 'oidc' })).toEqual([])
  })

  it('client-certificate (PEM)', async () => {
    const claims = await graphToken(settingsWith({ 'client-certificate': provisioningCertificate.pem }))
    expect(claims.appid).toBe(emulator.provisioning.appId)
  })

  it('GitHub OIDC, with the configured audience', async () => {
    allowOidc()
    const claims = await graphToken(settingsWith())
    expect(claims.appid).toBe(emulator.provisioning.appId)
    const requests = emulator.log.list({ service: 'oidc' })
    expect(requests).toHaveLength(1)
    expect(decodeURIComponent(requests[0].path)).toContain('audience=api://AzureADTokenExchange')
  })
})

describe('sign-in failures say what to fix', () => {
  it('no id-token permission: names `permissions: id-token: write` and the alternatives', async () => {
    const error = await signInError(settingsWith())
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toMatch(/permissions: id-token: write/)
    expect(error.message).toMatch(/client-secret or client-certificate/)
  })

  it('no federated credential for the subject: prints the subject and the credential to add', async () => {
    allowOidc()
    emulator.oidc.subject = 'repo:octo/demo:environment:provisioning'
    const error = await signInError(settingsWith())
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toContain("subject 'repo:octo/demo:environment:provisioning'")
    expect(error.message).toContain(`az ad app federated-credential create --id ${emulator.provisioning.appId}`)
    expect(error.message).toContain('"issuer":"https://token.actions.githubusercontent.com"')
    expect(error.message).toContain('"audiences":["api://AzureADTokenExchange"]')
  })

  it('a wrong client secret', async () => {
    const error = await signInError(settingsWith({ 'client-secret': 'emu~wrong' }))
    expect(error.message).toMatch(/client-secret of the provisioning identity \(client-id .*\) in tenant .* is wrong or expired \(AADSTS7000215\)/)
  })

  it('a client certificate that is not on the app', async () => {
    const error = await signInError(settingsWith({ 'client-certificate': makeCertificate({ subject: 'stranger' }).pem }))
    expect(error.message).toMatch(/rejected the client-certificate .*AADSTS700027.*Upload its public certificate/)
  })

  it('an unknown client id', async () => {
    const error = await signInError(settingsWith({ 'client-id': '0d6b1a35-9f5e-4c1e-8a11-4b0f1f2c3d4e', 'client-secret': 'emu~x' }))
    expect(error.message).toMatch(/No app with client-id 0d6b1a35-9f5e-4c1e-8a11-4b0f1f2c3d4e exists in tenant .* \(AADSTS700016\)/)
  })

  it('an unknown tenant', async () => {
    const error = await signInError(settingsWith({ 'tenant-id': 'fabrikam.onmicrosoft.com', 'client-secret': 'emu~x' }))
    expect(error.message).toContain(`sign-in configuration of tenant 'fabrikam.onmicrosoft.com' from ${emulator.urls.login}`)
    expect(error.message).toMatch(/Check 'tenant-id' .*'cloud' and 'authority-host'/)
  })

  it('an authority host that cannot be reached', async () => {
    const error = await signInError(settingsWith({ 'authority-host': 'https://127.0.0.1:9', 'client-secret': 'emu~x' }))
    expect(error.message).toMatch(/from https:\/\/127\.0\.0\.1:9: .*cannot be reached/)
  })
})

describe('explainSignInError', () => {
  const settings = (): Settings => settingsWith({ 'client-secret': 'emu~x' })

  it('keeps a UserError as it is', () => {
    const original = new UserError('already explained')
    expect(explainSignInError(original, { settings: settings() })).toBe(original)
  })

  it('says the subject is unknown rather than inventing one', () => {
    const error = explainSignInError(new Error('AADSTS700213: No matching federated identity record found'), { settings: settings() })
    expect(error.message).toContain("subject '(unknown)'")
  })

  const onMain = { eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main', repository: 'contoso/exo-jobs' }
  const unmatched = (): Error => new Error('AADSTS700213: No matching federated identity record found')

  it('tells a job on the default branch the exact subject to trust', () => {
    const subject = 'repo:contoso/exo-jobs:ref:refs/heads/main'
    const error = explainSignInError(unmatched(), { settings: settings(), oidcSubject: subject, job: onMain })
    expect(error.message).toContain(`"subject":"${subject}"`)
    expect(error.message).toContain('federated-credential create')
  })

  it.each([
    ['a feature branch', 'repo:contoso/exo-jobs:ref:refs/heads/feature', { ...onMain, ref: 'refs/heads/feature' }, /runs on refs\/heads\/feature, not on the default branch refs\/heads\/main.*anyone who can push a branch could then sign in as the provisioning identity/],
    ['a pull request\'s merge ref', 'repo:contoso/exo-jobs:ref:refs/pull/1/merge', { ...onMain, ref: 'refs/pull/1/merge' }, /pull-request job's \(subject 'repo:contoso\/exo-jobs:ref:refs\/pull\/1\/merge'\)/],
    ['an environment job for a pull request', 'repo:contoso/exo-jobs:environment:provisioning', { ...onMain, eventName: 'pull_request', ref: 'refs/pull/1/merge' }, /runs for a pull request \(event pull_request\) — even in environment 'provisioning'/],
    ['a branch not known to be the default one', 'repo:contoso/exo-jobs:ref:refs/heads/main', {}, /could not be confirmed to be the default branch's/]
  ])('never tells %s to trust its subject: points to an environment instead', (_what, subject, job, why) => {
    const error = explainSignInError(unmatched(), { settings: settings(), oidcSubject: subject, job })
    expect(error.message).toMatch(why)
    expect(error.message).toContain('environment with required reviewers')
    expect(error.message).not.toContain('federated-credential create')
    expect(error.message).not.toContain(`"subject":"${subject}"`)
  })

  it('never suggests trusting a pull-request subject (either subject form): it points to an environment instead', () => {
    for (const subject of ['repo:contoso/exo-jobs:pull_request', 'repo:contoso@1234/exo-jobs@5678:pull_request']) {
      const error = explainSignInError(new Error('AADSTS700213: No matching federated identity record found'), { settings: settings(), oidcSubject: subject })
      expect(error.message).toContain(`the token is a pull-request job's (subject '${subject}')`)
      expect(error.message).toContain('environment with required reviewers')
      expect(error.message).not.toContain('federated-credential create')
      expect(error.message).not.toContain(`"subject":"${subject}"`)
    }
  })

  it('falls back to the original message, naming who failed to sign in', () => {
    const error = explainSignInError(new Error('socket hang up'), { settings: settings() })
    expect(error.message).toMatch(/^Sign-in of the provisioning identity \(client-id .*\) in tenant .* failed: socket hang up$/)
  })
})

describe('reusableToken (the GitHub OIDC token lives about 10 minutes)', () => {
  const jwtExpiringAt = (exp: number): string =>
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp, sub: 'repo:octo/demo:ref:refs/heads/main' })).toString('base64url')}.`

  it('reuses the token while it has more than two minutes left, then fetches a fresh one', async () => {
    let clock = 1_000_000_000_000
    let fetched = 0
    const source = reusableToken(async () => jwtExpiringAt(Math.floor(clock / 1000) + 600 + fetched++ * 0), () => clock)
    const first = await source()
    expect(await source()).toBe(first)
    clock += 7 * 60 * 1000
    expect(await source()).toBe(first)
    expect(fetched).toBe(1)
    clock += 1.5 * 60 * 1000 // 8.5 minutes in: 90 s left, under the margin
    const fresh = await source()
    expect(fetched).toBe(2)
    expect(fresh).not.toBe(first)
  })

  it('does not cache a token without a readable exp', async () => {
    let fetched = 0
    const source = reusableToken(async () => `not-a-jwt-${fetched++}`)
    await source()
    await source()
    expect(fetched).toBe(2)
  })

  it('jwtClaim reads a claim for messages, and nothing from garbage', () => {
    expect(jwtClaim(jwtExpiringAt(1), 'sub')).toBe('repo:octo/demo:ref:refs/heads/main')
    expect(jwtClaim('garbage', 'sub')).toBeUndefined()
  })
})
