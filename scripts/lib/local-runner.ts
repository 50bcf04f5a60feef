/**
 * Runs the bundled action the way the GitHub runner does, for the tests and `npm start`:
 * every input as INPUT_<NAME> with action.yml's defaults applied, the file commands
 * (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, GITHUB_STEP_SUMMARY) in their
 * `name<<delimiter` format, then the post step with the saved state as STATE_<name>.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const projectRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)))

export interface StepResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Values registered with ::add-mask::, in order. */
  masks: string[]
  /** Spawn to exit, ms. */
  wallMs: number
}

export interface ActionRun {
  main: StepResult
  post?: StepResult
  outputs: Record<string, string>
  env: Record<string, string>
  state: Record<string, string>
  summary: string
  runnerTemp: string
  workspace: string
}

export interface RunOptions {
  inputs?: Record<string, string>
  /** Extra environment (e.g. NODE_EXTRA_CA_CERTS, GITHUB_API_URL, ACTIONS_ID_TOKEN_REQUEST_URL). */
  env?: Record<string, string>
  /** Environment for the post step only, over `env` (e.g. a different log file for a hook). */
  postEnv?: Record<string, string>
  /** Skip the post step, e.g. to look at the files it would remove. */
  skipPost?: boolean
  /** A folder to reuse as the job's temp area (RUNNER_TEMP lives under it). */
  jobDir?: string
  /** Kill the main step after this many ms (crash tests). */
  killAfterMs?: number
  entry?: string
  postEntry?: string
}

/** action.yml's inputs and their defaults. */
export function actionDefaults(): Record<string, string> {
  const action = parse(readFileSync(join(projectRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string | number | boolean }>
  }
  const defaults: Record<string, string> = {}
  for (const [name, spec] of Object.entries(action.inputs)) {
    defaults[name] = spec.default === undefined ? '' : String(spec.default)
  }
  return defaults
}

/** INPUT_<NAME>: upper-case, spaces to '_', hyphens kept (as the runner does). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

export async function runAction(options: RunOptions = {}): Promise<ActionRun> {
  const jobDir = options.jobDir ?? mkdtempSync(join(tmpdir(), 'exo-cba-job-'))
  const runnerTemp = join(jobDir, 'runner-temp')
  const workspace = join(jobDir, 'workspace')
  const files = join(jobDir, 'file-commands')
  for (const dir of [runnerTemp, workspace, files]) mkdirSync(dir, { recursive: true })
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`
  const commandFiles = {
    GITHUB_OUTPUT: join(files, `output-${stamp}`),
    GITHUB_ENV: join(files, `env-${stamp}`),
    GITHUB_STATE: join(files, `state-${stamp}`),
    GITHUB_STEP_SUMMARY: join(files, `summary-${stamp}`)
  }
  for (const path of Object.values(commandFiles)) writeFileSync(path, '')

  const inputs = { ...actionDefaults(), ...options.inputs }
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'octo-org/exo-jobs',
    GITHUB_API_URL: 'https://api.github.com',
    ...commandFiles,
    ...options.env
  }
  for (const [name, value] of Object.entries(inputs)) baseEnv[inputVariable(name)] = value

  const main = await runNode(options.entry ?? join(projectRoot, 'dist', 'index.js'), baseEnv, options.killAfterMs)
  const state = parseFileCommands(readFileSync(commandFiles.GITHUB_STATE, 'utf8'))
  let post: StepResult | undefined
  if (!options.skipPost) {
    const postEnv = { ...baseEnv, ...options.postEnv }
    for (const [name, value] of Object.entries(state)) postEnv[`STATE_${name}`] = value
    post = await runNode(options.postEntry ?? join(projectRoot, 'dist', 'cleanup.js'), postEnv)
  }
  return {
    main,
    post,
    outputs: parseFileCommands(readFileSync(commandFiles.GITHUB_OUTPUT, 'utf8')),
    env: parseFileCommands(readFileSync(commandFiles.GITHUB_ENV, 'utf8')),
    state,
    summary: existsSync(commandFiles.GITHUB_STEP_SUMMARY) ? readFileSync(commandFiles.GITHUB_STEP_SUMMARY, 'utf8') : '',
    runnerTemp,
    workspace
  }
}

function runNode(entry: string, env: Record<string, string>, killAfterMs?: number): Promise<StepResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('error', reject)
    child.on('close', (exitCode, signal) => {
      if (timer !== undefined) clearTimeout(timer)
      resolvePromise({ exitCode, signal, stdout, stderr, masks: maskCommands(stdout), wallMs: performance.now() - started })
    })
  })
}

/** Parses GITHUB_OUTPUT/ENV/STATE: `name<<delimiter` blocks and plain `name=value` lines. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc !== null) {
      const [, name, delimiter] = heredoc
      const body: string[] = []
      i++
      while (i < lines.length && lines[i] !== delimiter) body.push(lines[i++])
      if (i >= lines.length) throw new Error(`Unterminated ${name}<<${delimiter} block`)
      values[name] = body.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return values
}

/** The `::add-mask::` values a step registered, unescaped as the runner does. */
export function maskCommands(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter(line => line.startsWith('::add-mask::'))
    .map(line => unescapeCommandData(line.slice('::add-mask::'.length)))
}

function unescapeCommandData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/**
 * The log as GitHub would show it: masked values replaced by ***, debug lines hidden
 * (as without ACTIONS_STEP_DEBUG), groups and annotations rendered.
 */
export function maskedLog(text: string, masks: string[]): string {
  let shownText = text
    .split(/\r?\n/)
    .filter(line => !line.startsWith('::add-mask::') && !line.startsWith('::debug::') && line !== '::endgroup::')
    .map(line =>
      line
        .replace(/^::group::(.*)$/, '▸ $1')
        .replace(/^::(warning|error|notice)(?: [^:]*)?::(.*)$/, (_m, level: string, message: string) => `${level[0].toUpperCase()}${level.slice(1)}: ${message}`)
    )
    .join('\n')
  for (const mask of [...masks].sort((a, b) => b.length - a.length)) {
    if (mask.length > 0) shownText = shownText.split(mask).join('***')
  }
  return shownText
}

/**
 * Where a secret shows up in what a person could read: stdout (outside the add-mask
 * command itself), stderr, the summary, the GITHUB_ENV file. Empty when nothing leaked.
 */
export function findLeaks(run: ActionRun, secrets: string[]): string[] {
  const places: Record<string, string> = {
    stdout: [run.main.stdout, run.post?.stdout ?? '']
      .join('\n')
      .split(/\r?\n/)
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.main.stderr + (run.post?.stderr ?? ''),
    summary: run.summary,
    env: JSON.stringify(run.env)
  }
  const leaks: string[] = []
  for (const secret of secrets.filter(s => s.length >= 6)) {
    for (const [place, text] of Object.entries(places)) {
      if (text.includes(secret)) leaks.push(`${place} contains a secret starting ${JSON.stringify(secret.slice(0, 3))}`)
    }
  }
  return leaks
}
