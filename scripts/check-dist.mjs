// Proves dist/ is what src/ bundles to today: rebuilds into a temp folder and compares.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const fresh = mkdtempSync(join(tmpdir(), 'exo-cba-dist-'))
execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs'), '--out', fresh], { cwd: root, stdio: 'inherit' })

const committed = join(root, 'dist')
/** Every file under `dir`, as paths relative to it (the post step's bundle has a folder of its own). */
const filesUnder = dir => (existsSync(dir) ? readdirSync(dir, { recursive: true }).filter(name => statSync(join(dir, name)).isFile()) : [])
const names = new Set([...filesUnder(fresh), ...filesUnder(committed)])
const stale = [...names].sort().filter(name => {
  const a = join(fresh, name)
  const b = join(committed, name)
  return !existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))
})
rmSync(fresh, { recursive: true, force: true })
if (stale.length > 0) {
  console.error(`dist/ is out of date (${stale.join(', ')}). Run \`npm run build\` and commit dist/.`)
  process.exit(1)
}
console.log('dist/ matches src/.')
