/**
 * A forward proxy (HTTP CONNECT only) in front of the emulated Entra ID, for clients that
 * call Microsoft's login host by name whatever authority they are configured with: MSAL
 * Python asks `https://login.microsoftonline.com/common/discovery/instance` before it uses an
 * authority it does not know, and again for the hosts' aliases on a token cache miss. Such a
 * client runs with `HTTPS_PROXY=<urls.proxy>` and `NO_PROXY=127.0.0.1` (the standard variables
 * Python's requests, curl and most clients honour): only its calls to login.microsoftonline.com
 * come here, and they are tunnelled to the emulated login service. TLS stays end to end
 * between the client and the emulator (the proxy copies bytes); the login service presents a
 * certificate for that name signed by the emulator's CA, which only a client that trusts the
 * CA accepts. Every other destination is refused with 403: nothing leaves the machine.
 */
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

/** The host names the proxy tunnels to the emulated Entra ID (they are on the server certificate). */
export const PROXIED_LOGIN_HOSTS: readonly string[] = ['login.microsoftonline.com']

export interface EmulatorProxy {
  server: Server
  /** `http://127.0.0.1:PORT`, the value for HTTPS_PROXY. */
  url: string
  /** CONNECT requests tunnelled, and refused. */
  readonly tunnels: number
  readonly refused: number
}

export async function startProxy(loginPort: () => number): Promise<EmulatorProxy> {
  const sockets = new Set<Socket>()
  let tunnels = 0
  let refused = 0
  const server = createServer((_req, res) => {
    // A plain HTTP request (an `http://` URL through the proxy): nothing is emulated over http.
    refused++
    res.writeHead(403, { 'content-type': 'text/plain' }).end('The emulator proxy only tunnels HTTPS (CONNECT) to the emulated login host.\n')
  })
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    const [host, port] = (req.url ?? '').toLowerCase().split(':')
    if (!PROXIED_LOGIN_HOSTS.includes(host) || (port ?? '443') !== '443') {
      refused++
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nThe emulator proxy only tunnels to ${PROXIED_LOGIN_HOSTS.join(', ')}:443, not ${req.url ?? ''}.\n`)
      return
    }
    const upstream = connect(loginPort(), '127.0.0.1', () => {
      tunnels++
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => { sockets.delete(upstream); client.destroy() })
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
  })
  const close = server.close.bind(server)
  // Tunnels are raw sockets the HTTP server does not track: end them with the server.
  server.close = (callback?: (err?: Error) => void) => {
    for (const socket of sockets) socket.destroy()
    return close(callback)
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    get tunnels() { return tunnels },
    get refused() { return refused }
  }
}
