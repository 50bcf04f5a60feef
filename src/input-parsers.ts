/**
 * Small parsers for input values. Each returns the parsed value or throws a UserError
 * that names the input, shows what was given and the accepted form.
 */
import { UserError } from './errors.js'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// A DNS name with at least two labels, as Entra verified domains are.
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i

export function isGuid(value: string): boolean {
  return GUID.test(value)
}

export function isDomain(value: string): boolean {
  return DOMAIN.test(value)
}

/** Shows a given value in an error message: quoted, control characters escaped, shortened. */
export function shown(value: string): string {
  const printable = JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
  return printable
}

// The YAML 1.2 core schema booleans, the same set @actions/core's getBooleanInput accepts.
const TRUE = ['true', 'True', 'TRUE']
const FALSE = ['false', 'False', 'FALSE']

export function parseBoolean(name: string, value: string): boolean {
  const trimmed = value.trim()
  if (TRUE.includes(trimmed)) return true
  if (FALSE.includes(trimmed)) return false
  throw new UserError(`Input '${name}' must be true or false; got ${shown(value)}.`, { input: name })
}

export function parseInteger(name: string, value: string, min: number, max: number): number {
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max) {
    throw new UserError(
      `Input '${name}' must be a whole number from ${min} to ${max}; got ${shown(value)}.`,
      { input: name }
    )
  }
  return Number(trimmed)
}

export function parseChoice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  const trimmed = value.trim()
  const match = choices.find(choice => choice === trimmed)
  if (match === undefined) {
    throw new UserError(
      `Input '${name}' must be one of ${choices.map(c => `'${c}'`).join(', ')}; got ${shown(value)}.`,
      { input: name }
    )
  }
  return match
}

/** Splits a comma- or newline-separated list, dropping blanks. */
export function parseList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map(item => item.trim())
    .filter(item => item.length > 0)
}

export function parseGuid(name: string, value: string, what: string): string {
  const trimmed = value.trim()
  if (!isGuid(trimmed)) {
    throw new UserError(
      `Input '${name}' must be ${what} (a GUID like 00000000-0000-0000-0000-000000000000); got ${shown(value)}.`,
      { input: name }
    )
  }
  return trimmed.toLowerCase()
}

/** An https URL without a trailing slash, query or fragment. */
export function parseHttpsUrl(name: string, value: string, example: string): string {
  const trimmed = value.trim()
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new UserError(`Input '${name}' must be an https URL such as ${example}; got ${shown(value)}.`, {
      input: name
    })
  }
  if (url.protocol !== 'https:' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new UserError(
      `Input '${name}' must be a plain https URL such as ${example} (Entra and Graph are only reached over https); got ${shown(value)}.`,
      { input: name }
    )
  }
  return trimmed.replace(/\/+$/, '')
}
