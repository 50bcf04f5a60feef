/**
 * Checks a JSON request body against CSDL types, as the OData JSON Format (4.01) represents
 * them: property names declared on the type or a base type (an open type also takes dynamic
 * properties), primitive values of the right JSON kind and form, enum members by name,
 * complex values and derived types named with `@odata.type`, collections as arrays, and no
 * null where the description says Nullable="false".
 */
import type { CsdlModel, OperationDef, TypeRef } from './csdl-model.js'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATE_TIME_OFFSET = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i
const DATE = /^-?\d{4,}-\d{2}-\d{2}$/
const TIME_OF_DAY = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/
const DURATION = /^-?P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/
/**
 * Edm.Binary: OData JSON says base64url (RFC 4648 §5). Microsoft's own Graph examples and
 * SDKs send keyCredential.key and customKeyIdentifier in standard base64 (`+`, `/`, `=`)
 * and Graph accepts it, so both alphabets pass; anything else does not. White space
 * between the characters (a PEM body's line breaks: the Azure CLI's `az ad app credential
 * reset --create-cert` sends the certificate so) is skipped, as Graph's OData reader skips
 * it: Microsoft.OData.Core reads a JSON string as Edm.Binary with .NET's
 * Convert.FromBase64String (OData/odata.net, ODataJsonLightReaderUtils.ConvertStringValue),
 * which ignores space, tab, CR and LF.
 */
const BINARY = /^[A-Za-z0-9+/_-]*={0,2}$/
const BASE64_WHITE_SPACE = /[ \t\r\n]+/g

const INTEGER_RANGES: Record<string, [number, number]> = {
  'Edm.Byte': [0, 255],
  'Edm.SByte': [-128, 127],
  'Edm.Int16': [-32768, 32767],
  'Edm.Int32': [-2147483648, 2147483647],
  'Edm.Int64': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
}

function describeJson(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${JSON.stringify(value).slice(0, 60)}`
}

/** Problem with a primitive value, or undefined when it is a valid `type`. */
export function primitiveProblem(type: string, value: unknown, maxLength?: number): string | undefined {
  const expect = (what: string) => `expected ${type} (${what}), got ${describeJson(value)}`
  switch (type) {
    case 'Edm.String':
      if (typeof value !== 'string') return expect('a JSON string')
      return maxLength !== undefined && value.length > maxLength ? `is ${value.length} characters; MaxLength is ${maxLength}` : undefined
    case 'Edm.Boolean':
      return typeof value === 'boolean' ? undefined : expect('true or false')
    case 'Edm.Guid':
      return typeof value === 'string' && GUID.test(value) ? undefined : expect('a GUID string')
    case 'Edm.DateTimeOffset':
      return typeof value === 'string' && DATE_TIME_OFFSET.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : expect('an ISO 8601 date and time with a time zone, e.g. 2027-01-31T12:00:00Z')
    case 'Edm.Date':
      return typeof value === 'string' && DATE.test(value) ? undefined : expect('a date, e.g. 2027-01-31')
    case 'Edm.TimeOfDay':
      return typeof value === 'string' && TIME_OF_DAY.test(value) ? undefined : expect('a time of day, e.g. 12:00:00')
    case 'Edm.Duration':
      return typeof value === 'string' && DURATION.test(value) ? undefined : expect('an ISO 8601 duration, e.g. P90D')
    case 'Edm.Binary':
    case 'Edm.Stream':
    {
      const text = typeof value === 'string' ? value.replace(BASE64_WHITE_SPACE, '') : undefined
      if (text === undefined || !BINARY.test(text) || text.replace(/=+$/, '').length % 4 === 1) return expect('base64 or base64url text')
      return undefined
    }
    case 'Edm.Single':
    case 'Edm.Double':
      return typeof value === 'number' || value === 'INF' || value === '-INF' || value === 'NaN' ? undefined : expect('a JSON number')
    case 'Edm.Decimal':
      return typeof value === 'number' ? undefined : expect('a JSON number')
    default: {
      const range = INTEGER_RANGES[type]
      if (range) {
        return typeof value === 'number' && Number.isInteger(value) && value >= range[0] && value <= range[1] ? undefined : expect(`an integer from ${range[0]} to ${range[1]}`)
      }
      // Edm.Untyped, Edm.PrimitiveType, geography/geometry: any JSON value.
      return undefined
    }
  }
}

export class BodyChecker {
  readonly problems: string[] = []

  constructor(private readonly model: CsdlModel) {}

  /** A value of a declared type at `path` (e.g. `keyCredentials[0].key`). */
  value(type: TypeRef, nullable: boolean, value: unknown, path: string): void {
    if (value === null) {
      if (type.collection) this.problems.push(`'${path}' is a collection (${type.name}): send an array, never null.`)
      else if (!nullable) this.problems.push(`'${path}' is Nullable="false" (${type.name}): null is not allowed.`)
      return
    }
    if (type.collection) {
      if (!Array.isArray(value)) {
        this.problems.push(`'${path}' is a Collection(${type.name}): expected a JSON array, got ${describeJson(value)}.`)
        return
      }
      value.forEach((item, i) => {
        if (item === null) {
          if (!nullable) this.problems.push(`'${path}[${i}]': items of this collection are Nullable="false": null is not allowed.`)
          return
        }
        this.single(type.name, item, `${path}[${i}]`)
      })
      return
    }
    this.single(type.name, value, path)
  }

  private single(typeName: string, value: unknown, path: string, maxLength?: number): void {
    if (typeName.startsWith('Edm.')) {
      const problem = primitiveProblem(typeName, value, maxLength)
      if (problem) this.problems.push(`'${path}' ${problem}.`)
      return
    }
    const type = this.model.type(typeName)
    if (!type) {
      this.problems.push(`'${path}' is of type ${typeName}, which the trimmed description does not keep.`)
      return
    }
    switch (type.kind) {
      case 'typedef':
        this.single(type.underlying, value, path)
        return
      case 'enum': {
        const names = typeof value === 'string' ? (type.flags ? value.split(',').map(s => s.trim()) : [value]) : []
        const ok = names.length > 0 && names.every(n => type.members.has(n) || [...type.members.values()].some(v => String(v) === n))
        if (!ok) this.problems.push(`'${path}' is the enum ${type.name}: expected one of ${[...type.members.keys()].map(m => `'${m}'`).join(', ')}, got ${describeJson(value)}.`)
        return
      }
      default:
        this.structured(type.name, value, path)
    }
  }

  /** An entity or complex value: known properties (dynamic ones on open types), typed values. */
  structured(typeName: string, value: unknown, path: string): void {
    const where = path === '' ? 'The body' : `'${path}'`
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problems.push(`${where} must be a JSON object (${typeName}), got ${describeJson(value)}.`)
      return
    }
    const body = value as Record<string, unknown>
    let actual = typeName
    const cast = body['@odata.type']
    if (cast !== undefined) {
      const named = typeof cast === 'string' ? this.model.structured(cast) : undefined
      if (!named || !this.model.derivesFrom(named.name, typeName)) {
        this.problems.push(`${where}: @odata.type ${JSON.stringify(cast)} is not ${typeName} or a type derived from it in the description.`)
        return
      }
      actual = named.name
    }
    const open = this.model.isOpen(actual)
    for (const [name, inner] of Object.entries(body)) {
      const at = path === '' ? name : `${path}.${name}`
      if (name.startsWith('@')) continue // instance annotation, e.g. @odata.type
      const annotated = name.indexOf('@')
      if (annotated > 0) {
        const target = name.slice(0, annotated)
        if (name.endsWith('@odata.bind') && !this.model.navigationProperty(actual, target)) {
          this.problems.push(`'${at}': ${target} is not a navigation property of ${actual}, so it cannot be bound.`)
        }
        continue
      }
      const property = this.model.property(actual, name)
      if (property) {
        if (!property.type.collection && inner !== null) this.single(property.type.name, inner, at, property.maxLength)
        else this.value(property.type, property.nullable, inner, at)
        continue
      }
      const navigation = this.model.navigationProperty(actual, name)
      if (navigation) {
        // Deep insert or update: check what the description keeps of the target type.
        if (this.model.structured(navigation.type.name)) this.value(navigation.type, navigation.nullable, inner, at)
        continue
      }
      if (!open) this.problems.push(`'${at}' is not a property of ${actual} (declared or inherited), and ${actual} is not an open type.`)
    }
  }

  /** The parameters of an action, given as the members of the body object. */
  actionParameters(operation: OperationDef, body: unknown): void {
    const parameters = operation.bound ? operation.parameters.slice(1) : operation.parameters
    const given = body === undefined ? {} : body
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      this.problems.push(`The body of the action ${operation.name} must be a JSON object of its parameters, got ${describeJson(given)}.`)
      return
    }
    const values = given as Record<string, unknown>
    for (const [name, value] of Object.entries(values)) {
      if (name.includes('@')) continue
      const parameter = parameters.find(p => p.name === name)
      if (!parameter) {
        this.problems.push(`'${name}' is not a parameter of the action ${operation.name} (its parameters: ${parameters.map(p => p.name).join(', ')}).`)
        continue
      }
      this.value(parameter.type, parameter.nullable, value, name)
    }
    for (const parameter of parameters) {
      if (!parameter.nullable && !(parameter.name in values)) {
        this.problems.push(`The action ${operation.name} needs its parameter '${parameter.name}' (${parameter.type.name}, Nullable="false"); it is missing.`)
      }
    }
  }
}
