/**
 * Checks the query of a Graph v1.0 URL: only system query options OData defines, each at
 * most once, each where it applies (collection options on collections, on GET), with valid
 * values; `$select`, `$expand`, `$filter` and `$orderby` may only name properties the
 * description declares on the addressed type (an open type also has dynamic properties,
 * never dynamic navigation properties). Query options without `$` or `@` are custom query
 * options, which OData leaves to the service.
 */
import type { CsdlModel } from './csdl-model.js'
import type { Resource } from './odata-path.js'

const SYSTEM_OPTIONS = new Set([
  '$select', '$expand', '$filter', '$orderby', '$top', '$skip', '$count', '$search', '$format',
  '$skiptoken', '$deltatoken', '$compute', '$apply', '$index', '$schemaversion', '$id'
])
/** Options that only a collection takes, and only when it is read. */
const COLLECTION_OPTIONS = new Set(['$filter', '$orderby', '$top', '$skip', '$count', '$search', '$skiptoken', '$deltatoken', '$compute', '$apply', '$index'])
const SHAPING_OPTIONS = new Set(['$select', '$expand'])

const FILTER_KEYWORDS = new Set([
  'and', 'or', 'not', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has', 'in', 'add', 'sub', 'mul', 'div', 'divby', 'mod',
  'true', 'false', 'null', 'INF', 'NaN', '$it', '$this', '$root', 'asc', 'desc'
])
/** OData's canonical functions (URL conventions 4.01 §5.1.1.5–5.1.1.12). */
const CANONICAL_FUNCTIONS = new Set([
  'concat', 'contains', 'endswith', 'indexof', 'length', 'startswith', 'substring', 'matchesPattern', 'tolower', 'toupper', 'trim',
  'hassubset', 'hassequence', 'date', 'day', 'fractionalseconds', 'hour', 'maxdatetime', 'mindatetime', 'minute', 'month', 'now',
  'second', 'time', 'totaloffsetminutes', 'totalseconds', 'year', 'ceiling', 'floor', 'round', 'cast', 'isof', 'case',
  'geo.distance', 'geo.intersects', 'geo.length'
])

/** The type whose properties `$select`/`$expand`/`$filter` may name, or undefined. */
function elementType(model: CsdlModel, resource: Resource): string | undefined {
  switch (resource.kind) {
    case 'collection':
    case 'entity':
      return resource.type
    case 'count':
      return resource.of
    case 'operation': {
      const returned = resource.operation.returnType?.name
      return returned && model.structured(returned) ? returned : undefined
    }
    default:
      return undefined
  }
}

export function checkQuery(model: CsdlModel, resource: Resource, method: string, query: URLSearchParams): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  const type = elementType(model, resource)
  const isCollection = resource.kind === 'collection' || resource.kind === 'count' ||
    (resource.kind === 'operation' && resource.operation.returnType?.collection === true)
  for (const [rawName, value] of query) {
    if (rawName.startsWith('@')) continue // parameter alias
    const name = rawName.toLowerCase()
    if (!name.startsWith('$')) continue // custom query option
    if (!SYSTEM_OPTIONS.has(name)) {
      problems.push(`Unknown system query option '${rawName}': OData defines ${[...SYSTEM_OPTIONS].join(', ')}.`)
      continue
    }
    if (seen.has(name)) problems.push(`The system query option '${name}' is given more than once.`)
    seen.add(name)
    if (COLLECTION_OPTIONS.has(name)) {
      if (!isCollection) {
        problems.push(`The query option '${name}' applies to collections; this URL addresses ${describe(resource)}.`)
        continue
      }
      if (method !== 'GET') problems.push(`The query option '${name}' applies when a collection is read (GET), not to ${method}.`)
    }
    if (SHAPING_OPTIONS.has(name)) {
      if (type === undefined || resource.kind === 'count') {
        problems.push(`The query option '${name}' needs an entity or a collection of entities; this URL addresses ${describe(resource)}.`)
        continue
      }
      if (method === 'DELETE') problems.push(`The query option '${name}' shapes a response body; a DELETE has none.`)
    }
    if (name === '$id' && !(resource.kind === 'ref' && resource.collection && method === 'DELETE')) {
      problems.push("The query option '$id' only names the link to delete in DELETE .../{navigation}/$ref.")
    }
    problems.push(...valueProblems(model, name, value, type))
  }
  return problems
}

function valueProblems(model: CsdlModel, name: string, value: string, type: string | undefined): string[] {
  switch (name) {
    case '$top':
    case '$skip':
      return /^\d+$/.test(value) ? [] : [`${name} must be a non-negative integer, not '${value}'.`]
    case '$count':
      return value === 'true' || value === 'false' ? [] : [`$count must be true or false, not '${value}'.`]
    case '$format':
      return value === 'json' || value.startsWith('application/json') ? [] : [`$format '${value}' is not JSON, the only format Graph serves.`]
    case '$select':
      return type ? selectProblems(model, type, value) : []
    case '$expand':
      return type ? expandProblems(model, type, value) : []
    case '$filter':
      return type ? filterProblems(model, type, value) : []
    case '$orderby':
      return type
        ? splitTopLevel(value).flatMap(item => {
            const [path, direction, extra] = item.trim().split(/\s+/)
            if (extra !== undefined || (direction !== undefined && direction !== 'asc' && direction !== 'desc')) return [`$orderby item '${item}' must be a property path with an optional asc or desc.`]
            return pathProblems(model, type, path, '$orderby')
          })
        : []
    default:
      return []
  }
}

/** Splits at commas outside parentheses and string literals. */
function splitTopLevel(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "'") quoted = !quoted
    else if (!quoted && c === '(') depth++
    else if (!quoted && c === ')') depth--
    else if (!quoted && depth === 0 && c === ',') {
      out.push(text.slice(start, i))
      start = i + 1
    }
  }
  out.push(text.slice(start))
  return out.map(s => s.trim())
}

function selectProblems(model: CsdlModel, type: string, value: string): string[] {
  return splitTopLevel(value).flatMap(item => {
    const path = item.replace(/\(.*\)$/s, '')
    if (path === '' ) return [`$select has an empty item in '${value}'.`]
    if (path === '*' || path.endsWith('.*')) return []
    return pathProblems(model, type, path, '$select')
  })
}

function expandProblems(model: CsdlModel, type: string, value: string): string[] {
  return splitTopLevel(value).flatMap(item => {
    const path = item.replace(/\(.*\)$/s, '').replace(/\/\$(ref|count)$/, '')
    if (path === '*') return []
    let current = type
    const segments = path.split('/')
    for (const [i, segment] of segments.entries()) {
      const cast = model.structured(segment)
      if (segment.includes('.') && cast && model.derivesFrom(cast.name, current)) {
        current = cast.name
        continue
      }
      const navigation = model.navigationProperty(current, segment)
      if (navigation && i === segments.length - 1) return []
      const property = model.property(current, segment)
      if (property && model.structured(property.type.name)?.kind === 'complex' && i < segments.length - 1) {
        current = property.type.name
        continue
      }
      return [`$expand names '${path}', but '${segment}' is not a navigation property of ${current} in the description.`]
    }
    return [`$expand item '${item}' names no navigation property.`]
  })
}

/** A property path (`displayName`, `keyCredentials/keyId`, `microsoft.graph.x/prop`) on `type`. */
function pathProblems(model: CsdlModel, type: string, path: string, option: string): string[] {
  let current: string | undefined = type
  const segments = path.split('/')
  for (const [i, segment] of segments.entries()) {
    if (current === undefined) return []
    const cast = segment.includes('.') ? model.structured(segment) : undefined
    if (cast) {
      if (!model.derivesFrom(cast.name, current)) return [`${option}: the type cast '${segment}' does not derive from ${current}.`]
      current = cast.name
      continue
    }
    if (i > 0 && segment.includes('.') && model.boundOperations(segment, current, false).length > 0) return []
    const property = model.property(current, segment)
    if (property) {
      current = model.structured(property.type.name) ? property.type.name : undefined
      continue
    }
    const navigation = model.navigationProperty(current, segment)
    if (navigation) {
      current = model.structured(navigation.type.name) ? navigation.type.name : undefined
      continue
    }
    if (model.isOpen(current)) return [] // a dynamic property of an open type
    return [`${option} names '${path}', but '${segment}' is not a property of ${current} in the description (and ${current} is not an open type).`]
  }
  return []
}

type FilterToken = { kind: 'identifier' | 'literal' | 'punctuation'; text: string }

function tokenizeFilter(filter: string): FilterToken[] | undefined {
  const tokens: FilterToken[] = []
  let i = 0
  while (i < filter.length) {
    const c = filter[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === "'") {
      let j = i + 1
      for (;;) {
        if (j >= filter.length) return undefined
        if (filter[j] === "'" && filter[j + 1] === "'") j += 2
        else if (filter[j] === "'") break
        else j++
      }
      tokens.push({ kind: 'literal', text: filter.slice(i, j + 1) })
      i = j + 1
      continue
    }
    if ('(),:'.includes(c)) {
      tokens.push({ kind: 'punctuation', text: c })
      i++
      continue
    }
    const m = /^[^\s(),:']+/.exec(filter.slice(i))!
    const text = m[0]
    i += text.length
    // A typed literal such as duration'P1D' or a GUID/number/date is a value, not a path.
    if (filter[i] === "'" || /^[-+]?[\d.]/.test(text) || /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(text)) tokens.push({ kind: 'literal', text })
    else tokens.push({ kind: 'identifier', text })
  }
  return tokens
}

function filterProblems(model: CsdlModel, type: string, filter: string): string[] {
  const tokens = tokenizeFilter(filter)
  if (!tokens) return [`$filter has an unterminated string literal: ${filter}`]
  const problems: string[] = []
  const variables = new Set<string>()
  tokens.forEach((t, i) => {
    if (t.kind === 'identifier' && tokens[i + 1]?.text === ':' && tokens[i - 1]?.text === '(') variables.add(t.text)
  })
  tokens.forEach((t, i) => {
    if (t.kind !== 'identifier' || FILTER_KEYWORDS.has(t.text) || variables.has(t.text)) return
    const root = t.text.split('/')[0]
    if (variables.has(root) || root.startsWith('$') || root.startsWith('@')) return
    if (tokens[i + 1]?.text === '(') {
      const lambda = /^(.*)\/(any|all)$/.exec(t.text)
      if (lambda) {
        problems.push(...pathProblems(model, type, lambda[1], '$filter'))
        return
      }
      if (!CANONICAL_FUNCTIONS.has(t.text)) problems.push(`$filter calls '${t.text}', which is not an OData canonical function.`)
      return
    }
    if (/^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$/.test(t.text) && !t.text.includes('/') && !model.structured(t.text)) return // a qualified enum or type name
    problems.push(...pathProblems(model, type, t.text, '$filter'))
  })
  return problems
}

function describe(resource: Resource): string {
  switch (resource.kind) {
    case 'entity': return `a single ${resource.type}`
    case 'collection': return `a collection of ${resource.type}`
    case 'operation': return `the ${resource.operation.kind} ${resource.operation.name}`
    case 'property': return `the property ${resource.property.name}`
    case 'count': return '$count'
    case 'ref': return '$ref'
    default: return resource.kind === 'batch' ? '$batch' : '$metadata'
  }
}
