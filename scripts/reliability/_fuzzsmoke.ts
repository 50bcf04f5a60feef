import { fuzzReadPfx, fuzzReadSettings, pfxSeeds } from './fuzz.js'
const seeds = pfxSeeds()
let t = Date.now()
const a = fuzzReadPfx(1, 2000, seeds); console.log(Date.now() - t, JSON.stringify({ ...a, findings: a.findings.slice(0, 15) }, null, 1), a.findings.length)
t = Date.now()
const b = fuzzReadSettings(1, 2000, seeds); console.log(Date.now() - t, JSON.stringify({ ...b, findings: b.findings.slice(0, 15) }, null, 1), b.findings.length)
