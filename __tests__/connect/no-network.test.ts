/**
 * Connect mode makes no network call at all (issue 2 §5). The bundled action runs under a
 * preload that replaces every network entry point with one that records and throws; the
 * record must stay empty. Negative controls prove the preload catches real attempts, both
 * in a plain script and in the same bundle when it does go to the network (provision mode).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { projectRoot } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'
import { PfxFixtures, type PfxFixture } from '../helpers/pfx-fixtures.js'

const PRELOAD = pathToFileURL(join(projectRoot, '__tests__', 'helpers', 'no-network.mjs')).href

interface Attempt {
  api: string
  target: string
}

const fixtures = new PfxFixtures()
const logs = mkdtempSync(join(tmpdir(), 'exo-cba-no-network-'))
let action: BundledAction
let held: PfxFixture
let expired: PfxFixture
let logCount = 0

beforeAll(() => {
  action = new BundledAction()
  held = fixtures.pfx({ name: 'No Network', days: 20 })
  const now = Date.now()
  expired = fixtures.pfx({ name: 'Expired', validity: { from: new Date(now - 60 * 86_400_000), to: new Date(now - 86_400_000) } })
})
afterAll(() => {
  action?.cleanup()
  fixtures.cleanup()
  rmSync(logs, { recursive: true, force: true })
})

/** Environment that loads the preload, and the attempts it recorded once the run is over. */
function guarded(): { env: Record<string, string>; attempts: () => Attempt[]; guardedProcesses: () => number } {
  const log = join(logs, `attempts-${++logCount}.jsonl`)
  const loaded = join(logs, `loaded-${logCount}.txt`)
  return {
    env: { NODE_OPTIONS: `--import=${PRELOAD}`, NO_NETWORK_LOG: log, NO_NETWORK_LOADED: loaded },
    guardedProcesses: () => (existsSync(loaded) ? readFileSync(loaded, 'utf8').split('\n').filter(Boolean).length : 0),
    attempts: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(line => line !== '')
            .map(line => JSON.parse(line) as Attempt)
        : []
  }
}

function connectInputs(pfx: PfxFixture): Record<string, string> {
  return {
    mode: 'connect',
    'app-id': '4a5f2bde-a1b0-4c8e-9d3f-0123456789ab',
    organization: 'contoso.onmicrosoft.com',
    'pfx-base64': pfx.base64,
    'pfx-password': pfx.password,
    // Within rotate-before-days: the warning path runs too.
    'rotate-before-days': '30'
  }
}

describe('connect mode makes no network call', () => {
  it('succeeds, warns and cleans up with every network entry point forbidden', async () => {
    const { env, attempts, guardedProcesses } = guarded()
    const run = await action.run({ inputs: connectInputs(held), env })
    // The main step and the post step both ran under the preload.
    expect(guardedProcesses()).toBe(2)
    expect(run.main.stderr).toBe('')
    expect(run.main.exitCode).toBe(0)
    expect(run.main.stdout).toContain('::warning')
    expect(run.outputs['certificate-thumbprint']).toBe(held.opensslThumbprint)
    expect(run.post?.exitCode).toBe(0)
    expect(attempts()).toEqual([])
  })

  it('fails on an expired certificate without a network call', async () => {
    const { env, attempts, guardedProcesses } = guarded()
    const run = await action.run({ inputs: connectInputs(expired), env })
    expect(guardedProcesses()).toBe(2)
    expect(run.main.exitCode).toBe(1)
    expect(attempts()).toEqual([])
  })
})

describe('the no-network preload (negative controls)', () => {
  it('records and blocks fetch, net, tls, http(s) and dns calls in any Node process', async () => {
    const { env, attempts } = guarded()
    const script = `
      import net from 'node:net'; import tls from 'node:tls'; import dns from 'node:dns'; import https from 'node:https'
      import { connect as tlsConnect } from 'node:tls'
      const tries = {
        fetch: () => fetch('https://graph.microsoft.com/v1.0/organization'),
        net: () => net.connect(443, 'login.microsoftonline.com'),
        createConnection: () => net.createConnection({ host: '127.0.0.1', port: 9 }),
        socket: () => new net.Socket().connect(9, '127.0.0.1'),
        tls: () => tls.connect({ host: 'outlook.office365.com', port: 443 }),
        tlsNamedImport: () => tlsConnect({ host: 'api.github.com', port: 443 }),
        https: () => https.get('https://api.github.com/'),
        dns: () => dns.lookup('login.microsoftonline.com', () => {}),
        dnsPromise: () => dns.promises.lookup('graph.microsoft.com')
      }
      const blocked = []
      for (const [name, attempt] of Object.entries(tries)) {
        try { await attempt(); } catch (error) { if (error.code === 'ENETFORBIDDEN') blocked.push(name) }
      }
      console.log(JSON.stringify(blocked))
    `
    const result = await runNode(['--input-type=module', '-e', script], env)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual(['fetch', 'net', 'createConnection', 'socket', 'tls', 'tlsNamedImport', 'https', 'dns', 'dnsPromise'])
    const recorded = attempts()
    expect(recorded.map(a => a.api)).toEqual([
      'fetch',
      'net.connect',
      'net.createConnection',
      'net.Socket.connect',
      'tls.connect',
      'tls.connect',
      'https.get',
      'dns.lookup',
      'dns.promises.lookup'
    ])
    expect(recorded[0].target).toBe('https://graph.microsoft.com/v1.0/organization')
    expect(recorded[4].target).toBe('outlook.office365.com:443')
  })

  it('catches the bundled action when it does go to the network (provision mode signs in)', async () => {
    const { env, attempts } = guarded()
    const run = await action.run({
      inputs: {
        'tenant-id': '72f988bf-86f1-41af-91ab-2d7cd011db47',
        'client-id': '1b730954-1685-4b74-9bfd-dac224a7b894',
        'client-secret': 'not-a-real-client-secret'
      },
      env
    })
    expect(run.main.exitCode).toBe(1)
    const recorded = attempts()
    expect(recorded.length).toBeGreaterThan(0)
    expect(recorded.map(a => a.target).join(' ')).toContain('login.microsoftonline.com')
  })
})

function runNode(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}
