/**
 * Runs the emulator as a child process: prints one JSON line
 * `{"urls":{...},"caPath":...,"tenantId":...,"provisioning":{...},"oidc":{...}}` on stdout
 * once it listens, and stops on SIGTERM or SIGINT. Options come as JSON in the first
 * argument or EXO_CBA_EMULATOR_OPTIONS (see EmulatorOptions).
 * The line carries the provisioning identity's client secret and the OIDC request token:
 * it is meant for the parent process, never for a log. A parent reads the API description
 * checks with GET /_emulator/api-checks; the process exits 1 on stop when requests broke
 * a description (more than POST /_emulator/api-checks/expect declared).
 */
import { startEmulator, type EmulatorOptions } from './server.js'

const raw = process.argv[2] ?? process.env.EXO_CBA_EMULATOR_OPTIONS
const options = raw ? (JSON.parse(raw) as EmulatorOptions) : {}
const emulator = await startEmulator(options)
process.stdout.write(`${JSON.stringify({
  urls: emulator.urls,
  caPath: emulator.caPath,
  tenantId: emulator.tenant.tenantId,
  organization: emulator.tenant.initialDomain,
  provisioning: emulator.provisioning,
  oidc: emulator.oidc.actionsEnv()
})}\n`)

// A request that broke an API description fails the emulator's run: say which, exit 1.
const stop = () => {
  void emulator.close().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`)
      process.exit(1)
    }
  )
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
