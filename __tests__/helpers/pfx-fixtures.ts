/**
 * PFX fixtures made at test time by the real `openssl` CLI, so no private key is ever
 * committed and the action is judged against an independent implementation. Everything
 * lives in one private temp directory that `cleanup()` removes.
 */
import { spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import forge from 'node-forge'

export interface PfxFixture {
  /** The PFX file, base64 on one line: what `pfx-base64` receives. */
  base64: string
  password: string
  /** SHA-1 thumbprint as `openssl x509 -fingerprint -sha1` prints it, colons removed. */
  opensslThumbprint: string
  /** The certificate's DER, base64 (the `.cer`). */
  derBase64: string
  notBefore: Date
  notAfter: Date
  /** The certificate PEM file (public). */
  certPath: string
  /** The private key PEM file (secret; only inside the fixture directory). */
  keyPath: string
}

export interface PfxOptions {
  /** File stem and CN. */
  name: string
  password?: string
  keyBits?: 2048 | 3072 | 4096
  /** Valid from now for this many days (`openssl req -x509 -days`). */
  days?: number
  /**
   * Explicit validity (`openssl ca -selfsign -startdate -enddate`), for certificates that
   * have already expired or are not valid yet, which `req -days` cannot make.
   */
  validity?: { from: Date; to: Date }
  /** Leave the private key out (`pkcs12 -export -nokeys`). */
  withoutKey?: boolean
  encryption?: 'aes256' | '3des'
}

export class PfxFixtures {
  readonly dir = mkdtempSync(join(tmpdir(), 'exo-cba-fixtures-'))
  private counter = 0

  /** Runs openssl; throws with its stderr when it fails. */
  openssl(args: string[], env: Record<string, string> = {}): string {
    const result = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8', env: { ...process.env, ...env } })
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed (${result.status}): ${result.stderr}`)
    return result.stdout
  }

  /** SHA-1 thumbprint per openssl, upper-case hex without colons. */
  thumbprint(certPath: string): string {
    const line = this.openssl(['x509', '-in', certPath, '-noout', '-fingerprint', '-sha1']).trim()
    return line.slice(line.indexOf('=') + 1).replace(/:/g, '').toUpperCase()
  }

  pfx(options: PfxOptions): PfxFixture {
    const stem = `${options.name.replace(/[^A-Za-z0-9]/g, '-')}-${++this.counter}`
    const password = options.password ?? `pw-${stem}-${Math.random().toString(36).slice(2)}`
    const keyPath = join(this.dir, `${stem}.key.pem`)
    const certPath = join(this.dir, `${stem}.cert.pem`)
    const pfxPath = join(this.dir, `${stem}.pfx`)
    const keyBits = options.keyBits ?? 2048
    if (options.validity === undefined) {
      this.openssl([
        'req', '-x509', '-newkey', `rsa:${keyBits}`, '-nodes', '-sha256', '-keyout', keyPath, '-out', certPath,
        '-subj', `/CN=${options.name}`, '-days', String(options.days ?? 365)
      ])
    } else {
      this.selfSignWithDates(stem, options.name, keyBits, options.validity, keyPath, certPath)
    }
    const encryption =
      options.encryption === '3des'
        ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
        : ['-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256']
    // The password goes through the environment: not on a command line anyone can see.
    this.openssl(
      ['pkcs12', '-export', ...(options.withoutKey ? ['-nokeys'] : ['-inkey', keyPath]), '-in', certPath, '-out', pfxPath,
        '-passout', 'env:FIXTURE_PFX_PASSWORD', ...encryption],
      { FIXTURE_PFX_PASSWORD: password }
    )
    return this.describe(readFileSync(pfxPath).toString('base64'), password, certPath, keyPath)
  }

  /**
   * A PFX whose private key belongs to another certificate. OpenSSL refuses to export such
   * a pair, so node-forge (which does not check) packs openssl's key and certificate.
   */
  mismatchedPfx(): PfxFixture {
    const owner = this.pfx({ name: 'Key Owner', days: 30 })
    const other = this.pfx({ name: 'Certificate Owner', days: 30 })
    // ASCII only: forge's PKCS#12 password handling differs from OpenSSL's beyond ASCII.
    const password = 'mismatch-password-0123456789'
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(readFileSync(owner.keyPath, 'utf8')),
      [forge.pki.certificateFromPem(readFileSync(other.certPath, 'utf8'))],
      password,
      { algorithm: '3des' }
    )
    const base64 = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64')
    return this.describe(base64, password, other.certPath, owner.keyPath)
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }

  private describe(base64: string, password: string, certPath: string, keyPath: string): PfxFixture {
    const certificate = new X509Certificate(readFileSync(certPath))
    return {
      base64,
      password,
      opensslThumbprint: this.thumbprint(certPath),
      derBase64: certificate.raw.toString('base64'),
      notBefore: new Date(certificate.validFrom),
      notAfter: new Date(certificate.validTo),
      certPath,
      keyPath
    }
  }

  /** `openssl ca -selfsign` is the one OpenSSL 3.0 command that sets arbitrary dates. */
  private selfSignWithDates(stem: string, cn: string, keyBits: number, validity: { from: Date; to: Date }, keyPath: string, certPath: string): void {
    const caDir = mkdtempSync(join(this.dir, `${stem}-ca-`))
    const csrPath = join(caDir, 'request.csr')
    this.openssl(['req', '-new', '-newkey', `rsa:${keyBits}`, '-nodes', '-keyout', keyPath, '-out', csrPath, '-subj', `/CN=${cn}`])
    writeFileSync(join(caDir, 'index.txt'), '')
    writeFileSync(join(caDir, 'serial'), '01\n')
    const config = join(caDir, 'ca.cnf')
    writeFileSync(
      config,
      [
        '[ ca ]', 'default_ca = fixture',
        '[ fixture ]', `database = ${join(caDir, 'index.txt')}`, `new_certs_dir = ${caDir}`, `serial = ${join(caDir, 'serial')}`,
        'default_md = sha256', 'policy = any_subject', 'unique_subject = no', 'x509_extensions = client_auth',
        '[ any_subject ]', 'commonName = supplied',
        '[ client_auth ]', 'basicConstraints = critical,CA:false', 'keyUsage = critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage = clientAuth', ''
      ].join('\n')
    )
    this.openssl([
      'ca', '-batch', '-config', config, '-selfsign', '-keyfile', keyPath, '-in', csrPath, '-out', certPath, '-notext',
      '-startdate', generalizedTime(validity.from), '-enddate', generalizedTime(validity.to)
    ])
  }
}

/** YYYYMMDDHHMMSSZ, the form `openssl ca -startdate/-enddate` accepts. */
function generalizedTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z')
}
