/**
 * Reads a V8 CPU profile (`node --cpu-prof`) of a bundled step and says where its time went:
 * by package (through the bundle's source maps: `node scripts/bundle.mjs --source-map`), by
 * the action's own source files, and by function. Used by `npm run bench -- --cpu-prof`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  /** First sample to last, ms. */
  spanMs: number
  /** Self time by where the code comes from: a package, `src/<file>`, `node (built-in)`, or V8's own buckets. */
  byOrigin: Array<[string, number]>
  /** Self time by function (with its origin). */
  byFunction: Array<[string, number]>
}

/** `node_modules/@scope/name/…` → `@scope/name`; the action's own files → `src/…`. */
function originOf(source: string): string {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
  if (modules !== null) return modules[1]
  const own = /(?:^|\/)(src\/.*)$/.exec(source.replace(/^webpack:\/\/[^/]*\//, ''))
  return own !== null ? own[1] : source
}

export function summarizeCpuProfile(profilePath: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile
  const maps = new Map<string, SourceMap | undefined>()
  const sourceMapFor = (url: string): SourceMap | undefined => {
    if (!maps.has(url)) {
      const mapPath = url.startsWith('file:') ? `${fileURLToPath(url)}.map` : ''
      maps.set(url, mapPath !== '' && existsSync(mapPath) ? new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8'))) : undefined)
    }
    return maps.get(url)
  }
  const where = (node: ProfileNode): string => {
    const { url, lineNumber, columnNumber, functionName } = node.callFrame
    if (url === '') return functionName // (program), (garbage collector), (idle), (root)
    // V8 compiling a module shows up under Node's loader: it is the bundle's parse time.
    if (functionName === 'compileSourceTextModule') return 'compiling the bundle'
    if (url.startsWith('node:')) return 'node (built-in)'
    const map = sourceMapFor(url)
    if (map === undefined) return url.split('/').slice(-1)[0]
    const entry = map.findEntry(lineNumber, columnNumber) as { originalSource?: string }
    return entry.originalSource === undefined ? url.split('/').slice(-1)[0] : originOf(entry.originalSource)
  }

  const selfMicros = new Map<number, number>()
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const byOrigin = new Map<string, number>()
  const byFunction = new Map<string, number>()
  const nodes = new Map(profile.nodes.map(node => [node.id, node]))
  for (const [id, micros] of selfMicros) {
    const node = nodes.get(id)
    if (node === undefined) continue
    const origin = where(node)
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + micros / 1000)
    const name = `${node.callFrame.functionName || '(anonymous)'} [${origin}]`
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros / 1000)
  }
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1])
  return { spanMs: (profile.endTime - profile.startTime) / 1000, byOrigin: sorted(byOrigin), byFunction: sorted(byFunction) }
}
