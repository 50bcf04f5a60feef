/**
 * The OData query options the emulator understands: `$filter` (eq, ne, startswith, in,
 * and/or/not, parentheses, and the lambda `any` over a multi-valued property, e.g.
 * `servicePrincipalNames/any(c:c eq '…')`), `$select`, `$top` with `@odata.nextLink`
 * paging, `$count`.
 * Anything else in a `$filter` is refused the way Graph refuses an unsupported query.
 */
import { graphCsdlModel, type PropertyDef } from '../api-check/csdl-model.js'
import { badRequest, GraphError } from './errors.js'

type Literal = string | number | boolean | null
type Expr =
  | { op: 'and' | 'or'; left: Expr; right: Expr }
  | { op: 'not'; expr: Expr }
  | { op: 'eq' | 'ne'; prop: string; value: Literal }
  | { op: 'in'; prop: string; values: Literal[] }
  | { op: 'startswith'; prop: string; value: string }
  /** `prop/any(v: expr)`: some element satisfies expr (`v` names the element); `prop/any()`: not empty. */
  | { op: 'any'; prop: string; variable?: string; expr?: Expr }

type Token = { kind: 'ident' | 'string' | 'punct' | 'literal'; text: string; value?: Literal }

export function parseFilter(filter: string): (entity: Record<string, unknown>) => boolean {
  const tokens = tokenize(filter)
  let pos = 0
  const invalid = (why: string) => badRequest(`Invalid filter clause: ${why}`, 'BadRequest')
  const peek = () => tokens[pos]
  const next = () => tokens[pos++]
  const expectPunct = (text: string) => {
    const t = next()
    if (!t || t.kind !== 'punct' || t.text !== text) throw invalid(`expected '${text}'`)
  }
  const literal = (): Literal => {
    const t = next()
    if (!t) throw invalid('a value is missing')
    if (t.kind === 'string' || t.kind === 'literal') return t.value!
    throw invalid(`'${t.text}' is not a value`)
  }
  const primary = (): Expr => {
    const t = next()
    if (!t) throw invalid('the expression ends too early')
    if (t.kind === 'punct' && t.text === '(') {
      const inner = orExpr()
      expectPunct(')')
      return inner
    }
    if (t.kind === 'ident' && t.text.toLowerCase() === 'not') return { op: 'not', expr: primary() }
    if (t.kind === 'ident' && t.text.toLowerCase() === 'startswith' && peek()?.text === '(') {
      next()
      const prop = next()
      if (!prop || prop.kind !== 'ident') throw invalid('startswith needs a property')
      expectPunct(',')
      const value = literal()
      expectPunct(')')
      if (typeof value !== 'string') throw invalid('startswith needs a string')
      return { op: 'startswith', prop: prop.text, value }
    }
    const lambda = t.kind === 'ident' ? /^(.+)\/any$/i.exec(t.text) : null
    if (lambda && peek()?.text === '(') {
      next()
      if (peek()?.text === ')') {
        next()
        return { op: 'any', prop: lambda[1] }
      }
      const variable = next()
      if (!variable || variable.kind !== 'ident' || !/^[A-Za-z_]\w*$/.test(variable.text)) throw invalid('any( needs a range variable, e.g. any(c:c eq \'x\')')
      expectPunct(':')
      const inner = orExpr()
      expectPunct(')')
      return { op: 'any', prop: lambda[1], variable: variable.text, expr: inner }
    }
    if (t.kind === 'ident') {
      // `all` and functions other than startswith are not supported on directory objects.
      if (peek()?.text === '(' || t.text.includes('/any') || t.text.includes('/all')) {
        throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported query: '${filter}'.`)
      }
      const op = next()
      if (!op || op.kind !== 'ident') throw invalid(`expected an operator after '${t.text}'`)
      const name = op.text.toLowerCase()
      if (name === 'eq' || name === 'ne') return { op: name, prop: t.text, value: literal() }
      if (name === 'in') {
        expectPunct('(')
        const values: Literal[] = [literal()]
        while (peek()?.text === ',') { next(); values.push(literal()) }
        expectPunct(')')
        return { op: 'in', prop: t.text, values }
      }
      throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported query: operator '${op.text}' in '${filter}'.`)
    }
    throw invalid(`unexpected '${t.text}'`)
  }
  const andExpr = (): Expr => {
    let left = primary()
    while (peek()?.kind === 'ident' && peek()!.text.toLowerCase() === 'and') { next(); left = { op: 'and', left, right: primary() } }
    return left
  }
  const orExpr = (): Expr => {
    let left = andExpr()
    while (peek()?.kind === 'ident' && peek()!.text.toLowerCase() === 'or') { next(); left = { op: 'or', left, right: andExpr() } }
    return left
  }
  const expr = orExpr()
  if (pos !== tokens.length) throw invalid(`unexpected '${tokens[pos].text}'`)
  return entity => evaluate(expr, entity)
}

/** Range variables of the enclosing `any` lambdas, by name. */
type Scope = ReadonlyMap<string, unknown>

function evaluate(expr: Expr, entity: Record<string, unknown>, scope: Scope = new Map()): boolean {
  switch (expr.op) {
    case 'and': return evaluate(expr.left, entity, scope) && evaluate(expr.right, entity, scope)
    case 'or': return evaluate(expr.left, entity, scope) || evaluate(expr.right, entity, scope)
    case 'not': return !evaluate(expr.expr, entity, scope)
    case 'eq': return same(property(entity, expr.prop, scope), expr.value)
    case 'ne': return !same(property(entity, expr.prop, scope), expr.value)
    case 'in': return expr.values.some(v => same(property(entity, expr.prop, scope), v))
    case 'startswith': {
      const value = property(entity, expr.prop, scope)
      return typeof value === 'string' && value.toLowerCase().startsWith(expr.value.toLowerCase())
    }
    case 'any': {
      const items = property(entity, expr.prop, scope)
      if (!Array.isArray(items)) {
        throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported query: '${expr.prop}' is not a multi-valued property; any() needs one.`)
      }
      if (!expr.expr) return items.length > 0
      const inner = expr.expr
      return items.some(item => evaluate(inner, entity, new Map([...scope, [expr.variable!, item]])))
    }
  }
}

function property(entity: Record<string, unknown>, path: string, scope: Scope = new Map()): unknown {
  const [head, ...rest] = path.split('/')
  if (scope.has(head)) {
    // A range variable: the element itself, or a property of it (`c/id`).
    let value = scope.get(head)
    for (const part of rest) {
      if (value === null || typeof value !== 'object') return undefined
      const obj = value as Record<string, unknown>
      const key = Object.keys(obj).find(k => k.toLowerCase() === part.toLowerCase())
      value = key === undefined ? undefined : obj[key]
    }
    return value
  }
  let value: unknown = entity
  for (const part of path.split('/')) {
    if (value === null || typeof value !== 'object') return undefined
    const obj = value as Record<string, unknown>
    const key = Object.keys(obj).find(k => k.toLowerCase() === part.toLowerCase())
    if (key === undefined) throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${path}' of resource.`)
    value = obj[key]
  }
  return value
}

/** Directory string comparisons are case-insensitive. */
function same(actual: unknown, expected: Literal): boolean {
  if (actual === undefined) return false
  if (expected === null) return actual === null
  if (typeof actual === 'string' && typeof expected === 'string') return actual.toLowerCase() === expected.toLowerCase()
  return actual === expected
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]
    if (/\s/.test(c)) { i++; continue }
    if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c })
      i++
      // A lambda's range variable: `any(c:c eq 'x')` → ident c, punct ':'.
      const previous = tokens[tokens.length - 2]
      const variable = c === '(' && previous?.kind === 'ident' && /\/any$/i.test(previous.text) ? /^\s*([A-Za-z_]\w*)\s*:/.exec(input.slice(i)) : null
      if (variable) {
        tokens.push({ kind: 'ident', text: variable[1] }, { kind: 'punct', text: ':' })
        i += variable[0].length
      }
      continue
    }
    if (c === "'") {
      let value = ''
      i++
      for (;;) {
        if (i >= input.length) throw badRequest('Invalid filter clause: unterminated string literal.', 'BadRequest')
        if (input[i] === "'") {
          if (input[i + 1] === "'") { value += "'"; i += 2; continue }
          i++
          break
        }
        value += input[i++]
      }
      tokens.push({ kind: 'string', text: `'${value}'`, value })
      continue
    }
    const m = /^[A-Za-z0-9_.$@/:+-]+/.exec(input.slice(i))
    if (!m) throw badRequest(`Invalid filter clause: unexpected character '${c}'.`, 'BadRequest')
    const text = m[0]
    i += text.length
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) tokens.push({ kind: 'literal', text, value: text })
    else if (text === 'null') tokens.push({ kind: 'literal', text, value: null })
    else if (text === 'true' || text === 'false') tokens.push({ kind: 'literal', text, value: text === 'true' })
    else if (/^-?\d+(\.\d+)?$/.test(text)) tokens.push({ kind: 'literal', text, value: Number(text) })
    else tokens.push({ kind: 'ident', text })
  }
  return tokens
}

/**
 * `$select`: keeps only the named properties. A property the Graph v1.0 description declares
 * on the type (or a base type) is always selectable, answered null ([] for a collection) when
 * the emulator does not model it; any other name is refused with Graph's message (the
 * directory's open types only hold registered extension attributes, none here).
 */
export function applySelect(entity: Record<string, unknown>, select: string[] | undefined, typeName: string): Record<string, unknown> {
  if (!select) return entity
  const out: Record<string, unknown> = {}
  for (const name of select) {
    const key = Object.keys(entity).find(k => k.toLowerCase() === name.toLowerCase())
    if (key !== undefined) {
      out[key] = entity[key]
      continue
    }
    const declared = declaredProperty(typeName, name)
    if (!declared) throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${typeName}'.`)
    out[declared.name] = declared.type.collection ? [] : null
  }
  return out
}

/** The property `name` (any case) as the description declares it on microsoft.graph.`typeName`. */
export function declaredProperty(typeName: string, name: string): PropertyDef | undefined {
  const model = graphCsdlModel()
  for (const type of model.lineage(`microsoft.graph.${typeName}`)) {
    for (const property of type.properties.values()) if (property.name.toLowerCase() === name.toLowerCase()) return property
  }
  return undefined
}

export function parseSelect(query: URLSearchParams): string[] | undefined {
  const raw = query.get('$select')
  if (raw === null) return undefined
  return raw.split(',').map(s => s.trim()).filter(Boolean)
}

/** One page of a collection, with `@odata.nextLink` when more remain. */
export function page<T>(items: T[], query: URLSearchParams, selfUrl: string, defaultPageSize = 100): { items: T[]; nextLink?: string } {
  const topRaw = query.get('$top')
  let size = defaultPageSize
  if (topRaw !== null) {
    const top = Number(topRaw)
    if (!Number.isInteger(top) || top < 1 || top > 999) {
      throw badRequest(`Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`, 'Request_BadRequest')
    }
    size = top
  }
  const skipRaw = query.get('$skiptoken')
  let offset = 0
  if (skipRaw !== null) {
    const parsed = Number(Buffer.from(skipRaw, 'base64url').toString('utf8'))
    if (!Number.isInteger(parsed) || parsed < 0) throw badRequest('Invalid $skiptoken.', 'Request_BadRequest')
    offset = parsed
  }
  const slice = items.slice(offset, offset + size)
  if (offset + size >= items.length) return { items: slice }
  const next = new URL(selfUrl)
  next.searchParams.set('$top', String(size))
  next.searchParams.set('$skiptoken', Buffer.from(String(offset + size)).toString('base64url'))
  return { items: slice, nextLink: next.toString() }
}
