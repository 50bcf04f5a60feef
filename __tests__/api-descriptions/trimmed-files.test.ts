/**
 * The trimmed descriptions in emulator/descriptions/ are what the trim scripts make of the
 * publishers' files (compared when those are on the machine, at the paths README.md gives
 * or $GRAPH_CSDL_SOURCE / $GITHUB_OPENAPI_SOURCE), and hold together without them: they
 * parse, every reference resolves, everything the project uses is in them, and trimming
 * them again keeps every element (nothing they reach was left out).
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XMLValidator } from 'fast-xml-parser'
import { GRAPH_CSDL_PATH, parseCsdl, type CsdlModel } from '../../emulator/api-check/csdl-model.js'
import { GITHUB_OPENAPI_PATH } from '../../emulator/api-check/github-request.js'
import { readCsdlLayout } from '../../scripts/api-descriptions/csdl-layout.js'
import { gitBlobId, trimGraphCsdl } from '../../scripts/api-descriptions/trim-graph-csdl.js'
import { trimGitHubOpenApi } from '../../scripts/api-descriptions/trim-github-openapi.js'
import { GITHUB_OPERATIONS, GRAPH_USAGE } from '../../scripts/api-descriptions/used-api.js'

const README = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../emulator/descriptions/README.md'), 'utf8')
const GRAPH_SOURCE = process.env.GRAPH_CSDL_SOURCE ?? '/tmp/graphmeta/v1.0-Prod.csdl'
const GITHUB_SOURCE = process.env.GITHUB_OPENAPI_SOURCE ?? '/tmp/octo/package/generated/api.github.com.json'

/** A test that needs a source file: skipped, saying so in its name, when the file is absent. */
function withSource(path: string, name: string, test: () => void): void {
  if (existsSync(path)) it(name, test)
  else it.skip(`${name} (skipped: ${path} is not on this machine; see emulator/descriptions/README.md)`, test)
}

const withoutTrimComment = (xml: string) => xml.replace(/^<!-- Trimmed by .*-->\n/m, '')

describe('emulator/descriptions/graph-v1.0.csdl', () => {
  const text = readFileSync(GRAPH_CSDL_PATH, 'utf8')
  const model: CsdlModel = parseCsdl(text)

  withSource(GRAPH_SOURCE, `is exactly what trim-graph-csdl.ts makes of ${GRAPH_SOURCE}`, () => {
    expect(trimGraphCsdl(readFileSync(GRAPH_SOURCE))).toBe(text)
  })

  withSource(GRAPH_SOURCE, 'copies every element verbatim from the source', () => {
    const source = readFileSync(GRAPH_SOURCE, 'utf8')
    const spans = readCsdlLayout(text).schemas.flatMap(schema => [...schema.elements, ...(schema.container?.elements ?? [])])
    expect(spans.length).toBeGreaterThan(50)
    expect(spans.filter(span => !source.includes(span.text)).map(span => `${span.tag} ${span.attributes.Name ?? span.attributes.Target}`)).toEqual([])
  })

  it('is well-formed XML that names the source blob README.md records', () => {
    expect(XMLValidator.validate(text)).toBe(true)
    const blob = /git blob ([0-9a-f]{40})/.exec(text)?.[1]
    expect(blob).toBeDefined()
    expect(README).toContain(blob!)
  })

  it('holds every entity set, singleton, followed navigation property and action the project uses', () => {
    for (const set of GRAPH_USAGE.entitySets) expect(model.entitySets.has(set)).toBe(true)
    for (const singleton of GRAPH_USAGE.singletons) expect(model.singletons.has(singleton)).toBe(true)
    for (const path of GRAPH_USAGE.navigation) {
      const [type, name] = path.split('/')
      const navigation = model.navigationProperty(type, name)
      expect(navigation && model.structured(navigation.type.name) ? path : `${path} is missing`).toBe(path)
    }
    for (const action of GRAPH_USAGE.actions) expect(model.operations.get(action)?.length).toBeGreaterThan(0)
  })

  it('resolves every type it names, except the targets of navigation properties it does not follow', () => {
    const unresolved: string[] = []
    const resolves = (name: string) => name.startsWith('Edm.') || model.type(name) !== undefined
    for (const type of model.types.values()) {
      if (type.kind === 'enum') continue
      if (type.kind === 'typedef') {
        if (!resolves(type.underlying)) unresolved.push(`${type.name} → ${type.underlying}`)
        continue
      }
      if (type.baseType && !resolves(type.baseType)) unresolved.push(`${type.name} base ${type.baseType}`)
      for (const p of type.properties.values()) if (!resolves(p.type.name)) unresolved.push(`${type.name}/${p.name} → ${p.type.name}`)
      for (const n of type.navigation.values()) {
        const followed = (GRAPH_USAGE.navigation as readonly string[]).includes(`${type.name}/${n.name}`)
        if (followed && !resolves(n.type.name)) unresolved.push(`${type.name}/${n.name} → ${n.type.name}`)
      }
    }
    for (const ops of model.operations.values()) {
      for (const op of ops) for (const p of op.parameters) if (!resolves(p.type.name)) unresolved.push(`${op.name}(${p.name}) → ${p.type.name}`)
    }
    for (const source of [...model.entitySets.values(), ...model.singletons.values()]) if (!resolves(source.type)) unresolved.push(`${source.name} → ${source.type}`)
    expect(unresolved).toEqual([])
  })

  it('loses nothing when trimmed again: every element it reaches is in it', () => {
    expect(withoutTrimComment(trimGraphCsdl(Buffer.from(withoutTrimComment(text))))).toBe(withoutTrimComment(text))
  })

  it('names the source git blob it was made from by its content (trimming records gitBlobId of the input)', () => {
    expect(gitBlobId(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a')
  })
})

describe('emulator/descriptions/github-rest.openapi.json', () => {
  const text = readFileSync(GITHUB_OPENAPI_PATH, 'utf8')
  const doc = JSON.parse(text) as { paths: Record<string, Record<string, unknown>>; 'x-exo-cba-trim': { sourceSha256: string }; components: Record<string, Record<string, unknown>> }

  withSource(GITHUB_SOURCE, `is exactly what trim-github-openapi.ts makes of ${GITHUB_SOURCE}`, () => {
    expect(trimGitHubOpenApi(readFileSync(GITHUB_SOURCE))).toBe(text)
  })

  it('records the sha256 of its source, which README.md names', () => {
    expect(README).toContain(doc['x-exo-cba-trim'].sourceSha256)
  })

  it('holds every operation the project uses', () => {
    for (const operation of GITHUB_OPERATIONS) {
      const [method, path] = operation.split(' ')
      expect(doc.paths[path]?.[method.toLowerCase()] ? operation : `${operation} is missing`).toBe(operation)
    }
  })

  it('resolves every $ref, and carries no x-octokit extension', () => {
    const refs = [...text.matchAll(/"\$ref": "#\/components\/([^/"]+)\/([^"]+)"/g)]
    expect(refs.length).toBeGreaterThan(10)
    expect(refs.filter(([, kind, name]) => doc.components[kind]?.[name] === undefined).map(m => m[0])).toEqual([])
    expect(text).not.toContain('"x-octokit":')
  })

  it('loses nothing when trimmed again: every component it references is in it', () => {
    const again = JSON.parse(trimGitHubOpenApi(Buffer.from(text))) as typeof doc
    again['x-exo-cba-trim'].sourceSha256 = doc['x-exo-cba-trim'].sourceSha256
    expect(again).toEqual(doc)
  })
})
