/**
 * The runner-faithful harness (scripts/lib/local-runner.ts) is itself under test: the
 * end-to-end tests are only as good as its imitation of the GitHub runner.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  actionDefaults,
  findLeaks,
  inputVariable,
  maskCommands,
  maskedLog,
  parseFileCommands,
  projectRoot,
  runAction,
  type ActionRun
} from '../../scripts/lib/local-runner.js'
import { maskedTooLate } from '../helpers/bundled-action.js'

const scratch = mkdtempSync(join(tmpdir(), 'exo-cba-harness-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('parseFileCommands', () => {
  it('reads name<<delimiter blocks, multi-line values included', () => {
    const text = 'changes<<ghadelimiter_1\n[1,\n2]\nghadelimiter_1\nrotated<<ghadelimiter_2\nfalse\nghadelimiter_2\n'
    expect(parseFileCommands(text)).toEqual({ changes: '[1,\n2]', rotated: 'false' })
  })

  it('reads plain name=value lines, keeping = in the value', () => {
    expect(parseFileCommands('a=1\nquery=x=y&z=w\n')).toEqual({ a: '1', query: 'x=y&z=w' })
  })

  it('reads an empty value and CRLF line ends', () => {
    expect(parseFileCommands('empty<<EOF\r\nEOF\r\nb=2\r\n')).toEqual({ empty: '', b: '2' })
  })

  it('keeps the last value of a name, as the runner does', () => {
    expect(parseFileCommands('cleanup-paths<<D\n["a"]\nD\ncleanup-paths<<D\n["a","b"]\nD\n')).toEqual({ 'cleanup-paths': '["a","b"]' })
  })

  it('rejects an unterminated block instead of guessing', () => {
    expect(() => parseFileCommands('name<<EOF\nvalue\n')).toThrow('Unterminated name<<EOF block')
  })

  it('reads back what @actions/core writes, including values that look like commands', () => {
    const files = { GITHUB_OUTPUT: join(scratch, 'output'), GITHUB_STATE: join(scratch, 'state'), GITHUB_ENV: join(scratch, 'env') }
    for (const path of Object.values(files)) writeFileSync(path, '')
    const script = `
      import * as core from '@actions/core'
      core.setOutput('multi', 'line one\\nname<<EOF\\nline three')
      core.setOutput('json', JSON.stringify({ a: 'b=c' }))
      core.saveState('paths', '["/tmp/x"]')
      core.exportVariable('EXO_TEST', 'value')
    `
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', ...files },
      encoding: 'utf8'
    })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'))).toEqual({
      multi: 'line one\nname<<EOF\nline three',
      json: '{"a":"b=c"}'
    })
    expect(parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'))).toEqual({ paths: '["/tmp/x"]' })
    expect(parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8'))).toEqual({ EXO_TEST: 'value' })
  })
})

describe('maskCommands', () => {
  it('returns the ::add-mask:: values in order, unescaped as the runner does', () => {
    const stdout = '::add-mask::first\nsome log line\n::warning::not a mask\n::add-mask::100%25 sure%0Aline two%0D\n'
    expect(maskCommands(stdout)).toEqual(['first', '100% sure\nline two\r'])
  })

  it('agrees with @actions/core setSecret on awkward values', () => {
    const secrets = ['pa%ss', 'multi\nline', 'pct%0Aliteral', "quote'and$dollar"]
    const script = `import * as core from '@actions/core'; for (const s of ${JSON.stringify(secrets)}) core.setSecret(s)`
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8'
    })
    expect(result.status).toBe(0)
    expect(maskCommands(result.stdout)).toEqual(secrets)
  })
})

describe('maskedLog and findLeaks', () => {
  const run = (parts: Partial<{ stdout: string; stderr: string; summary: string; env: Record<string, string>; postStdout: string }>): ActionRun => ({
    main: { exitCode: 0, signal: null, stdout: parts.stdout ?? '', stderr: parts.stderr ?? '', masks: maskCommands(parts.stdout ?? ''), wallMs: 0 },
    post: { exitCode: 0, signal: null, stdout: parts.postStdout ?? '', stderr: '', masks: [], wallMs: 0 },
    outputs: {},
    env: parts.env ?? {},
    state: {},
    summary: parts.summary ?? '',
    runnerTemp: '',
    workspace: ''
  })

  it('shows the log as GitHub would: add-mask lines hidden, longer masks first', () => {
    expect(maskedLog('::add-mask::abcdef\nvalue abcdefgh and abcdef\n', ['abcdef', 'abcdefgh'])).toBe('value *** and ***\n')
  })

  it('finds a secret in stdout (outside add-mask), stderr, the summary, the env file and the post step', () => {
    const secret = 'S3cret-Value'
    expect(findLeaks(run({ stdout: `::add-mask::${secret}\nall good\n` }), [secret])).toEqual([])
    expect(findLeaks(run({ stdout: `::add-mask::${secret}\nprinted ${secret}\n` }), [secret])).toEqual(['stdout contains a secret starting "S3c"'])
    expect(findLeaks(run({ stderr: `Error: ${secret}` }), [secret])).toEqual(['stderr contains a secret starting "S3c"'])
    expect(findLeaks(run({ summary: `| ${secret} |` }), [secret])).toEqual(['summary contains a secret starting "S3c"'])
    expect(findLeaks(run({ env: { X: secret } }), [secret])).toEqual(['env contains a secret starting "S3c"'])
    expect(findLeaks(run({ postStdout: `Removed ${secret}` }), [secret])).toEqual(['stdout contains a secret starting "S3c"'])
  })
})

describe('runAction imitates the runner', () => {
  it('names inputs INPUT_<NAME>: upper case, spaces to _, hyphens kept', () => {
    expect(inputVariable('pfx-base64')).toBe('INPUT_PFX-BASE64')
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT')
  })

  it("takes every input and its default from action.yml, as strings", () => {
    const action = parse(readFileSync(join(projectRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }
    const defaults = actionDefaults()
    expect(Object.keys(defaults).sort()).toEqual(Object.keys(action.inputs).sort())
    expect(defaults).toMatchObject({ mode: 'provision', 'cert-validity-days': '365', 'cert-key-size': '2048', 'secret-prefix': 'EXO_', verify: 'true', 'pfx-base64': '' })
  })

  it('passes inputs with defaults, runner variables and file commands, then STATE_* to the post step', async () => {
    // Stand-ins for dist/index.js and dist/cleanup.js that report what they were given.
    const main = join(scratch, 'main.mjs')
    const post = join(scratch, 'post.mjs')
    writeFileSync(
      main,
      `import { appendFileSync } from 'node:fs'
       const e = process.env
       console.log(JSON.stringify({ mode: e['INPUT_MODE'], org: e['INPUT_ORGANIZATION'], temp: e.RUNNER_TEMP, ws: e.GITHUB_WORKSPACE, actions: e.GITHUB_ACTIONS }))
       appendFileSync(e.GITHUB_STATE, 'token<<D\\nfrom-main\\nD\\n')
       appendFileSync(e.GITHUB_OUTPUT, 'answer<<D\\n42\\nD\\n')
       appendFileSync(e.GITHUB_STEP_SUMMARY, '## Summary\\n')
       appendFileSync(e.GITHUB_ENV, 'EXPORTED=yes\\n')
       process.exitCode = 3
      `
    )
    writeFileSync(post, `console.log(JSON.stringify({ state: process.env.STATE_token, input: process.env['INPUT_ORGANIZATION'] }))`)
    const result = await runAction({ inputs: { organization: 'contoso.onmicrosoft.com' }, entry: main, postEntry: post, jobDir: join(scratch, 'job-1') })
    expect(result.main.exitCode).toBe(3)
    expect(JSON.parse(result.main.stdout)).toEqual({
      mode: 'provision',
      org: 'contoso.onmicrosoft.com',
      temp: result.runnerTemp,
      ws: result.workspace,
      actions: 'true'
    })
    expect(result.outputs).toEqual({ answer: '42' })
    expect(result.state).toEqual({ token: 'from-main' })
    expect(result.env).toEqual({ EXPORTED: 'yes' })
    expect(result.summary).toBe('## Summary\n')
    expect(JSON.parse(result.post?.stdout ?? '')).toEqual({ state: 'from-main', input: 'contoso.onmicrosoft.com' })
  })

  it('skips the post step on request', async () => {
    const main = join(scratch, 'noop.mjs')
    writeFileSync(main, '')
    const result = await runAction({ entry: main, postEntry: join(scratch, 'missing.mjs'), skipPost: true, jobDir: join(scratch, 'job-2') })
    expect(result.main.exitCode).toBe(0)
    expect(result.post).toBeUndefined()
  })
})

describe('maskedTooLate (the e2e tests’ check that masks come first)', () => {
  it('accepts a secret registered before any other line', () => {
    expect(maskedTooLate('::add-mask::s3cret%25\nCertificate ready\n', 's3cret%')).toBeUndefined()
  })

  it('reports a secret registered after a log line, or never', () => {
    expect(maskedTooLate('Reading inputs\n::add-mask::s3cret\n', 's3cret')).toBe('registered on line 2, after "Reading inputs"')
    expect(maskedTooLate('Reading inputs\n', 's3cret')).toBe('never registered with ::add-mask::')
  })
})
