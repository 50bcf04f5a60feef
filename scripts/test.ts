/**
 * `npm test`: makes sure the emulator's CA exists, then runs jest with
 * NODE_EXTRA_CA_CERTS pointing at it, so every client in the tests (the action,
 * @azure/identity, the Graph client, Octokit) trusts the emulator the standard way.
 * Extra arguments go to jest, e.g. `npm test -- __tests__/emulator`.
 */
import { spawn } from 'node:child_process'
import { ensureCa } from '../emulator/ca.js'

const ca = ensureCa()
const jest = spawn(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath } }
)
jest.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0))
})
