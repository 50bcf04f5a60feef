/**
 * Serves a GitHubEmulator over HTTPS on 127.0.0.1 with the emulator CA (trusted through
 * NODE_EXTRA_CA_CERTS by `npm test`), so the client is tested over the same path as in
 * production: Octokit → fetch → TLS → GitHub's REST routes.
 */
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { ensureCa, issueServerCertificate } from '../../emulator/ca.js'
import { GitHubEmulator, type GitHubEmulatorOptions } from '../../emulator/github.js'
import type { EmulatorRequest } from '../../emulator/http.js'

export interface ServedGitHub {
  github: GitHubEmulator
  /** `https://127.0.0.1:PORT` */
  url: string
  /** Every request the server answered: method, path and status. */
  requests: Array<{ method: string; path: string; status: number }>
  close(): Promise<void>
}

// Signing a server certificate with node-forge takes about a second: one per test file.
let certificate: ReturnType<typeof issueServerCertificate> | undefined

export async function serveGitHub(options?: GitHubEmulatorOptions): Promise<ServedGitHub> {
  const github = new GitHubEmulator(options)
  const requests: ServedGitHub['requests'] = []
  certificate ??= issueServerCertificate(ensureCa())
  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (incoming, outgoing) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', async () => {
      const rawBody = Buffer.concat(chunks)
      const url = new URL(incoming.url ?? '/', 'https://127.0.0.1')
      const isJson = String(incoming.headers['content-type'] ?? '').includes('json')
      const req: EmulatorRequest = {
        method: incoming.method ?? 'GET',
        url,
        headers: incoming.headers,
        rawBody,
        body: isJson && rawBody.length > 0 ? JSON.parse(rawBody.toString('utf8')) : undefined
      }
      const res = (await github.handle(req)) ?? github.notFound(req)
      requests.push({ method: req.method, path: url.pathname, status: res.status })
      const headers: Record<string, string> = { ...res.headers }
      let body: string | undefined
      if (res.json !== undefined) {
        headers['content-type'] = 'application/json; charset=utf-8'
        body = JSON.stringify(res.json)
      } else if (res.text !== undefined) {
        headers['content-type'] ??= 'text/plain'
        body = res.text
      }
      outgoing.writeHead(res.status, headers)
      outgoing.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    github,
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
