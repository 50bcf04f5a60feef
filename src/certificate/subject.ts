import forge from 'node-forge'

/** One attribute of a distinguished name, ready for forge's `setSubject`. */
export interface SubjectAttribute {
  type: string
  shortName: string
  value: string
  valueTagClass: number
}

const { Type } = forge.asn1

/** The attributes a certificate subject may use here, with the string type RFC 5280 expects. */
const ATTRIBUTES: Record<string, { type: string; tag: number }> = {
  CN: { type: '2.5.4.3', tag: Type.UTF8 },
  O: { type: '2.5.4.10', tag: Type.UTF8 },
  OU: { type: '2.5.4.11', tag: Type.UTF8 },
  L: { type: '2.5.4.7', tag: Type.UTF8 },
  ST: { type: '2.5.4.8', tag: Type.UTF8 },
  STREET: { type: '2.5.4.9', tag: Type.UTF8 },
  C: { type: '2.5.4.6', tag: Type.PRINTABLESTRING },
  DC: { type: '0.9.2342.19200300.100.1.25', tag: Type.IA5STRING },
  E: { type: '1.2.840.113549.1.9.1', tag: Type.IA5STRING }
}
const ALIASES: Record<string, string> = { S: 'ST', EMAILADDRESS: 'E', EMAIL: 'E' }

/**
 * Parses a subject such as `CN=EXO Automation, O=Contoso, C=US`. Values may escape a
 * comma with `\,` or be double-quoted. Throws an Error naming the part it cannot read.
 */
export function parseSubject(subject: string): SubjectAttribute[] {
  const parts = splitUnescaped(subject)
  if (parts.length === 0 || parts.every((part) => part.trim() === '')) {
    throw new Error('The certificate subject is empty; use a distinguished name such as "CN=EXO Automation".')
  }
  return parts.map((part) => parseAttribute(part, subject))
}

function parseAttribute(part: string, subject: string): SubjectAttribute {
  const equals = part.indexOf('=')
  const rawName = equals < 0 ? '' : part.slice(0, equals).trim().toUpperCase()
  const name = ALIASES[rawName] ?? rawName
  const spec = ATTRIBUTES[name]
  if (spec === undefined) {
    throw new Error(
      `The certificate subject "${subject}" cannot be read at "${part.trim()}": expected NAME=value with NAME one of ${Object.keys(ATTRIBUTES).join(', ')}, separated by commas.`
    )
  }
  const value = unquote(part.slice(equals + 1).trim())
  if (value === '') throw new Error(`The certificate subject "${subject}" has an empty ${name}.`)
  if (name === 'C' && !/^[A-Za-z]{2}$/.test(value)) {
    throw new Error(`The certificate subject "${subject}" has C=${value}; C must be a two-letter country code.`)
  }
  if (spec.tag === Type.IA5STRING && !/^[\x20-\x7e]+$/.test(value)) {
    throw new Error(`The certificate subject "${subject}" has a non-ASCII ${name}.`)
  }
  return { type: spec.type, shortName: name, value: name === 'C' ? value.toUpperCase() : value, valueTagClass: spec.tag }
}

/** Splits on commas that are neither backslash-escaped nor inside double quotes. */
function splitUnescaped(text: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '\\' && i + 1 < text.length) {
      current += text[++i]
    } else if (ch === '"') {
      quoted = !quoted
      current += ch
    } else if (ch === ',' && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += ch
    }
  }
  if (quoted) throw new Error(`The certificate subject "${text}" has an unterminated quote.`)
  parts.push(current)
  return parts
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
}
