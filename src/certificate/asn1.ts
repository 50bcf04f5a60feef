import forge from 'node-forge'

/**
 * Small DER building and reading helpers over node-forge's ASN.1 codec. forge works on
 * "binary strings"; everything here speaks Buffers so the rest of the module can use
 * node:crypto directly.
 */
const { asn1 } = forge
const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class
const T = asn1.Type

export type Asn1 = forge.asn1.Asn1

const binary = (bytes: Buffer): string => bytes.toString('binary')

export const sequence = (...items: Asn1[]): Asn1 => asn1.create(UNIVERSAL, T.SEQUENCE, true, items)

/** A DER `SET OF`: its members must be sorted by their encodings. */
export function setOf(...items: Asn1[]): Asn1 {
  const sorted = [...items].sort((a, b) => Buffer.compare(toDer(a), toDer(b)))
  return asn1.create(UNIVERSAL, T.SET, true, sorted)
}

export const oid = (dotted: string): Asn1 =>
  asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(dotted).getBytes())

export const octetString = (bytes: Buffer): Asn1 => asn1.create(UNIVERSAL, T.OCTETSTRING, false, binary(bytes))

export const integer = (value: number): Asn1 =>
  asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(value).getBytes())

export const asn1Null = (): Asn1 => asn1.create(UNIVERSAL, T.NULL, false, '')

/** BMPString (UTF-16BE): forge encodes the JavaScript string's UTF-16 code units itself. */
export const bmpString = (text: string): Asn1 => asn1.create(UNIVERSAL, T.BMPSTRING, false, text)

/** `[n] EXPLICIT` wrapper. */
export const explicit = (tag: number, inner: Asn1): Asn1 => asn1.create(CONTEXT_SPECIFIC, tag, true, [inner])

/** `[n] IMPLICIT OCTET STRING`. */
export const implicitOctets = (tag: number, bytes: Buffer): Asn1 =>
  asn1.create(CONTEXT_SPECIFIC, tag, false, binary(bytes))

export const toDer = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary')

// --- reading -------------------------------------------------------------------------

/** Thrown when bytes are not the ASN.1 structure a reader expected. */
export class MalformedError extends Error {
  override readonly name = 'MalformedError'
}

// forge also takes an options object; its typings only know the boolean `strict` form.
const parse = asn1.fromDer as unknown as (
  bytes: string,
  options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean }
) => Asn1

/**
 * Parses BER as well as DER: PKCS#12 files from Windows and Java use indefinite lengths
 * and chunked octet strings. BIT STRINGs are left alone (keys and signatures, not ASN.1).
 */
export function fromDer(bytes: Buffer): Asn1 {
  try {
    return parse(binary(bytes), { strict: false, parseAllBytes: true, decodeBitStrings: false })
  } catch {
    throw new MalformedError('not ASN.1')
  }
}

export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (node === undefined || !node.constructed || !Array.isArray(node.value)) {
    throw new MalformedError(`expected a constructed ${what}`)
  }
  return node.value as Asn1[]
}

export function oidOf(node: Asn1 | undefined): string {
  if (node === undefined || node.tagClass !== UNIVERSAL || node.type !== T.OID || typeof node.value !== 'string') {
    throw new MalformedError('expected an OBJECT IDENTIFIER')
  }
  try {
    return asn1.derToOid(node.value)
  } catch {
    // forge throws a bare Error for arcs above 2^53; no algorithm this reader knows has one.
    throw new MalformedError('OBJECT IDENTIFIER out of range')
  }
}

export function integerOf(node: Asn1 | undefined): number {
  if (node === undefined || node.type !== T.INTEGER || typeof node.value !== 'string') {
    throw new MalformedError('expected an INTEGER')
  }
  // forge reads 1 to 4 bytes and throws a bare Error otherwise; versions and counts fit.
  if (node.value.length < 1 || node.value.length > 4) throw new MalformedError('INTEGER of an unsupported size')
  return asn1.derToInteger(node.value)
}

/**
 * The content of an OCTET STRING (or of an implicitly tagged one). BER allows a
 * "constructed" octet string made of chunks; they are joined.
 */
export function octetsOf(node: Asn1 | undefined): Buffer {
  if (node === undefined) throw new MalformedError('expected an OCTET STRING')
  if (typeof node.value === 'string') return Buffer.from(node.value, 'binary')
  return Buffer.concat((node.value as Asn1[]).map((chunk) => octetsOf(chunk)))
}

/** The inner value of an `[n] EXPLICIT` wrapper. */
export function explicitOf(node: Asn1 | undefined, tag: number): Asn1 {
  if (node === undefined || node.tagClass !== CONTEXT_SPECIFIC || node.type !== tag) {
    throw new MalformedError(`expected [${tag}]`)
  }
  const inner = children(node, `[${tag}]`)[0]
  if (inner === undefined) throw new MalformedError(`empty [${tag}]`)
  return inner
}

export const isContextTag = (node: Asn1 | undefined, tag: number): boolean =>
  node !== undefined && node.tagClass === CONTEXT_SPECIFIC && node.type === tag
