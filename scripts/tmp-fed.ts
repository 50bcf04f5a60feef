import { startEmulator } from '../emulator/index.js'
import { emulatorEnv, provisionInputs, repositorySecretInputs, inputsFromStoredSecrets } from './lib/emulated-run.js'
import { maskedLog, runAction } from './lib/local-runner.js'
const emulator = await startEmulator()
const env = emulatorEnv(emulator)
const run = await runAction({ inputs: { ...provisionInputs(emulator), ...repositorySecretInputs(), credential: 'federated' }, env, skipPost: true })
console.log(maskedLog(run.main.stdout, run.main.masks).split('\n').filter(l => !l.startsWith('::add-mask')).join('\n'))
console.log(JSON.stringify(run.outputs, null, 1))
console.log(run.summary)
const stored = inputsFromStoredSecrets(emulator)
console.log('stored', stored)
const c = await runAction({ inputs: { mode: 'connect', credential: 'federated', 'app-id': stored['app-id'], organization: stored.organization, 'tenant-id': stored['tenant-id'], 'authority-host': emulator.urls.login }, env, skipPost: true })
console.log(maskedLog(c.main.stdout, c.main.masks).split('\n').filter(l => !l.startsWith('::add-mask')).join('\n'))
console.log(JSON.stringify(c.outputs, null, 1))
console.log(emulator.apiChecks.summary())
await emulator.close()
