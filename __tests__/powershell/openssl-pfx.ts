/**
 * PFX files made by the real `openssl` CLI, for the PowerShell tests: the connect script must
 * open what openssl makes as well as what the action makes.
 */
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { ConnectScriptOptions } from '../../src/powershell/connect-script.js'

const run = promisify(execFile)

export interface OpensslPfx {
  path: string
  password: string
  /** The certificate alone, PEM (what an app registration's keyCredential holds). */
  certPem: string
  /** SHA-1 of the DER certificate, upper-case hex. */
  thumbprint: string
  notAfter: Date
}

export interface OpensslPfxOptions {
  /** File name stem inside `dir`. */
  name: string
  password: string
  /** `aes256`: PBES2/PBKDF2/AES-256-CBC (OpenSSL 3 default); `3des`: PBE-SHA1-3DES with a SHA-1 MAC, as old Windows loaders want. */
  encryption: 'aes256' | '3des'
  keyBits?: 2048 | 3072 | 4096
  /** Leave the private key out of the PFX. */
  withoutKey?: boolean
}

export async function makeOpensslPfx(dir: string, o: OpensslPfxOptions): Promise<OpensslPfx> {
  const keyPath = join(dir, `${o.name}.key.pem`)
  const certPath = join(dir, `${o.name}.cert.pem`)
  const pfxPath = join(dir, `${o.name}.pfx`)
  await run('openssl', [
    'req', '-x509', '-newkey', `rsa:${o.keyBits ?? 2048}`, '-nodes', '-sha256',
    '-keyout', keyPath, '-out', certPath, '-subj', `/CN=${o.name}`, '-days', '2'
  ])
  const encryption =
    o.encryption === '3des'
      ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
      : ['-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256']
  // The password goes through the environment: no shell, no quoting, not in `ps` output.
  await run(
    'openssl',
    ['pkcs12', '-export', ...(o.withoutKey ? ['-nokeys'] : ['-inkey', keyPath]), '-in', certPath, '-out', pfxPath, '-passout', 'env:EXO_CBA_TEST_PFX_PASSWORD', ...encryption],
    { env: { ...process.env, EXO_CBA_TEST_PFX_PASSWORD: o.password } }
  )
  const certPem = await readFile(certPath, 'utf8')
  const certificate = new X509Certificate(certPem)
  return {
    path: pfxPath,
    password: o.password,
    certPem,
    thumbprint: certificate.fingerprint.replaceAll(':', '').toUpperCase(),
    notAfter: new Date(certificate.validTo)
  }
}

/**
 * The connect script's options for a certificate-credential job holding `pfx` (the global
 * cloud, Exchange Online only); `extra` overrides any of them.
 */
export function connectScriptOptionsFor(pfx: OpensslPfx, pfxPasswordPath: string, extra: Partial<ConnectScriptOptions> = {}): ConnectScriptOptions {
  return {
    appId: '11111111-2222-3333-4444-555555555555',
    organization: 'contoso.onmicrosoft.com',
    pfxPath: pfx.path,
    pfxPasswordPath,
    exchangeEnvironmentName: 'O365Default',
    connectIppsSession: false,
    cloud: 'global',
    thumbprint: pfx.thumbprint,
    notAfter: pfx.notAfter,
    ...extra
  }
}
