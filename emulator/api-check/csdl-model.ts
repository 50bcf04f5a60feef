/**
 * The trimmed Microsoft Graph v1.0 CSDL (emulator/descriptions/graph-v1.0.csdl) as a model
 * the request checker can ask: which entity sets, types, properties, keys, navigation
 * properties, bound actions and annotations exist. Read with fast-xml-parser.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XMLParser } from 'fast-xml-parser'

export const GRAPH_CSDL_PATH = join(dirname(fileURLToPath(import.meta.url)), '../descriptions/graph-v1.0.csdl')

export interface TypeRef {
  /** Qualified: `Edm.String`, `microsoft.graph.keyCredential`. */
  name: string
  collection: boolean
}

export interface PropertyDef {
  name: string
  type: TypeRef
  /** For a collection: whether its items may be null (CSDL 4.0 §7.2.1). */
  nullable: boolean
  maxLength?: number
}

export interface NavigationDef {
  name: string
  type: TypeRef
  nullable: boolean
  containsTarget: boolean
  /** The type that declares it: annotations target `declaringType/name`. */
  declaringType: string
}

export interface StructuredTypeDef {
  kind: 'entity' | 'complex'
  name: string
  baseType?: string
  abstract: boolean
  open: boolean
  properties: Map<string, PropertyDef>
  navigation: Map<string, NavigationDef>
  /** Declared key (entity types; usually inherited from microsoft.graph.entity). */
  key?: string[]
}

export interface EnumTypeDef {
  kind: 'enum'
  name: string
  flags: boolean
  members: Map<string, number>
}

export interface TypeDefinitionDef {
  kind: 'typedef'
  name: string
  underlying: string
}

export type TypeDef = StructuredTypeDef | EnumTypeDef | TypeDefinitionDef

export interface ParameterDef {
  name: string
  type: TypeRef
  nullable: boolean
}

export interface OperationDef {
  kind: 'action' | 'function'
  name: string
  bound: boolean
  /** With the binding parameter first when bound. */
  parameters: ParameterDef[]
  returnType?: TypeRef
}

export interface NavigationSourceDef {
  kind: 'entitySet' | 'singleton'
  name: string
  type: string
}

export interface AnnotationDef {
  /** Qualified term, e.g. `Org.OData.Capabilities.V1.UpdateRestrictions`. */
  term: string
  value: unknown
}

/** An alternate key: the aliases a URL names, and the properties they stand for. */
export interface AlternateKey {
  parts: Array<{ alias: string; property: string }>
}

export class CsdlModel {
  readonly types = new Map<string, TypeDef>()
  readonly operations = new Map<string, OperationDef[]>()
  readonly entitySets = new Map<string, NavigationSourceDef>()
  readonly singletons = new Map<string, NavigationSourceDef>()
  readonly annotations = new Map<string, AnnotationDef[]>()
  readonly aliases = new Map<string, string>()
  /** `microsoft.graph.GraphService` */
  containerName = ''

  /** `graph.application` → `microsoft.graph.application`; `#microsoft.graph.x` → `microsoft.graph.x`. */
  qualify(name: string): string {
    const bare = name.replace(/^#/, '')
    const dot = bare.lastIndexOf('.')
    if (dot === -1) return bare
    const prefix = bare.slice(0, dot)
    return this.aliases.has(prefix) ? `${this.aliases.get(prefix)}.${bare.slice(dot + 1)}` : bare
  }

  type(name: string): TypeDef | undefined {
    return this.types.get(this.qualify(name))
  }

  structured(name: string): StructuredTypeDef | undefined {
    const t = this.type(name)
    return t && (t.kind === 'entity' || t.kind === 'complex') ? t : undefined
  }

  /** The type and its base types, most derived first. */
  lineage(name: string): StructuredTypeDef[] {
    const out: StructuredTypeDef[] = []
    for (let t = this.structured(name); t; t = t.baseType ? this.structured(t.baseType) : undefined) out.push(t)
    return out
  }

  property(typeName: string, name: string): PropertyDef | undefined {
    for (const t of this.lineage(typeName)) {
      const p = t.properties.get(name)
      if (p) return p
    }
    return undefined
  }

  navigationProperty(typeName: string, name: string): NavigationDef | undefined {
    for (const t of this.lineage(typeName)) {
      const n = t.navigation.get(name)
      if (n) return n
    }
    return undefined
  }

  isOpen(typeName: string): boolean {
    return this.lineage(typeName).some(t => t.open)
  }

  key(typeName: string): PropertyDef[] {
    const declared = this.lineage(typeName).find(t => t.key)?.key ?? []
    return declared.map(name => this.property(typeName, name)!).filter(Boolean)
  }

  alternateKeys(typeName: string): AlternateKey[] {
    const out: AlternateKey[] = []
    for (const t of this.lineage(typeName)) {
      for (const a of this.annotationsOf(t.name, 'Org.OData.Core.V1.AlternateKeys')) {
        for (const record of (a.value as Array<{ Key?: Array<{ Alias?: string; Name?: string }> }>) ?? []) {
          out.push({ parts: (record.Key ?? []).map(k => ({ alias: k.Alias ?? k.Name!, property: k.Name! })) })
        }
      }
    }
    return out
  }

  /** True when `typeName` is `baseName` or derives from it. */
  derivesFrom(typeName: string, baseName: string): boolean {
    const base = this.qualify(baseName)
    return this.lineage(typeName).some(t => t.name === base)
  }

  /** Bound operations of this name whose binding parameter accepts `typeName` (or a collection of it). */
  boundOperations(name: string, typeName: string, collection: boolean): OperationDef[] {
    const qualified = this.qualify(name.includes('.') ? name : `${this.containerNamespace}.${name}`)
    return (this.operations.get(qualified) ?? []).filter(op => {
      const binding = op.parameters[0]
      return op.bound && binding !== undefined && binding.type.collection === collection && this.derivesFrom(typeName, binding.type.name)
    })
  }

  get containerNamespace(): string {
    return this.containerName.slice(0, this.containerName.lastIndexOf('.'))
  }

  annotationsOf(target: string, term: string): AnnotationDef[] {
    return (this.annotations.get(target) ?? []).filter(a => a.term === term)
  }
}

type Node = Record<string, unknown>

function list(node: unknown, tag: string): Node[] {
  const value = (node as Node | undefined)?.[tag]
  return Array.isArray(value) ? (value as Node[]) : []
}

function attr(node: Node, name: string): string | undefined {
  const value = node[`@_${name}`]
  return value === undefined ? undefined : String(value)
}

function typeRef(model: CsdlModel, raw: string): TypeRef {
  const m = /^Collection\((.+)\)$/.exec(raw)
  return { name: model.qualify(m ? m[1] : raw), collection: m !== null }
}

function text(node: unknown): string {
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return String(node)
  const inner = (node as Node | undefined)?.['#text']
  return inner === undefined ? '' : String(inner)
}

/** An annotation's (or a PropertyValue's) value: constant attributes, a Record or a Collection. */
function annotationValue(node: Node): unknown {
  for (const name of ['Bool', 'String', 'Int', 'Decimal', 'EnumMember', 'PropertyPath', 'NavigationPropertyPath', 'Path']) {
    const value = attr(node, name)
    if (value === undefined) continue
    if (name === 'Bool') return value === 'true'
    if (name === 'Int' || name === 'Decimal') return Number(value)
    return value
  }
  const record = list(node, 'Record')[0]
  if (record) return recordValue(record)
  const collection = list(node, 'Collection')[0]
  if (collection) return collectionValue(collection)
  // A Boolean term applied without a value means true (CSDL 4.0 §14.3).
  return true
}

function recordValue(record: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const pv of list(record, 'PropertyValue')) out[attr(pv, 'Property')!] = annotationValue(pv)
  return out
}

function collectionValue(collection: Node): unknown[] {
  const out: unknown[] = []
  for (const record of list(collection, 'Record')) out.push(recordValue(record))
  for (const tag of ['String', 'PropertyPath', 'NavigationPropertyPath', 'Path', 'EnumMember']) {
    for (const item of list(collection, tag)) out.push(text(item))
  }
  for (const item of list(collection, 'Bool')) out.push(text(item) === 'true')
  for (const item of list(collection, 'Int')) out.push(Number(text(item)))
  return out
}

export function parseCsdl(xml: string): CsdlModel {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (_name, _path, _leaf, isAttribute) => !isAttribute, parseAttributeValue: false, parseTagValue: false })
  const doc = parser.parse(xml) as Node
  const schemas = list(list(list(doc, 'edmx:Edmx')[0], 'edmx:DataServices')[0], 'Schema')
  const model = new CsdlModel()
  for (const schema of schemas) {
    const alias = attr(schema, 'Alias')
    if (alias) model.aliases.set(alias, attr(schema, 'Namespace')!)
  }
  const addAnnotations = (target: string, node: Node) => {
    for (const a of list(node, 'Annotation')) {
      const entry = { term: model.qualify(attr(a, 'Term')!), value: annotationValue(a) }
      model.annotations.set(target, [...(model.annotations.get(target) ?? []), entry])
    }
  }
  for (const schema of schemas) {
    const ns = attr(schema, 'Namespace')!
    for (const [tag, kind] of [['EntityType', 'entity'], ['ComplexType', 'complex']] as const) {
      for (const node of list(schema, tag)) {
        const name = `${ns}.${attr(node, 'Name')}`
        const t: StructuredTypeDef = {
          kind,
          name,
          baseType: attr(node, 'BaseType') === undefined ? undefined : model.qualify(attr(node, 'BaseType')!),
          abstract: attr(node, 'Abstract') === 'true',
          open: attr(node, 'OpenType') === 'true',
          properties: new Map(),
          navigation: new Map()
        }
        const key = list(node, 'Key')[0]
        if (key) t.key = list(key, 'PropertyRef').map(p => attr(p, 'Name')!)
        for (const p of list(node, 'Property')) {
          const maxLength = Number(attr(p, 'MaxLength'))
          t.properties.set(attr(p, 'Name')!, {
            name: attr(p, 'Name')!,
            type: typeRef(model, attr(p, 'Type')!),
            nullable: attr(p, 'Nullable') !== 'false',
            ...(Number.isFinite(maxLength) ? { maxLength } : {})
          })
          addAnnotations(`${name}/${attr(p, 'Name')}`, p)
        }
        for (const n of list(node, 'NavigationProperty')) {
          t.navigation.set(attr(n, 'Name')!, {
            name: attr(n, 'Name')!,
            type: typeRef(model, attr(n, 'Type')!),
            nullable: attr(n, 'Nullable') !== 'false',
            containsTarget: attr(n, 'ContainsTarget') === 'true',
            declaringType: name
          })
          addAnnotations(`${name}/${attr(n, 'Name')}`, n)
        }
        addAnnotations(name, node)
        model.types.set(name, t)
      }
    }
    for (const node of list(schema, 'EnumType')) {
      const name = `${ns}.${attr(node, 'Name')}`
      const members = new Map<string, number>()
      list(node, 'Member').forEach((m, i) => members.set(attr(m, 'Name')!, attr(m, 'Value') === undefined ? i : Number(attr(m, 'Value'))))
      model.types.set(name, { kind: 'enum', name, flags: attr(node, 'IsFlags') === 'true', members })
      addAnnotations(name, node)
    }
    for (const node of list(schema, 'TypeDefinition')) {
      const name = `${ns}.${attr(node, 'Name')}`
      model.types.set(name, { kind: 'typedef', name, underlying: attr(node, 'UnderlyingType')! })
    }
    for (const [tag, kind] of [['Action', 'action'], ['Function', 'function']] as const) {
      for (const node of list(schema, tag)) {
        const name = `${ns}.${attr(node, 'Name')}`
        const returned = list(node, 'ReturnType')[0]
        const op: OperationDef = {
          kind,
          name,
          bound: attr(node, 'IsBound') === 'true',
          parameters: list(node, 'Parameter').map(p => ({ name: attr(p, 'Name')!, type: typeRef(model, attr(p, 'Type')!), nullable: attr(p, 'Nullable') !== 'false' })),
          ...(returned ? { returnType: typeRef(model, attr(returned, 'Type')!) } : {})
        }
        model.operations.set(name, [...(model.operations.get(name) ?? []), op])
      }
    }
    for (const container of list(schema, 'EntityContainer')) {
      model.containerName = `${ns}.${attr(container, 'Name')}`
      for (const [tag, kind, typeAttr, map] of [
        ['EntitySet', 'entitySet', 'EntityType', model.entitySets],
        ['Singleton', 'singleton', 'Type', model.singletons]
      ] as const) {
        for (const node of list(container, tag)) {
          const name = attr(node, 'Name')!
          map.set(name, { kind, name, type: model.qualify(attr(node, typeAttr)!) })
          addAnnotations(`${model.containerName}/${name}`, node)
        }
      }
    }
  }
  for (const schema of schemas) {
    for (const block of list(schema, 'Annotations')) addAnnotations(model.qualify(attr(block, 'Target')!), block)
  }
  return model
}

let graphModel: CsdlModel | undefined

/** The trimmed Graph v1.0 description, read once per process. */
export function graphCsdlModel(): CsdlModel {
  graphModel ??= parseCsdl(readFileSync(GRAPH_CSDL_PATH, 'utf8'))
  return graphModel
}
