/**
 * Test helpers for the emulator's own tests: certificates made with node:crypto + node-forge
 * (independent of src/certificate), and real clients pointed at the emulator.
 */
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import forge from 'node-forge'
import { ClientSecretCredential } from '@azure/identity'
import { Client } from '@microsoft/microsoft-graph-client'
import type { Emulator } from '../../emulator/index.js'

export interface TestCertificate {
  /** Private key + certificate, as ClientCertificateCredential takes them. */
  pem: string
  certPem: string
  privateKey: KeyObject
  /** What a keyCredential's `key` holds. */
  base64Der: string
  /** SHA-1, upper-case hex. */
  thumbprint: string
}

export function makeCertificate(options: { subject?: string; notBefore?: Date; notAfter?: Date } = {}): TestCertificate {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString())
  const serial = randomBytes(8)
  serial[0] &= 0x7f
  cert.serialNumber = serial.toString('hex')
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000)
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600 * 1000)
  const name = [{ name: 'commonName', value: options.subject ?? 'emulator test' }]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.sign(forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create())
  const certPem = forge.pki.certificateToPem(cert)
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary')
  return {
    pem: keyPem + certPem,
    certPem,
    privateKey: pair.privateKey,
    base64Der: der.toString('base64'),
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase()
  }
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>
}

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default'

/** A Graph access token for the provisioning identity (client secret). */
export async function provisioningToken(emulator: Emulator): Promise<string> {
  const credential = new ClientSecretCredential(emulator.tenant.tenantId, emulator.provisioning.appId, emulator.provisioning.clientSecret, {
    authorityHost: emulator.urls.login,
    disableInstanceDiscovery: true
  })
  return (await credential.getToken(GRAPH_SCOPE)).token
}

/** The real Graph SDK client, pointed at the emulator. */
export function graphClient(emulator: Emulator, token: string): Client {
  return Client.init({
    baseUrl: emulator.urls.graph,
    customHosts: new Set([new URL(emulator.urls.graph).hostname]),
    authProvider: done => done(null, token)
  })
}

/** A raw Graph call with fetch: status, headers and JSON body, for asserting exact shapes. */
export async function graph(
  emulator: Emulator,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(`${emulator.urls.graph}/v1.0${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers
    },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined }
}

/** Polls until `check` returns a value (for replication lag); bounded, no fixed sleep. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** A token for any app with a client secret (seeded apps with `clientSecret`). */
export async function tokenFor(emulator: Emulator, appId: string, secret: string, scope = GRAPH_SCOPE): Promise<string> {
  const credential = new ClientSecretCredential(emulator.tenant.tenantId, appId, secret, {
    authorityHost: emulator.urls.login,
    disableInstanceDiscovery: true
  })
  return (await credential.getToken(scope)).token
}
