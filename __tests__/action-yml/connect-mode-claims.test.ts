/**
 * Issue 21 point 6: what the documents say connect mode requests is what it does. With
 * `credential: certificate` it makes no request at all (__tests__/connect/no-network.test.ts);
 * with `credential: federated` it requests this job's GitHub OIDC token and exchanges it at
 * Entra ID, and nothing else (__tests__/federated/zero-secret.test.ts). No document may claim
 * more than that for connect mode as a whole.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

/** The Markdown list item that starts with `start`, with its continuation lines joined. */
function bullet(markdown: string, start: string): string {
  const lines = markdown.split('\n')
  const first = lines.findIndex(line => line.startsWith(`- ${start}`))
  if (first === -1) throw new Error(`no list item starts with "- ${start}"`)
  const rest = lines.slice(first + 1)
  const end = rest.findIndex(line => !line.startsWith('  '))
  return [lines[first], ...rest.slice(0, end === -1 ? rest.length : end)].map(line => line.trim()).join(' ')
}

describe('connect mode and the network, as documented', () => {
  it('SECURITY.md: no request with a certificate; with credential: federated, the job\'s OIDC token exchanged at Entra ID', () => {
    const security = read('SECURITY.md')
    expect(security).not.toMatch(/never touches the network/i)
    const claim = bullet(security, '**`connect` mode')
    expect(claim).toMatch(/calls no Microsoft Graph and no GitHub API/)
    expect(claim).toMatch(/With `credential: certificate` it makes no request at all/)
    expect(claim).toMatch(/With `credential: federated` it asks the runner for this job's GitHub OIDC token .* exchanges it at Entra ID/)
  })

  it('action.yml (and so the README inputs table): mode: connect says what it requests with credential: federated', () => {
    const action = parse(read('action.yml')) as { inputs: Record<string, { description: string }> }
    const mode = action.inputs.mode.description.replace(/\s+/g, ' ')
    expect(mode).toMatch(/`connect` makes no Graph call/)
    expect(mode).toMatch(/no request at all\), or with `credential: federated` from an Exchange Online token that Entra ID issues for this job's GitHub OIDC token/)
  })
})
