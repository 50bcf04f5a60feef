/**
 * The emulator's own certificate authority. Clients trust the emulator the standard way,
 * through NODE_EXTRA_CA_CERTS, so the action under test never turns TLS checks off.
 * The CA is generated once and cached: NODE_EXTRA_CA_CERTS is read when a process
 * starts, so `scripts/test.ts` must find the same CA that the in-process emulators use.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import forge from 'node-forge'
import { PROXIED_LOGIN_HOSTS } from './proxy.js'

export interface CertificateAuthority {
  /** Path of the CA certificate (PEM): the value for NODE_EXTRA_CA_CERTS. */
  certPath: string
  keyPath: string
  certPem: string
  keyPem: string
}

export interface ServerCertificate {
  certPem: string
  keyPem: string
}

const CA_COMMON_NAME = 'exo-cba-action emulator CA'
/** Regenerate the CA this long before it expires, so a cached CA never dies mid-run. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000

/** `node_modules/.cache/exo-cba-emulator` of this repository. */
export function defaultCaDirectory(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  return join(root, 'node_modules', '.cache', 'exo-cba-emulator')
}

/** Loads the cached CA, creating it first when it is missing or about to expire. */
export function ensureCa(dir: string = defaultCaDirectory()): CertificateAuthority {
  const existing = loadCa(dir)
  if (existing) return existing
  const fresh = createCaFiles()
  // Build it next to the target and rename the whole directory: concurrent jest workers
  // then either win the rename or load the winner's CA, never a mixed key/cert pair.
  mkdirSync(dirname(dir), { recursive: true })
  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  mkdirSync(staging, { recursive: true, mode: 0o700 })
  writeFileSync(join(staging, 'ca-key.pem'), fresh.keyPem, { mode: 0o600 })
  writeFileSync(join(staging, 'ca.pem'), fresh.certPem, { mode: 0o600 })
  chmodSync(join(staging, 'ca-key.pem'), 0o600)
  chmodSync(join(staging, 'ca.pem'), 0o600)
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true })
  try {
    renameSync(staging, dir)
  } catch {
    rmSync(staging, { recursive: true, force: true })
  }
  const loaded = loadCa(dir)
  if (!loaded) throw new Error(`Could not create the emulator CA in ${dir}`)
  return loaded
}

function loadCa(dir: string): CertificateAuthority | undefined {
  const certPath = join(dir, 'ca.pem')
  const keyPath = join(dir, 'ca-key.pem')
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined
  const certPem = readFileSync(certPath, 'utf8')
  const keyPem = readFileSync(keyPath, 'utf8')
  try {
    const cert = forge.pki.certificateFromPem(certPem)
    if (cert.validity.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) return undefined
  } catch {
    return undefined
  }
  return { certPath, keyPath, certPem, keyPem }
}

function createCaFiles(): { certPem: string; keyPem: string } {
  const { publicKey, privateKey } = rsaKeyPair()
  const cert = forge.pki.createCertificate()
  cert.publicKey = publicKey
  cert.serialNumber = serialNumber()
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000)
  const subject = [{ name: 'commonName', value: CA_COMMON_NAME }, { name: 'organizationName', value: 'exo-cba-action tests' }]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' }
  ])
  cert.sign(privateKey, forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(privateKey) }
}

/**
 * A TLS certificate for 127.0.0.1 and localhost, signed by the CA; also for the login host
 * the emulator's proxy tunnels to the emulated Entra ID (only reachable through it).
 */
export function issueServerCertificate(ca: CertificateAuthority): ServerCertificate {
  const caCert = forge.pki.certificateFromPem(ca.certPem)
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem)
  const { publicKey, privateKey } = rsaKeyPair()
  const cert = forge.pki.createCertificate()
  cert.publicKey = publicKey
  cert.serialNumber = serialNumber()
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 3600 * 1000)
  cert.setSubject([{ name: 'commonName', value: 'localhost' }])
  cert.setIssuer(caCert.subject.attributes)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, ...SERVER_DNS_NAMES.map(value => ({ type: 2, value }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() }
  ])
  cert.sign(caKey, forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(privateKey) }
}

const SERVER_DNS_NAMES = ['localhost', ...PROXIED_LOGIN_HOSTS]

/** True when the certificate names every DNS name the emulator serves. */
function namesEveryHost(cert: forge.pki.Certificate): boolean {
  const san = cert.getExtension('subjectAltName') as { altNames?: Array<{ type: number; value?: string }> } | null
  const names = new Set((san?.altNames ?? []).filter(n => n.type === 2).map(n => n.value))
  return SERVER_DNS_NAMES.every(name => names.has(name))
}

/** node:crypto makes the RSA key (forge's pure-JS generation takes seconds). */
function rsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privateKey = forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())
  const publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString())
  return { publicKey, privateKey }
}

/** A positive 16-byte serial (the top bit cleared so DER does not read it as negative). */
function serialNumber(): string {
  const bytes = randomBytes(16)
  bytes[0] = bytes[0] & 0x7f
  return bytes.toString('hex')
}

/**
 * The server certificate, cached next to the CA (signing with node-forge is slow and every
 * test file starts its own emulator). Reissued when it expires within a day or was
 * signed by another CA or lacks one of the names.
 */
export function ensureServerCertificate(ca: CertificateAuthority): ServerCertificate {
  // Key and certificate share one file, renamed into place whole, so concurrent test
  // processes can never pair one's key with another's certificate.
  const path = join(dirname(ca.certPath), 'server-key-and-cert.pem')
  if (existsSync(path)) {
    try {
      const pem = readFileSync(path, 'utf8')
      const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/.exec(pem)![0]
      const keyPem = /-----BEGIN RSA PRIVATE KEY-----[\s\S]+?-----END RSA PRIVATE KEY-----\r?\n?/.exec(pem)![0]
      const cert = forge.pki.certificateFromPem(certPem)
      const caCert = forge.pki.certificateFromPem(ca.certPem)
      if (cert.validity.notAfter.getTime() - Date.now() > 24 * 3600 * 1000 && caCert.verify(cert) && namesEveryHost(cert)) return { certPem, keyPem }
    } catch {
      // Unreadable or from another CA: issue a new one below.
    }
  }
  const fresh = issueServerCertificate(ca)
  const staging = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`
  writeFileSync(staging, fresh.keyPem + fresh.certPem, { mode: 0o600 })
  renameSync(staging, path)
  return fresh
}
