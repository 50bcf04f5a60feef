/**
 * Instance discovery, as MSAL Python asks it of login.microsoftonline.com before it uses an
 * authority host it does not know: the emulated Entra ID answers it for its own host (and
 * Microsoft's), refuses other hosts with AADSTS50049, and is reachable under Microsoft's name
 * only through the emulator's CONNECT proxy, with TLS verified against the emulator's CA.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { startEmulator, type Emulator } from '../../emulator/index.js'

describe('emulated instance discovery and the proxy to it', () => {
  let emulator: Emulator
  let tenantId: string

  beforeAll(async () => {
    emulator = await startEmulator()
    tenantId = emulator.tenant.tenantId
  })
  afterAll(async () => { await emulator?.close() })

  const discoveryPath = (authorizationEndpoint: string, apiVersion = '1.1') =>
    `/common/discovery/instance?api-version=${apiVersion}&authorization_endpoint=${encodeURIComponent(authorizationEndpoint)}`

  const direct = async (path: string) => {
    const res = await fetch(`${emulator.urls.login}${path}`)
    return { status: res.status, json: (await res.json()) as any }
  }

  /** Opens a CONNECT tunnel through the emulator's proxy; the answer and, on 200, the raw socket. */
  async function tunnel(target: string): Promise<{ res: IncomingMessage; socket: Socket; body: string }> {
    const proxy = new URL(emulator.urls.proxy)
    const req = request({ host: proxy.hostname, port: Number(proxy.port), method: 'CONNECT', path: target })
    req.end()
    const [res, socket, head] = (await once(req, 'connect')) as [IncomingMessage, Socket, Buffer]
    // A refusal's text: what came with the head of the answer, then the rest until the proxy ends it.
    let body = head.toString('utf8')
    if (res.statusCode !== 200 && !socket.readableEnded) {
      socket.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      await once(socket, 'close')
    }
    return { res, socket, body }
  }

  /** GET over TLS inside a tunnel, verifying the certificate for `servername` with the emulator's CA only. */
  async function getThroughTunnel(socket: Socket, servername: string, path: string): Promise<{ status: number; json: any }> {
    const tls: TLSSocket = tlsConnect({ socket, servername, ca: readFileSync(emulator.caPath) })
    await once(tls, 'secureConnect')
    const req = request({ host: servername, path, createConnection: () => tls })
    req.end()
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    let text = ''
    for await (const chunk of res) text += (chunk as Buffer).toString('utf8')
    tls.destroy()
    return { status: res.statusCode ?? 0, json: JSON.parse(text) }
  }

  it("validates its own host (MSAL sends it without the port) and points at its own tenant discovery", async () => {
    const found = await direct(discoveryPath(`https://127.0.0.1/${tenantId}/oauth2/v2.0/authorize`, '1.0'))
    expect(found.status).toBe(200)
    expect(found.json).toMatchObject({
      tenant_discovery_endpoint: `${emulator.urls.login}/${tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.0'
    })
    expect(found.json.metadata).toContainEqual({ preferred_network: '127.0.0.1', preferred_cache: '127.0.0.1', aliases: ['127.0.0.1'] })
    const openId = await fetch(found.json.tenant_discovery_endpoint)
    expect(((await openId.json()) as any).token_endpoint).toBe(`${emulator.urls.login}/${tenantId}/oauth2/v2.0/token`)
  })

  it("answers the aliases request for Microsoft's hosts with their groups", async () => {
    const aliases = await direct(discoveryPath('https://login.microsoftonline.com/common/oauth2/authorize'))
    expect(aliases.status).toBe(200)
    expect(aliases.json.metadata).toContainEqual({
      preferred_network: 'login.microsoftonline.com',
      preferred_cache: 'login.windows.net',
      aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net']
    })
  })

  it('refuses an unknown host with AADSTS50049 invalid_instance, and a missing api-version', async () => {
    const unknown = await direct(discoveryPath('https://login.contoso.example/common/oauth2/v2.0/authorize'))
    expect(unknown.status).toBe(400)
    expect(unknown.json).toMatchObject({ error: 'invalid_instance', error_codes: [50049] })
    expect((await direct('/common/discovery/instance?authorization_endpoint=https://127.0.0.1/common/oauth2/v2.0/authorize')).status).toBe(400)
  })

  it('tunnels login.microsoftonline.com:443 to the emulated Entra ID, whose certificate names it', async () => {
    const { res, socket } = await tunnel('login.microsoftonline.com:443')
    expect(res.statusCode).toBe(200)
    const answer = await getThroughTunnel(socket, 'login.microsoftonline.com', discoveryPath(`https://127.0.0.1/${tenantId}/oauth2/v2.0/authorize`))
    expect(answer.status).toBe(200)
    expect(answer.json.tenant_discovery_endpoint).toBe(`${emulator.urls.login}/${tenantId}/v2.0/.well-known/openid-configuration`)
    // It is a login request like any other: logged, and subject to faults.
    expect(emulator.log.list({ service: 'login', path: /^\/common\/discovery\/instance/ }).length).toBeGreaterThan(0)
  })

  it('refuses every other destination and plain HTTP: nothing leaves the machine', async () => {
    const other = await tunnel('graph.microsoft.com:443')
    expect(other.res.statusCode).toBe(403)
    expect(other.body).toMatch(/only tunnels to login\.microsoftonline\.com:443/)
    expect((await tunnel('login.microsoftonline.com:80')).res.statusCode).toBe(403)
    const proxy = new URL(emulator.urls.proxy)
    const plain = request({ host: proxy.hostname, port: Number(proxy.port), path: 'http://login.microsoftonline.com/common/discovery/instance' })
    plain.end()
    const [res] = (await once(plain, 'response')) as [IncomingMessage]
    res.resume()
    expect(res.statusCode).toBe(403)
  })

  it('keeps TLS verification meaningful: the certificate is valid for the tunnelled name only', async () => {
    const { socket } = await tunnel('login.microsoftonline.com:443')
    const tls = tlsConnect({ socket, servername: 'graph.microsoft.com', ca: readFileSync(emulator.caPath) })
    const [error] = (await once(tls, 'error')) as [Error & { code?: string }]
    expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })
})
