import { fuzzReadSettings, fuzzReadPfx, pfxSeeds } from './fuzz.js'
const seeds = pfxSeeds()
const b = fuzzReadSettings(1, 240, seeds); console.log(JSON.stringify(b.findings))
