/**
 * Holds one GitHub REST request to the trimmed OpenAPI description
 * (emulator/descriptions/github-rest.openapi.json): the path must match one of its path
 * templates (GHES serves the same under /api/v3) and the method one of that path's
 * operations (else 404, as GitHub answers); path and query parameters must be declared and
 * valid; a JSON body must satisfy the operation's request body schema, validated by Ajv
 * (OpenAPI 3.0 schemas are JSON Schema plus `nullable`, which Ajv supports).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { CheckedRequest } from './graph-request.js'

export const GITHUB_OPENAPI_PATH = join(dirname(fileURLToPath(import.meta.url)), '../descriptions/github-rest.openapi.json')
const DOCUMENT_ID = 'github-rest.openapi.json'

type JsonObject = Record<string, unknown>

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required: boolean
  validate: ValidateFunction
}

interface Operation {
  method: string
  template: string
  pattern: RegExp
  pathNames: string[]
  parameters: Parameter[]
  body?: { required: boolean; validate?: ValidateFunction }
}

/** What the description says of a request: nothing, or the status GitHub answers and why. */
export type GitHubVerdict = undefined | { status: 404 | 422; problems: string[] }

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv

export class GitHubDescription {
  private readonly operations: Operation[] = []

  constructor(doc: JsonObject) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
    addFormats(ajv)
    ajv.addSchema(doc, DOCUMENT_ID)
    // Query and path values arrive as text: coerce them to the schema's type before checking.
    const coercing = new Ajv({ strict: false, coerceTypes: true, validateSchema: false })
    addFormats(coercing)
    coercing.addSchema(doc, DOCUMENT_ID)

    const components = (doc.components ?? {}) as Record<string, JsonObject>
    const resolve = (value: unknown): JsonObject => {
      const ref = (value as JsonObject | undefined)?.$ref
      if (typeof ref !== 'string') return value as JsonObject
      const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(ref) ?? []
      return resolve(components[kind]?.[name])
    }
    for (const [template, item] of Object.entries(doc.paths as Record<string, JsonObject>)) {
      const pathNames = [...template.matchAll(/\{([^}]+)\}/g)].map(m => m[1])
      const pattern = new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRegExp).join('([^/]+)')}$`)
      for (const [method, raw] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue
        const operation = raw as JsonObject
        const declared = [...((item.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map(resolve)
        const parameters = declared.map((p): Parameter => ({
          name: String(p.name),
          in: p.in as Parameter['in'],
          required: p.required === true,
          validate: coercing.compile({ type: 'object', properties: { value: p.schema ?? {} } })
        }))
        const requestBody = operation.requestBody === undefined ? undefined : resolve(operation.requestBody)
        const hasJson = (requestBody?.content as JsonObject | undefined)?.['application/json'] !== undefined
        const pointer = `/paths/${escapePointer(template)}/${method}/requestBody/content/application~1json/schema`
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern,
          pathNames,
          parameters,
          ...(requestBody ? { body: { required: requestBody.required === true, ...(hasJson ? { validate: ajv.compile({ $ref: `${DOCUMENT_ID}#${encodeURI(pointer)}` }) } : {}) } } : {})
        })
      }
    }
    // A literal segment beats a parameter (`.../secrets/public-key` before `.../secrets/{secret_name}`).
    this.operations.sort((a, b) => a.pathNames.length - b.pathNames.length)
  }

  check(req: CheckedRequest): GitHubVerdict {
    const path = req.url.pathname.replace(/^\/api\/v3(?=\/)/, '')
    const method = req.method.toUpperCase()
    const matching = this.operations.filter(o => o.pattern.test(path))
    if (matching.length === 0) return { status: 404, problems: [`No path of the description matches ${path}.`] }
    const operation = matching.find(o => o.method === method)
    if (!operation) {
      return { status: 404, problems: [`${method} is not an operation of ${matching[0].template} (the description has ${[...new Set(matching.map(o => o.method))].join(', ')}).`] }
    }
    const problems: string[] = []
    const values = operation.pattern.exec(path)!.slice(1)
    operation.pathNames.forEach((name, i) => {
      const parameter = operation.parameters.find(p => p.in === 'path' && p.name === name)
      let value: string
      try {
        value = decodeURIComponent(values[i])
      } catch {
        problems.push(`The path parameter ${name} is not valid percent-encoding.`)
        return
      }
      if (parameter && !parameter.validate({ value })) problems.push(`For '${name}', ${JSON.stringify(value)} ${parameter.validate.errors?.[0]?.message ?? 'is not valid'}.`)
    })
    const query = req.url.searchParams
    for (const name of new Set(query.keys())) {
      const parameter = operation.parameters.find(p => p.in === 'query' && p.name === name)
      if (!parameter) {
        problems.push(`The query parameter '${name}' is not a parameter of ${operation.method} ${operation.template}.`)
        continue
      }
      const value = query.get(name)!
      if (!parameter.validate({ value })) problems.push(`For '${name}', ${JSON.stringify(value)} ${parameter.validate.errors?.[0]?.message ?? 'is not valid'}.`)
    }
    for (const parameter of operation.parameters) {
      if (parameter.in === 'query' && parameter.required && !query.has(parameter.name)) problems.push(`The query parameter '${parameter.name}' is required.`)
    }
    problems.push(...this.bodyProblems(operation, req))
    return problems.length === 0 ? undefined : { status: 422, problems }
  }

  private bodyProblems(operation: Operation, req: CheckedRequest): string[] {
    if (!operation.body) return req.hasBody ? [`${operation.method} ${operation.template} takes no request body.`] : []
    if (!req.hasBody) return operation.body.required ? ['A JSON request body is required.'] : []
    if (req.body === undefined) return ['The request body is not JSON (Content-Type: application/json).']
    const validate = operation.body.validate
    if (!validate || validate(req.body)) return []
    return (validate.errors ?? []).map(e => describeError(e, req.body))
  }
}

/** Ajv's error in the words GitHub's own schema validation uses (its 422 "Invalid request." answers). */
function describeError(error: ErrorObject, body: unknown): string {
  const field = error.instancePath.split('/').slice(1).map(s => (/^\d+$/.test(s) ? 'items' : `properties/${s}`)).join('/')
  const data = error.instancePath.split('/').slice(1).reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], body)
  switch (error.keyword) {
    case 'required':
      return `"${(error.params as { missingProperty: string }).missingProperty}" wasn't supplied.`
    case 'additionalProperties':
      return `"${(error.params as { additionalProperty: string }).additionalProperty}" is not a permitted key.`
    case 'enum':
      return `For '${field}', ${JSON.stringify(data)} is not one of ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}.`
    case 'pattern':
      return `${String(data)} does not match /${(error.params as { pattern: string }).pattern}/.`
    case 'type': {
      const type = String((error.params as { type: string }).type)
      return `For '${field || 'the body'}', ${JSON.stringify(data)} is not ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}.`
    }
    default:
      return `For '${field || 'the body'}', ${error.message ?? 'the value is not valid'}.`
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

let description: GitHubDescription | undefined

/** The trimmed GitHub description, compiled once per process. */
export function gitHubDescription(): GitHubDescription {
  description ??= new GitHubDescription(JSON.parse(readFileSync(GITHUB_OPENAPI_PATH, 'utf8')) as JsonObject)
  return description
}
