/**
 * Reads the resource path of a Graph v1.0 URL (after `/v1.0`) against the CSDL model, the
 * way OData's URL conventions and Microsoft's OpenAPI conversion settings
 * (msgraph-metadata conversion-settings/openapi.json: EnableKeyAsSegment,
 * AddAlternateKeyPaths, NamespacePrefixToStripForInMethodPaths "microsoft.graph") read it:
 * - an entity set or singleton of the container starts the path;
 * - a key follows a collection in parentheses (`applications('id')`, `(id='id')`, or an
 *   alternate key by alias with a quoted string literal: `(appId='…')`, `(uniqueName='…')`)
 *   or as the next segment (`applications/{id}`);
 * - after an entity: a navigation property, a structural property, a bound action or function
 *   (qualified, or unqualified since the namespace microsoft.graph is stripped in paths), a
 *   type cast, `$ref`;
 * - after a collection: a key segment, `$count`, `$ref`, a type cast, or a bound operation.
 */
import type { CsdlModel, NavigationDef, OperationDef, PropertyDef } from './csdl-model.js'

/** The annotation targets that carry a navigation source's Capabilities restrictions. */
export interface Source {
  targets: string[]
  /** Reached through a navigation property that does not contain its targets (`$ref` is valid). */
  reference: boolean
}

export type Resource =
  | { kind: 'batch' }
  | { kind: 'metadata' }
  | { kind: 'collection'; type: string; source: Source }
  | { kind: 'entity'; type: string; source: Source; singleton: boolean; keyed: boolean }
  | { kind: 'property'; property: PropertyDef; owner: string }
  | { kind: 'count'; of: string }
  | { kind: 'ref'; collection: boolean; type: string; source: Source }
  | { kind: 'operation'; operation: OperationDef }

export type PathResult = { resource: Resource } | { violation: string }

interface KeyValue {
  name?: string
  literal: Literal
}

type Literal = { kind: 'string'; value: string } | { kind: 'guid' | 'number' | 'boolean' | 'null' | 'other'; value: string }

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function parseResourcePath(model: CsdlModel, rawPath: string): PathResult {
  const segments = rawPath.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)))
  if (segments.length === 0) return fail('The URL names no resource after the version (the service document is not described).')
  let decoded: string[]
  try {
    decoded = segments.map(s => decodeURIComponent(s))
  } catch {
    return fail(`The URL path ${rawPath} is not valid percent-encoding.`)
  }
  if (decoded.some(s => s === '')) return fail(`The URL path ${rawPath} has an empty segment.`)

  const [first, ...rest] = decoded
  if (first === '$batch' || first === '$metadata') {
    if (rest.length > 0) return fail(`Resource not found for the segment '${rest[0]}': nothing follows ${first}.`)
    return { resource: { kind: first === '$batch' ? 'batch' : 'metadata' } }
  }
  const head = splitSegment(first)
  if ('violation' in head) return head
  let current: Resource
  const set = model.entitySets.get(head.name)
  const singleton = model.singletons.get(head.name)
  if (set) {
    const collection = { kind: 'collection' as const, type: set.type, source: { targets: [`${model.containerName}/${set.name}`], reference: false } }
    if (head.keys) {
      const keyed = applyKey(model, collection, head.keys, first)
      if ('violation' in keyed) return keyed
      current = keyed.resource
    } else {
      current = collection
    }
  } else if (singleton) {
    if (head.keys) return fail(`The singleton '${singleton.name}' takes no key.`)
    current = { kind: 'entity', type: singleton.type, source: { targets: [`${model.containerName}/${singleton.name}`], reference: false }, singleton: true, keyed: false }
  } else {
    return fail(`Resource not found for the segment '${head.name}': the description has no entity set or singleton '${head.name}'.`)
  }
  for (let i = 0; i < rest.length; i++) {
    const segment = rest[i]
    const isLast = i === rest.length - 1
    const next = step(model, current, segment, isLast)
    if ('violation' in next) return next
    current = next.resource
  }
  return { resource: current }
}

function step(model: CsdlModel, current: Resource, segment: string, isLast: boolean): PathResult {
  const notFound = (why: string) => fail(`Resource not found for the segment '${segment}': ${why}`)
  switch (current.kind) {
    case 'batch':
    case 'metadata':
    case 'count':
    case 'ref':
    case 'operation':
    case 'property':
      return notFound(`nothing can follow ${describe(current)}.`)
    case 'collection': {
      if (segment === '$count') return { resource: { kind: 'count', of: current.type } }
      if (segment === '$ref') {
        if (!current.source.reference) return notFound('$ref addresses links of a navigation property that does not contain its targets.')
        return { resource: { kind: 'ref', collection: true, type: current.type, source: current.source } }
      }
      const cast = typeCast(model, current.type, segment)
      if (cast) return 'violation' in cast ? cast : { resource: { ...current, type: cast.type } }
      const operation = boundOperation(model, current.type, true, segment)
      if (operation) return isLast ? { resource: { kind: 'operation', operation } } : notFound('an action or function ends the path here.')
      if (segment.startsWith('$')) return notFound(`'${segment}' is not a segment OData defines after a collection.`)
      // Key as segment (EnableKeyAsSegment): the whole segment is the key value.
      const key = model.key(current.type)
      if (key.length !== 1) return notFound(`${current.type} has no single-property key to address by segment.`)
      return { resource: { kind: 'entity', type: current.type, source: current.source, singleton: false, keyed: true } }
    }
    case 'entity': {
      const parsed = splitSegment(segment)
      if ('violation' in parsed) return parsed
      if (segment === '$ref') {
        if (!current.source.reference) return notFound('$ref addresses the link to an entity reached through a non-containment navigation property.')
        return { resource: { kind: 'ref', collection: false, type: current.type, source: current.source } }
      }
      const navigation = model.navigationProperty(current.type, parsed.name)
      if (navigation) return followNavigation(model, current, navigation, parsed, segment)
      if (parsed.keys) return notFound(`only a collection-valued navigation property takes a key.`)
      const property = model.property(current.type, parsed.name)
      if (property) return { resource: { kind: 'property', property, owner: current.type } }
      const cast = typeCast(model, current.type, segment)
      if (cast) return 'violation' in cast ? cast : { resource: { ...current, type: cast.type } }
      const operation = boundOperation(model, current.type, false, parsed.name)
      if (operation) return isLast ? { resource: { kind: 'operation', operation } } : notFound('an action or function ends the path here.')
      return notFound(`${current.type} has no property, navigation property or bound operation '${parsed.name}' in the description.`)
    }
  }
}

function followNavigation(
  model: CsdlModel,
  current: Extract<Resource, { kind: 'entity' }>,
  navigation: NavigationDef,
  parsed: { name: string; keys?: KeyValue[] },
  segment: string
): PathResult {
  if (!model.structured(navigation.type.name)) {
    return fail(`Resource not found for the segment '${segment}': the description kept the navigation property ${navigation.declaringType}/${navigation.name} but not its target type ${navigation.type.name} (it is not followed).`)
  }
  const source: Source = {
    targets: [`${navigation.declaringType}/${navigation.name}`, ...current.source.targets.map(t => `${t}/${navigation.name}`)],
    reference: !navigation.containsTarget
  }
  if (!navigation.type.collection) {
    if (parsed.keys) return fail(`Resource not found for the segment '${segment}': ${navigation.name} is single-valued and takes no key.`)
    return { resource: { kind: 'entity', type: navigation.type.name, source, singleton: false, keyed: false } }
  }
  const collection: Resource = { kind: 'collection', type: navigation.type.name, source }
  return parsed.keys ? applyKey(model, collection, parsed.keys, segment) : { resource: collection }
}

/** `name` or `name(keys)`. */
function splitSegment(segment: string): { name: string; keys?: KeyValue[] } | { violation: string } {
  const open = segment.indexOf('(')
  if (open === -1) return { name: segment }
  if (!segment.endsWith(')')) return fail(`The segment '${segment}' has an unbalanced parenthesis.`)
  const name = segment.slice(0, open)
  const keys = parseKeyPredicate(segment.slice(open + 1, -1))
  if (!keys) return fail(`The key predicate in '${segment}' is not valid OData: use (value), (name=value), with strings in single quotes.`)
  return { name, keys }
}

/** `'a'` | `name='a'` | `a=1,b='x'` → key values; undefined when malformed. */
function parseKeyPredicate(inside: string): KeyValue[] | undefined {
  const out: KeyValue[] = []
  let i = 0
  while (i < inside.length) {
    let name: string | undefined
    const named = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*/.exec(inside.slice(i))
    if (named) {
      name = named[1]
      i += named[0].length
    }
    const literal = readLiteral(inside, i)
    if (!literal) return undefined
    out.push({ name, literal: literal.literal })
    i = literal.end
    if (i < inside.length) {
      if (inside[i] !== ',') return undefined
      i++
    }
  }
  if (out.length === 0) return undefined
  if (out.length > 1 && out.some(k => k.name === undefined)) return undefined
  return out
}

function readLiteral(text: string, start: number): { literal: Literal; end: number } | undefined {
  if (text[start] === "'") {
    let value = ''
    let i = start + 1
    for (;;) {
      if (i >= text.length) return undefined
      if (text[i] === "'") {
        if (text[i + 1] === "'") {
          value += "'"
          i += 2
          continue
        }
        return { literal: { kind: 'string', value }, end: i + 1 }
      }
      value += text[i++]
    }
  }
  const m = /^[^,']+/.exec(text.slice(start))
  if (!m) return undefined
  const raw = m[0].trim()
  const kind = GUID.test(raw) ? 'guid' : /^-?\d+(\.\d+)?$/.test(raw) ? 'number' : raw === 'true' || raw === 'false' ? 'boolean' : raw === 'null' ? 'null' : 'other'
  return { literal: { kind, value: raw }, end: start + m[0].length }
}

function applyKey(model: CsdlModel, collection: Extract<Resource, { kind: 'collection' }>, keys: KeyValue[], segment: string): PathResult {
  const key = model.key(collection.type)
  const bad = (why: string) => fail(`The key in '${segment}' is not valid for ${collection.type}: ${why}`)
  let properties: PropertyDef[]
  if (keys.length === 1 && keys[0].name === undefined) {
    if (key.length !== 1) return bad('its key has several properties; name each one.')
    properties = key
  } else {
    const names = keys.map(k => k.name!)
    const candidates = [
      { names: key.map(p => p.name), props: key },
      ...model.alternateKeys(collection.type).map(a => ({ names: a.parts.map(p => p.alias), props: a.parts.map(p => model.property(collection.type, p.property)!) }))
    ]
    const match = candidates.find(c => c.names.length === names.length && c.names.every(n => names.includes(n)))
    if (!match) {
      const known = candidates.map(c => c.names.join(',')).join(' | ')
      return bad(`(${names.join(',')}) is neither its key nor one of its alternate keys (${known}).`)
    }
    properties = names.map(n => match.props[match.names.indexOf(n)])
  }
  for (const [i, k] of keys.entries()) {
    const problem = literalProblem(properties[i], k.literal)
    if (problem) return bad(problem)
  }
  return { resource: { kind: 'entity', type: collection.type, source: collection.source, singleton: false, keyed: true } }
}

function literalProblem(property: PropertyDef, literal: Literal): string | undefined {
  switch (property.type.name) {
    case 'Edm.String':
      return literal.kind === 'string' ? undefined : `${property.name} is an Edm.String: its value must be a string literal in single quotes, not ${literal.value}.`
    case 'Edm.Guid':
      return literal.kind === 'guid' ? undefined : `${property.name} is an Edm.Guid: its value must be an unquoted GUID.`
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Int16':
      return literal.kind === 'number' ? undefined : `${property.name} is an ${property.type.name}: its value must be a number.`
    default:
      return undefined
  }
}

function typeCast(model: CsdlModel, type: string, segment: string): { type: string } | { violation: string } | undefined {
  if (!segment.includes('.')) return undefined
  const target = model.structured(segment)
  if (!target) return undefined
  if (!model.derivesFrom(target.name, type)) return fail(`The type cast '${segment}' names a type that does not derive from ${type}.`)
  return { type: target.name }
}

function boundOperation(model: CsdlModel, type: string, collection: boolean, name: string): OperationDef | undefined {
  const bare = name.replace(/\(.*\)$/, '')
  return model.boundOperations(bare, type, collection)[0]
}

function describe(resource: Resource): string {
  switch (resource.kind) {
    case 'operation': return `the ${resource.operation.kind} ${resource.operation.name}`
    case 'property': return `the property ${resource.property.name}`
    case 'count': return '$count'
    case 'ref': return '$ref'
    default: return resource.kind === 'batch' ? '$batch' : '$metadata'
  }
}

function fail(violation: string): { violation: string } {
  return { violation }
}
