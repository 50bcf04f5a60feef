/**
 * Keeps the README's inputs and outputs tables identical to action.yml, so the action's
 * interface is documented in one place only (the idea of actions/checkout's generate-docs).
 *
 *   npx tsx scripts/generate-docs.ts           rewrite the tables in README.md
 *   npx tsx scripts/generate-docs.ts --check   fail if README.md is out of date (CI)
 *   … --readme path/to/README.md               another README (the tests use a temporary one)
 *
 * README.md marks where each table goes:
 *   <!-- inputs:start --> … <!-- inputs:end -->
 *   <!-- outputs:start --> … <!-- outputs:end -->
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'

interface ActionInput {
  description?: string
  default?: string | number | boolean
  required?: boolean
}

interface ActionOutput {
  description?: string
}

interface ActionMetadata {
  inputs?: Record<string, ActionInput | null>
  outputs?: Record<string, ActionOutput | null>
}

export const MARKERS = {
  inputs: { start: '<!-- inputs:start -->', end: '<!-- inputs:end -->' },
  outputs: { start: '<!-- outputs:start -->', end: '<!-- outputs:end -->' }
} as const

function parseActionYml(actionYml: string): ActionMetadata {
  const parsed: unknown = parse(actionYml)
  if (parsed === null || typeof parsed !== 'object') {
    throw new Error('action.yml is not a YAML mapping: expected keys such as `name`, `inputs` and `runs`.')
  }
  return parsed as ActionMetadata
}

/** Makes text safe inside one Markdown table cell: a `|` would start a new cell, a newline a new row. */
export function escapeCell(text: string): string {
  return text
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>')
}

function codeCell(value: string): string {
  return value === '' ? '' : `\`${escapeCell(value)}\``
}

/** The inputs table: `input | default | description`, in action.yml's order. */
export function renderInputsTable(actionYml: string): string {
  const inputs = parseActionYml(actionYml).inputs ?? {}
  const rows = Object.entries(inputs).map(([name, input]) => {
    const defaultValue = input?.default === undefined ? '' : String(input.default)
    const required = input?.required === true ? '**Required.** ' : ''
    return `| \`${name}\` | ${codeCell(defaultValue)} | ${required}${escapeCell(input?.description ?? '')} |`
  })
  return ['| input | default | description |', '|---|---|---|', ...rows].join('\n')
}

/** The outputs table: `output | description`, in action.yml's order. */
export function renderOutputsTable(actionYml: string): string {
  const outputs = parseActionYml(actionYml).outputs ?? {}
  const rows = Object.entries(outputs).map(
    ([name, output]) => `| \`${name}\` | ${escapeCell(output?.description ?? '')} |`
  )
  return ['| output | description |', '|---|---|', ...rows].join('\n')
}

function replaceBetween(readme: string, marker: { start: string; end: string }, body: string): string {
  const start = readme.indexOf(marker.start)
  const end = readme.indexOf(marker.end)
  if (start === -1 || end === -1 || end < start) {
    throw new Error(
      `README.md has no ${marker.start} … ${marker.end} section. ` +
        'Add both markers on their own lines where the table belongs, then run `npx tsx scripts/generate-docs.ts` again.'
    )
  }
  if (readme.indexOf(marker.start, start + marker.start.length) !== -1) {
    throw new Error(`README.md has ${marker.start} more than once; keep exactly one.`)
  }
  return readme.slice(0, start + marker.start.length) + '\n' + body + '\n' + readme.slice(end)
}

/** README text with both tables regenerated from action.yml; everything outside the markers is kept. */
export function updateReadme(readme: string, actionYml: string): string {
  const withInputs = replaceBetween(readme, MARKERS.inputs, renderInputsTable(actionYml))
  return replaceBetween(withInputs, MARKERS.outputs, renderOutputsTable(actionYml))
}

function main(argv: string[]): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const readmeFlag = argv.indexOf('--readme')
  const readmePath = readmeFlag === -1 ? join(root, 'README.md') : argv[readmeFlag + 1]
  if (readmePath === undefined || readmePath.startsWith('--')) {
    throw new Error('--readme needs a path, e.g. --readme README.md')
  }
  const checkOnly = argv.includes('--check')
  if (!existsSync(readmePath)) {
    throw new Error(`${readmePath} does not exist. Create it with the inputs and outputs markers first.`)
  }
  const readme = readFileSync(readmePath, 'utf8')
  const updated = updateReadme(readme, readFileSync(join(root, 'action.yml'), 'utf8'))
  if (updated === readme) {
    console.log(`${readmePath}: inputs and outputs already match action.yml.`)
    return
  }
  if (checkOnly) {
    throw new Error(`${readmePath}: the inputs/outputs tables differ from action.yml. Run \`npm run docs\` and commit the README.`)
  }
  writeFileSync(readmePath, updated)
  console.log(`${readmePath}: inputs and outputs tables updated from action.yml.`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2))
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  }
}
