/**
 * `npm test`: makes sure the emulator's CA exists, then runs jest with
 * NODE_EXTRA_CA_CERTS pointing at it, so every client in the tests (the action,
 * @azure/identity, the Graph client, Octokit) trusts the emulator the standard way.
 * Extra arguments go to jest, e.g. `npm test -- __tests__/emulator`.
 * It ends with one plain line, `N passed, N failed, N skipped`, that any CI can read.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureCa } from '../emulator/ca.js'

const ca = ensureCa()
const resultsDir = mkdtempSync(join(tmpdir(), 'exo-cba-jest-'))
const resultsFile = join(resultsDir, 'results.json')
const jest = spawn(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    '--json',
    `--outputFile=${resultsFile}`,
    ...process.argv.slice(2)
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath } }
)
jest.on('exit', (code, signal) => {
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
      numPassedTests: number
      numFailedTests: number
      numPendingTests: number
      numTodoTests: number
    }
    console.log(`${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped`)
  }
  rmSync(resultsDir, { recursive: true, force: true })
  process.exit(code ?? (signal ? 1 : 0))
})
