import { ActionUnderTest } from './action-under-test.js'
import { countWritesOfCleanRun, crashScenario, faultMatrix, faultScenario, concurrencyScenario, fileHygieneScenario } from './scenarios.js'
const action = new ActionUnderTest()
try {
  const t = Date.now()
  console.log('fresh writes', await countWritesOfCleanRun(action, false), Date.now() - t)
  console.log('rotation writes', await countWritesOfCleanRun(action, true), Date.now() - t)
  console.log(JSON.stringify(await crashScenario(action, { rotation: false, write: 3 }), null, 1), Date.now() - t)
  console.log(JSON.stringify(await faultScenario(action, faultMatrix(5000)[0]), null, 1), Date.now() - t)
  console.log(JSON.stringify(await fileHygieneScenario(action), null, 1), Date.now() - t)
} finally { action.cleanup() }
