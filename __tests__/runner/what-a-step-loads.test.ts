/**
 * Each step loads only the code it runs (issue 15): the everyday connect job never parses
 * the sign-in, Graph or GitHub libraries, a provisioning run without a secret target
 * never loads Octokit or libsodium, and the post step loads Octokit only to give back a
 * lease. The bundled action runs as the runner runs it, with a module hook (preloaded
 * through NODE_OPTIONS) that writes down every bundle file Node loads; what a file holds
 * is told by the libraries' own names in it. The same provisioning run must log its
 * phases as `timing` debug lines (what `npm run bench` reads).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { emulatorEnv, provisionInputs, repositorySecretInputs } from '../../scripts/lib/emulated-run.js'
import type { ActionRun } from '../../scripts/lib/local-runner.js'
import { BundledAction } from '../helpers/bundled-action.js'

let action: BundledAction
let emulator: Emulator
let hook: string

beforeAll(async () => {
  action = new BundledAction()
  emulator = await startEmulator()
  hook = join(action.root, 'record-loads.mjs')
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module'
import { appendFileSync } from 'node:fs'
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) appendFileSync(process.env.EXO_CBA_LOADED, url + '\\n')
    return nextLoad(url, context)
  }
})
`
  )
})
afterAll(async () => {
  action?.cleanup()
  await emulator?.close()
})

/** Runs the action (main and post step) and returns, per step, the bundle files it loaded. */
async function runRecording(inputs: Record<string, string>): Promise<{ run: ActionRun; main: string[]; post: string[] }> {
  const mainLog = join(action.root, `main-${Math.random().toString(36).slice(2)}.log`)
  const postLog = `${mainLog}.post`
  writeFileSync(mainLog, '')
  writeFileSync(postLog, '')
  const preload = `--import=${pathToFileURL(hook).href}`
  const run = await action.run({ inputs, env: { ...emulatorEnv(emulator), NODE_OPTIONS: preload, EXO_CBA_LOADED: mainLog }, postEnv: { EXO_CBA_LOADED: postLog } })
  const files = (log: string): string[] => readFileSync(log, 'utf8').split('\n').filter(url => url.includes('/dist/')).map(url => new URL(url).pathname)
  return { run, main: files(mainLog), post: files(postLog) }
}

/** Which of the heavy libraries the loaded files contain, by names only they carry. */
function librariesIn(files: string[]): string[] {
  const markers: Array<[string, RegExp]> = [
    ['msal-node (sign-in)', /@azure\/msal-node/],
    ['microsoft-graph-client', /GraphClientError/],
    ['octokit', /@octokit\/plugin-rest-endpoint-methods|octokit-endpoint\.js|paginateRest/],
    // The WebAssembly's exports: libsodium's own, not the action's call to crypto_box_seal.
    ['libsodium', /_crypto_box_seal_open/]
  ]
  const text = files.map(file => readFileSync(file, 'utf8')).join('\n')
  return markers.filter(([, pattern]) => pattern.test(text)).map(([name]) => name)
}

describe('a provisioning run without a secret target', () => {
  let recorded: Awaited<ReturnType<typeof runRecording>>

  beforeAll(async () => {
    recorded = await runRecording(provisionInputs(emulator))
  })

  it('succeeds, main and post step', () => {
    expect(recorded.run.main.exitCode).toBe(0)
    expect(recorded.run.post?.exitCode).toBe(0)
  })

  it('loads sign-in and Graph, but neither Octokit nor libsodium', () => {
    expect(recorded.main.map(file => basename(file))).toContain('index.js')
    expect(librariesIn(recorded.main).sort()).toEqual(['microsoft-graph-client', 'msal-node (sign-in)'])
  })

  it('has a post step that loads none of them (no lease to give back)', () => {
    expect(recorded.post.length).toBeGreaterThan(0)
    expect(librariesIn(recorded.post)).toEqual([])
  })

  it('logs each phase once as a timing debug line, start-up and run last', () => {
    const timings = recorded.run.main.stdout
      .split('\n')
      .filter(line => line.startsWith('::debug::timing '))
      .map(line => /^::debug::timing (.+) ([\d.]+) ms$/.exec(line)?.[1])
    expect(timings).toEqual([
      'sign-in',
      'read',
      'apply',
      'certificate (made beside sign-in and reads)',
      'certificate (apply waited for it)',
      'verify',
      'secrets',
      'connect files',
      'start-up',
      'run'
    ])
  })
})

describe('a provisioning run with a secret target', () => {
  it('loads Octokit and libsodium too, when it writes the secrets (the markers above do find them)', async () => {
    const { run, main } = await runRecording({ ...provisionInputs(emulator), ...repositorySecretInputs() })
    expect(run.main.exitCode).toBe(0)
    expect(librariesIn(main).sort()).toEqual(['libsodium', 'microsoft-graph-client', 'msal-node (sign-in)', 'octokit'])
  })
})

describe('a connect job', () => {
  it('loads none of the provisioning libraries', async () => {
    const first = await runRecording(provisionInputs(emulator))
    const { run, main } = await runRecording({
      mode: 'connect',
      'app-id': first.run.outputs['app-id'],
      'tenant-id': first.run.outputs['tenant-id'],
      organization: first.run.outputs.organization,
      'pfx-base64': first.run.outputs['pfx-base64'],
      'pfx-password': first.run.outputs['pfx-password']
    })
    expect(run.main.exitCode).toBe(0)
    expect(main.length).toBeGreaterThan(0)
    expect(librariesIn(main)).toEqual([])
  })
})
