import { fuzzReadSettings, fuzzReadPfx, pfxSeeds } from './fuzz.js'
const seeds = pfxSeeds()
for (const seed of [2, 3]) {
const a = fuzzReadPfx(seed, 3000, seeds); console.log(seed, a.accepted, a.rejectedClearly, a.slowestMs, JSON.stringify(a.findings.slice(0, 5)))
const b = fuzzReadSettings(seed, 3000, seeds); console.log(seed, b.accepted, b.rejectedClearly, b.slowestMs, JSON.stringify(b.findings.slice(0, 5)))
}
