/**
 * Trims Microsoft Graph's v1.0 CSDL (microsoftgraph/msgraph-metadata, schemas/v1.0-Prod.csdl)
 * to what this project uses, copying every kept element byte for byte:
 *
 *   tsx scripts/api-descriptions/trim-graph-csdl.ts <path to v1.0-Prod.csdl> [--check]
 *
 * writes emulator/descriptions/graph-v1.0.csdl (with --check: exits 1 when that file is not
 * exactly what the source trims to). What is kept, transitively (README.md beside the output):
 * - the entity sets and singletons of GRAPH_USAGE, with their EntityContainer;
 * - every entity type, complex type, enum type and type definition they reach: base types,
 *   structural property types, and the target types of the navigation properties GRAPH_USAGE
 *   follows (other navigation properties stay in their type, their targets are not followed);
 * - every overload of the actions in GRAPH_USAGE bound to a kept type, with its parameter types;
 * - every `<Annotations>` block whose Target is a kept element or a member of one
 *   (Core.AlternateKeys sit inside the entity types; Capabilities restrictions in the blocks);
 * - the vocabulary Terms of this document that a kept element uses.
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { attributesOf, readCsdlLayout, type CsdlSchemaLayout, type CsdlSpan } from './csdl-layout.js'
import { GRAPH_USAGE } from './used-api.js'

export const GRAPH_DESCRIPTION_PATH = join(dirname(fileURLToPath(import.meta.url)), '../../emulator/descriptions/graph-v1.0.csdl')

const INNER_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*"[^"]*")*)\s*\/?>/g

export interface GraphUsage {
  entitySets: readonly string[]
  singletons: readonly string[]
  navigation: readonly string[]
  actions: readonly string[]
}

/** Git's blob id of a file's bytes: names the exact source version a trim came from. */
export function gitBlobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

export function trimGraphCsdl(source: Buffer, usage: GraphUsage = GRAPH_USAGE): string {
  const text = source.toString('utf8')
  const layout = readCsdlLayout(text)
  const model = indexElements(layout.schemas)
  const kept = new Set<CsdlSpan>()
  const keptTypes = new Set<string>()
  const queue: string[] = []
  const followed = new Set(usage.navigation)

  const keepType = (typeName: string | undefined) => {
    const name = model.qualify(stripCollection(typeName))
    if (!name || name.startsWith('Edm.') || keptTypes.has(name)) return
    const span = model.types.get(name)
    if (!span) throw new Error(`The CSDL has no type ${name}`)
    keptTypes.add(name)
    kept.add(span)
    queue.push(name)
  }

  const container = layout.schemas.find(s => s.container)?.container
  if (!container) throw new Error('The CSDL has no EntityContainer')
  for (const [names, tag] of [[usage.entitySets, 'EntitySet'], [usage.singletons, 'Singleton']] as const) {
    for (const name of names) {
      const span = container.elements.find(e => e.tag === tag && e.attributes.Name === name)
      if (!span) throw new Error(`The CSDL's container has no ${tag} ${name}`)
      kept.add(span)
      keepType(span.attributes.EntityType ?? span.attributes.Type)
    }
  }

  const keptActions = new Set<CsdlSpan>()
  for (;;) {
    while (queue.length > 0) {
      const name = queue.shift()!
      const span = model.types.get(name)!
      keepType(span.attributes.BaseType)
      keepType(span.attributes.UnderlyingType)
      for (const child of innerElements(span)) {
        if (child.tag === 'Property') keepType(child.attributes.Type)
        if (child.tag === 'NavigationProperty' && followed.has(`${name}/${child.attributes.Name}`)) keepType(child.attributes.Type)
      }
    }
    // Actions are kept once their binding type is: they may reach more types in turn.
    for (const actionName of usage.actions) {
      for (const overload of model.operations.get(actionName) ?? []) {
        if (keptActions.has(overload)) continue
        const [binding, ...parameters] = innerElements(overload).filter(e => e.tag === 'Parameter')
        if (!binding || !keptTypes.has(model.qualify(stripCollection(binding.attributes.Type))!)) continue
        keptActions.add(overload)
        kept.add(overload)
        for (const parameter of parameters) keepType(parameter.attributes.Type)
        for (const returned of innerElements(overload).filter(e => e.tag === 'ReturnType')) keepType(returned.attributes.Type)
      }
    }
    if (queue.length === 0) break
  }
  for (const name of usage.navigation) {
    const [type, property] = name.split('/')
    if (!keptTypes.has(type)) throw new Error(`GRAPH_USAGE follows ${name}, but ${type} is not reached`)
    if (!innerElements(model.types.get(type)!).some(e => e.tag === 'NavigationProperty' && e.attributes.Name === property)) {
      throw new Error(`The CSDL's ${type} has no navigation property ${property}`)
    }
  }

  const keptTargets = (target: string): boolean => {
    const resolved = model.qualify(target.split(/[/(]/)[0])!
    if (keptTypes.has(resolved)) return true
    if (resolved === `${model.containerNamespace}.${container.name}`) {
      const member = target.split('/')[1]
      return [...kept].some(span => container.elements.includes(span) && span.attributes.Name === member)
    }
    if ([...keptActions].some(action => model.nameOf(action) === resolved)) {
      // `ns.action(ns.bindingType)`: keep it for the kept overloads only.
      const binding = /\(([^,)]+)/.exec(target)?.[1]
      return binding === undefined || keptTypes.has(model.qualify(stripCollection(binding))!)
    }
    return false
  }
  for (const schema of layout.schemas) {
    for (const span of schema.elements) {
      if (span.tag === 'Annotations' && keptTargets(span.attributes.Target)) kept.add(span)
    }
  }
  // Terms defined in this document and used by a kept element.
  for (const span of [...kept]) {
    for (const child of innerElements(span)) {
      const term = child.tag === 'Annotation' ? model.qualify(child.attributes.Term) : undefined
      const definition = term ? model.terms.get(term) : undefined
      if (definition) kept.add(definition)
    }
  }

  return render(layout, kept, gitBlobId(source))
}

function stripCollection(type: string | undefined): string | undefined {
  const m = type ? /^Collection\((.+)\)$/.exec(type) : null
  return m ? m[1] : type
}

/** The tags inside an element (its own opening tag first). */
function innerElements(span: CsdlSpan): Array<{ tag: string; attributes: Record<string, string> }> {
  return [...span.text.matchAll(INNER_TAG)].map(m => ({ tag: m[1], attributes: attributesOf(m[2]) }))
}

function indexElements(schemas: CsdlSchemaLayout[]) {
  const aliases = new Map<string, string>()
  for (const schema of schemas) if (schema.alias) aliases.set(schema.alias, schema.namespace)
  const types = new Map<string, CsdlSpan>()
  const terms = new Map<string, CsdlSpan>()
  const operations = new Map<string, CsdlSpan[]>()
  const namespaceOf = new Map<CsdlSpan, string>()
  for (const schema of schemas) {
    for (const span of schema.elements) {
      namespaceOf.set(span, schema.namespace)
      const name = `${schema.namespace}.${span.attributes.Name}`
      if (['EntityType', 'ComplexType', 'EnumType', 'TypeDefinition'].includes(span.tag)) types.set(name, span)
      if (span.tag === 'Term') terms.set(name, span)
      if (span.tag === 'Action' || span.tag === 'Function') operations.set(name, [...(operations.get(name) ?? []), span])
    }
  }
  return {
    types,
    terms,
    operations,
    containerNamespace: schemas.find(s => s.container)!.namespace,
    nameOf: (span: CsdlSpan) => `${namespaceOf.get(span)}.${span.attributes.Name}`,
    /** `graph.application` → `microsoft.graph.application` (aliases resolved). */
    qualify(name: string | undefined): string | undefined {
      if (name === undefined) return undefined
      const dot = name.lastIndexOf('.')
      const prefix = name.slice(0, dot)
      return aliases.has(prefix) ? `${aliases.get(prefix)}.${name.slice(dot + 1)}` : name
    }
  }
}

function render(layout: ReturnType<typeof readCsdlLayout>, kept: Set<CsdlSpan>, sourceBlob: string): string {
  const [declaration, ...restOfProlog] = layout.prolog.split(/(?<=\n)/)
  let out = declaration
  out += `<!-- Trimmed by scripts/api-descriptions/trim-graph-csdl.ts from microsoftgraph/msgraph-metadata schemas/v1.0-Prod.csdl (git blob ${sourceBlob}); every element below is copied from it verbatim. See README.md beside this file. -->\n`
  out += restOfProlog.join('')
  for (const schema of layout.schemas) {
    const elements = schema.elements.filter(e => kept.has(e))
    const containerElements = schema.container?.elements.filter(e => kept.has(e)) ?? []
    if (elements.length === 0 && containerElements.length === 0) continue
    out += schema.openLine
    const containerStart = schema.container?.start ?? Number.POSITIVE_INFINITY
    for (const e of elements.filter(e => e.start < containerStart)) out += e.text
    if (containerElements.length > 0) {
      out += schema.container!.openLine + containerElements.map(e => e.text).join('') + schema.container!.closeLine
    }
    for (const e of elements.filter(e => e.start > containerStart)) out += e.text
    out += schema.closeLine
  }
  return out + layout.epilog
}

async function main(): Promise<void> {
  const [sourcePath, flag] = process.argv.slice(2)
  if (!sourcePath) {
    console.error('usage: tsx scripts/api-descriptions/trim-graph-csdl.ts <path to schemas/v1.0-Prod.csdl> [--check]')
    process.exit(2)
  }
  const trimmed = trimGraphCsdl(readFileSync(sourcePath))
  if (flag === '--check') {
    const same = readFileSync(GRAPH_DESCRIPTION_PATH, 'utf8') === trimmed
    console.log(same ? `${GRAPH_DESCRIPTION_PATH} is what ${sourcePath} trims to.` : `${GRAPH_DESCRIPTION_PATH} differs from what ${sourcePath} trims to.`)
    process.exit(same ? 0 : 1)
  }
  writeFileSync(GRAPH_DESCRIPTION_PATH, trimmed)
  console.log(`Wrote ${GRAPH_DESCRIPTION_PATH} (${Buffer.byteLength(trimmed)} bytes).`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
