/**
 * The GitHub request checker: GitHub's own request examples (the `examples` of each request
 * body in its description) and every operation the action uses are accepted, on
 * api.github.com and under GHES's /api/v3; malformed requests are refused as GitHub refuses
 * them (404 for a route it does not have, 422 "Invalid request." naming the rule).
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { GITHUB_OPENAPI_PATH, gitHubDescription } from '../../emulator/api-check/github-request.js'
import { GITHUB_OPERATIONS } from '../../scripts/api-descriptions/used-api.js'

function check(method: string, pathAndQuery: string, body?: unknown) {
  return gitHubDescription().check({
    method,
    url: new URL(`https://api.github.com${pathAndQuery}`),
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body,
    hasBody: body !== undefined
  })
}

const SAMPLE: Record<string, string> = { owner: 'contoso', repo: 'exo-automation', environment_name: 'production', org: 'contoso', secret_name: 'EXO_APP_ID' }
const concrete = (template: string) => template.replace(/\{([^}]+)\}/g, (_, name: string) => SAMPLE[name])
const description = JSON.parse(readFileSync(GITHUB_OPENAPI_PATH, 'utf8')) as {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } }>>
}

describe('GitHub requests the description accepts', () => {
  for (const operation of GITHUB_OPERATIONS) {
    const [method, template] = operation.split(' ')
    const examples = Object.values(description.paths[template][method.toLowerCase()].requestBody?.content['application/json']?.examples ?? {})
    it(`${operation}${examples.length > 0 ? " with GitHub's example body" : ''}, also under /api/v3`, () => {
      const body = examples[0]?.value
      expect(check(method, concrete(template), body)).toBeUndefined()
      expect(check(method, `/api/v3${concrete(template)}`, body)).toBeUndefined()
    })
  }

  it('takes the paging parameters the list operations declare', () => {
    expect(check('GET', '/repos/contoso/exo-automation/actions/secrets?per_page=100&page=2')).toBeUndefined()
  })
})

describe('malformed GitHub requests are refused as GitHub refuses them', () => {
  const secret = '/repos/contoso/exo-automation/actions/secrets/EXO_APP_ID'
  const sealed = { encrypted_value: 'c2VjcmV0', key_id: '012345678912345678' }
  const cases: Array<[rule: string, method: string, path: string, body: unknown, status: 404 | 422, message: RegExp]> = [
    ['unknown path', 'GET', '/repos/contoso/exo-automation/actions/variables', undefined, 404, /No path of the description matches/],
    ['wrong method', 'POST', secret, sealed, 404, /POST is not an operation of \/repos\/\{owner\}\/\{repo\}\/actions\/secrets\/\{secret_name\}/],
    ['missing required body field', 'PUT', secret, { encrypted_value: 'c2VjcmV0' }, 422, /^"key_id" wasn't supplied\.$/],
    ['missing body', 'PUT', secret, undefined, 422, /A JSON request body is required/],
    ['value not matching its pattern', 'PUT', secret, { ...sealed, encrypted_value: 'not base64!' }, 422, /not base64! does not match \//],
    ['bad enum (visibility)', 'PUT', '/orgs/contoso/actions/secrets/EXO_APP_ID', { ...sealed, visibility: 'public' }, 422, /^For 'properties\/visibility', "public" is not one of \["all","private","selected"\]\.$/],
    ['missing visibility for an organization secret', 'PUT', '/orgs/contoso/actions/secrets/EXO_APP_ID', sealed, 422, /^"visibility" wasn't supplied\.$/],
    ['wrong type', 'PUT', secret, { ...sealed, key_id: 12 }, 422, /For 'properties\/key_id', 12 is not a string\./],
    ['query parameter of the wrong type', 'GET', '/orgs/contoso/actions/secrets?per_page=lots', undefined, 422, /For 'per_page', "lots" must be integer/],
    ['query parameter the operation does not declare', 'GET', '/repos/contoso/exo-automation/actions/secrets?visibility=all', undefined, 422, /'visibility' is not a parameter of GET/],
    ['body on an operation that takes none', 'DELETE', secret, { force: true }, 422, /takes no request body/]
  ]
  for (const [rule, method, path, body, status, message] of cases) {
    it(rule, () => {
      const verdict = check(method, path, body)
      expect(verdict?.status).toBe(status)
      expect(verdict?.problems).toEqual(expect.arrayContaining([expect.stringMatching(message)]))
    })
  }
})
