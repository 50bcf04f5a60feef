/**
 * Trims GitHub's REST API description (api.github.com, OpenAPI 3.0, as shipped in the npm
 * package @octokit/openapi at generated/api.github.com.json) to the operations this project
 * uses:
 *
 *   tsx scripts/api-descriptions/trim-github-openapi.ts <path to api.github.com.json> [--check]
 *
 * writes emulator/descriptions/github-rest.openapi.json (with --check: exits 1 when that file
 * is not exactly what the source trims to). Kept: `openapi`, `info`, `servers`, `externalDocs`;
 * each operation of GITHUB_OPERATIONS whole (parameters, requestBody, responses) with its path
 * item's own fields; every component they reference, transitively. Dropped: every other path
 * and method, tags, webhooks, and Octokit's `x-octokit` extension (SDK metadata, no rule).
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GITHUB_OPERATIONS } from './used-api.js'

export const GITHUB_DESCRIPTION_PATH = join(dirname(fileURLToPath(import.meta.url)), '../../emulator/descriptions/github-rest.openapi.json')

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

export function trimGitHubOpenApi(source: Buffer, operations: readonly string[] = GITHUB_OPERATIONS): string {
  const doc = JSON.parse(source.toString('utf8')) as JsonObject
  const sourcePaths = doc.paths as JsonObject
  const paths: JsonObject = {}
  for (const operation of operations) {
    const [method, path] = operation.split(' ')
    const item = sourcePaths[path] as JsonObject | undefined
    const op = item?.[method.toLowerCase()]
    if (!item || !op) throw new Error(`The description has no operation ${operation}`)
    const kept = (paths[path] ??= Object.fromEntries(Object.entries(item).filter(([key]) => !METHODS.includes(key)))) as JsonObject
    kept[method.toLowerCase()] = withoutOctokit(op)
  }
  // Keep the description's own order of paths and methods, whatever order the list has.
  const orderedPaths: JsonObject = {}
  for (const [path, item] of Object.entries(sourcePaths)) {
    if (!(path in paths)) continue
    const kept = paths[path] as JsonObject
    orderedPaths[path] = Object.fromEntries(Object.keys(item as JsonObject).filter(key => key in kept).map(key => [key, kept[key]]))
  }

  const sourceComponents = doc.components as Record<string, JsonObject>
  const wanted = new Map<string, Set<string>>()
  const pending: Json[] = [orderedPaths]
  while (pending.length > 0) {
    for (const ref of refsIn(pending.pop()!)) {
      const m = /^#\/components\/([^/]+)\/(.+)$/.exec(ref)
      if (!m) throw new Error(`Unsupported $ref ${ref}`)
      const [, kind, name] = m
      const names = wanted.get(kind) ?? new Set<string>()
      wanted.set(kind, names)
      if (names.has(name)) continue
      const component = sourceComponents[kind]?.[name]
      if (component === undefined) throw new Error(`$ref ${ref} does not resolve`)
      names.add(name)
      pending.push(component)
    }
  }
  const components: JsonObject = {}
  for (const [kind, entries] of Object.entries(sourceComponents)) {
    const names = wanted.get(kind)
    if (!names) continue
    components[kind] = Object.fromEntries(Object.entries(entries).filter(([name]) => names.has(name)).map(([name, value]) => [name, withoutOctokit(value)]))
  }

  const trimmed: JsonObject = {
    openapi: doc.openapi,
    info: doc.info,
    'x-exo-cba-trim': {
      source: '@octokit/openapi generated/api.github.com.json (GitHub\'s github/rest-api-description descriptions/api.github.com/api.github.com.json with Octokit\'s overrides)',
      sourceSha256: createHash('sha256').update(source).digest('hex'),
      script: 'scripts/api-descriptions/trim-github-openapi.ts',
      readme: 'emulator/descriptions/README.md'
    },
    ...(doc.servers === undefined ? {} : { servers: doc.servers }),
    ...(doc.externalDocs === undefined ? {} : { externalDocs: doc.externalDocs }),
    paths: orderedPaths,
    components
  }
  return `${JSON.stringify(trimmed, null, 2)}\n`
}

function refsIn(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn)
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner)))
}

function withoutOctokit(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutOctokit)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'x-octokit').map(([key, inner]) => [key, withoutOctokit(inner)]))
}

async function main(): Promise<void> {
  const [sourcePath, flag] = process.argv.slice(2)
  if (!sourcePath) {
    console.error('usage: tsx scripts/api-descriptions/trim-github-openapi.ts <path to generated/api.github.com.json> [--check]')
    process.exit(2)
  }
  const trimmed = trimGitHubOpenApi(readFileSync(sourcePath))
  if (flag === '--check') {
    const same = readFileSync(GITHUB_DESCRIPTION_PATH, 'utf8') === trimmed
    console.log(same ? `${GITHUB_DESCRIPTION_PATH} is what ${sourcePath} trims to.` : `${GITHUB_DESCRIPTION_PATH} differs from what ${sourcePath} trims to.`)
    process.exit(same ? 0 : 1)
  }
  writeFileSync(GITHUB_DESCRIPTION_PATH, trimmed)
  console.log(`Wrote ${GITHUB_DESCRIPTION_PATH} (${Buffer.byteLength(trimmed)} bytes).`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
