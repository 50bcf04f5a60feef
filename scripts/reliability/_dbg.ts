import { ActionUnderTest } from './action-under-test.js'
import { crashScenario, faultMatrix, faultScenario } from './scenarios.js'
import { badInputCases, badInputScenario, makeCertificates } from './bad-inputs.js'
const action = new ActionUnderTest()
try {
  for (const w of [7, 8, 10]) console.log(JSON.stringify(await crashScenario(action, { rotation: false, write: w }), null, 1))
  console.log(JSON.stringify(await faultScenario(action, faultMatrix(5000).find(s => /after 2/.test(s.name))!), null, 1))
  const certs = makeCertificates()
  console.log(JSON.stringify(await badInputScenario(action, badInputCases(certs).find(c => /PEM without/.test(c.name))!, certs), null, 1))
} finally { action.cleanup() }
