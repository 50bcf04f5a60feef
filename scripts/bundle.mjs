// Bundles the action with @vercel/ncc: dist/index.js (main step) and dist/cleanup.js
// (post step), as action.yml names them. `--out DIR` bundles elsewhere (check-dist);
// `--source-map` adds .map files beside every bundle and chunk (the bench's CPU profile
// reads them; dist/ has none).
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const outIndex = process.argv.indexOf('--out')
const outArg = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : join(root, 'dist')
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
const sourceMapFlags = process.argv.includes('--source-map') ? ['--source-map', '--no-source-map-register'] : []

const entries = [
  { source: 'src/index.ts', target: 'index.js' },
  { source: 'src/cleanup.ts', target: 'cleanup.js' }
]

// Build beside the target and swap it in at the end, so a reader (a test running the
// action) never sees a half-written dist/.
const finalOut = outArg
const building = `${finalOut}.building-${process.pid}`
rmSync(building, { recursive: true, force: true })
mkdirSync(building, { recursive: true })
const out = building
process.on('exit', code => {
  // A failed build (a type error, say) must not leave its scratch folder behind.
  if (code !== 0) rmSync(building, { recursive: true, force: true })
})
for (const { source, target } of entries) {
  const work = mkdtempSync(join(tmpdir(), 'exo-cba-ncc-'))
  execFileSync(process.execPath, [ncc, 'build', join(root, source), '-o', work, '--license', 'licenses.txt', '--quiet', ...sourceMapFlags], {
    cwd: root,
    stdio: 'inherit'
  })
  const produced = readdirSync(work).filter(name => name !== 'package.json')
  if (target === 'index.js') {
    // The main bundle comes with lazily loaded chunks (one per mode, Octokit, libsodium, …) and assets.
    for (const name of produced) cpSync(join(work, name), join(out, name), { recursive: true })
  } else {
    // The post step has lazy chunks too (Octokit, only to give back a lease); ncc names
    // chunks by number, so they live in a folder of their own, and cleanup.js (the path
    // action.yml names) just loads its entry.
    const folder = target.replace(/\.js$/, '')
    for (const name of produced) cpSync(join(work, name), join(out, folder, name), { recursive: true })
    writeFileSync(join(out, target), `// The post step; its bundle and chunks are in ${folder}/.\nimport './${folder}/index.js'\n`)
  }
  rmSync(work, { recursive: true, force: true })
}
// The bundles are ES modules; this tells Node so even without the root package.json.
writeFileSync(join(out, 'package.json'), '{\n  "type": "module"\n}\n')
rmSync(finalOut, { recursive: true, force: true })
renameSync(building, finalOut)
console.log(`Bundled ${entries.map(e => e.target).join(', ')} into ${finalOut}`)
