/**
 * Where each element of a CSDL XML document sits in its text, so a trim can copy the
 * elements it keeps byte for byte. Only the layout CSDL has is handled: an Edmx root,
 * DataServices, Schemas whose children are the model elements, and one EntityContainer
 * whose children are entity sets, singletons and imports.
 */

/** One schema child or container child, with its exact source text. */
export interface CsdlSpan {
  tag: string
  attributes: Record<string, string>
  /** The whole element, from the start of its line (indentation included) through its line end. */
  text: string
  /** Offset of `text` in the source: spans sort in source order by it. */
  start: number
}

export interface CsdlSchemaLayout {
  namespace: string
  alias?: string
  /** `<Schema ...>` line, verbatim. */
  openLine: string
  closeLine: string
  elements: CsdlSpan[]
  container?: { name: string; openLine: string; closeLine: string; start: number; elements: CsdlSpan[] }
}

export interface CsdlLayout {
  /** Everything before the first `<Schema` line (XML declaration, Edmx, DataServices). */
  prolog: string
  schemas: CsdlSchemaLayout[]
  /** Everything after the last `</Schema>` line. */
  epilog: string
}

const TAG = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*"[^"]*")*)\s*(\/?)>|<\?[^>]*\?>|<!--[\s\S]*?-->/g
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*"([^"]*)"/g

export function attributesOf(raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of raw.matchAll(ATTRIBUTE)) out[m[1]] = decodeXmlText(m[2])
  return out
}

function decodeXmlText(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!)
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  return nl === -1 ? text.length : nl + 1
}

/**
 * Splits a CSDL document into its schemas and their elements. Throws when the document is
 * not laid out one element per line start (a trim could then not copy elements verbatim).
 */
export function readCsdlLayout(text: string): CsdlLayout {
  const schemas: CsdlSchemaLayout[] = []
  const stack: Array<{ tag: string; start: number; attributes: Record<string, string> }> = []
  let schema: CsdlSchemaLayout | undefined
  let firstSchemaLine = -1
  let lastSchemaEnd = -1

  for (const m of text.matchAll(TAG)) {
    if (m[2] === undefined) continue // declaration or comment
    const [whole, closing, tag, rawAttributes, selfClosing] = m
    const at = m.index
    if (closing) {
      const open = stack.pop()
      if (!open || open.tag !== tag) throw new Error(`CSDL is not well formed: </${tag}> at offset ${at}`)
      finish(open, at + whole.length)
      continue
    }
    const element = { tag, start: at, attributes: attributesOf(rawAttributes) }
    if (selfClosing) {
      stack.push(element)
      finish(stack.pop()!, at + whole.length)
    } else {
      stack.push(element)
      if (tag === 'Schema') {
        if (firstSchemaLine === -1) firstSchemaLine = lineStart(text, at)
        schema = {
          namespace: element.attributes.Namespace,
          alias: element.attributes.Alias,
          openLine: text.slice(lineStart(text, at), lineEnd(text, at)),
          closeLine: '',
          elements: []
        }
      } else if (tag === 'EntityContainer' && schema && stack.length === 4) {
        schema.container = {
          name: element.attributes.Name,
          openLine: text.slice(lineStart(text, at), lineEnd(text, at)),
          closeLine: '',
          start: lineStart(text, at),
          elements: []
        }
      }
    }
  }
  if (stack.length > 0 || schemas.length === 0) throw new Error('CSDL is not well formed: unclosed elements or no Schema')
  return { prolog: text.slice(0, firstSchemaLine), schemas, epilog: text.slice(lastSchemaEnd) }

  function finish(element: { tag: string; start: number; attributes: Record<string, string> }, end: number): void {
    // Depth after the pop: Edmx=0, DataServices=1, Schema=2, its children=3, container children=4.
    const depth = stack.length
    if (element.tag === 'Schema' && schema) {
      schema.closeLine = text.slice(lineStart(text, end - 1), lineEnd(text, end - 1))
      lastSchemaEnd = lineEnd(text, end - 1)
      schemas.push(schema)
      schema = undefined
      return
    }
    if (!schema) return
    if (element.tag === 'EntityContainer' && depth === 3 && schema.container) {
      schema.container.closeLine = text.slice(lineStart(text, end - 1), lineEnd(text, end - 1))
      return
    }
    if (depth !== 3 && depth !== 4) return
    const start = lineStart(text, element.start)
    if (text.slice(start, element.start).trim() !== '') {
      throw new Error(`CSDL element <${element.tag}> at offset ${element.start} does not start its line`)
    }
    const span: CsdlSpan = { tag: element.tag, attributes: element.attributes, text: text.slice(start, lineEnd(text, end - 1)), start }
    if (depth === 3) schema.elements.push(span)
    else if (stack[3]?.tag === 'EntityContainer' && schema.container) schema.container.elements.push(span)
  }
}
