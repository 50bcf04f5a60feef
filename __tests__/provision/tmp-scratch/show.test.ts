import { it } from '@jest/globals'
import { startEmulator } from '../../../emulator/index.js'
import { BundledAction } from '../../helpers/bundled-action.js'
import { provision } from '../provision-helpers.js'
it('shows', async () => {
  const action = new BundledAction()
  const emulator = await startEmulator({ replicationLag: 10_000 })
  emulator.faults.throttle({ service: 'graph', every: 3, retryAfterSeconds: 1 })
  const t0 = Date.now()
  const run = await provision(action, emulator, {}, {skipPost: true})
  console.log(Date.now() - t0, run.main.stdout.split('\n').filter(l=>!l.startsWith('::add-mask')).join('\n'))
  console.log(emulator.log.list().map(e => `${e.timestamp.slice(11)} ${e.service} ${e.method} ${e.path.slice(0,80)} ${e.status} ${e.fault ?? ''}`).join('\n'))
  await emulator.close()
  action.cleanup()
}, 120000)
