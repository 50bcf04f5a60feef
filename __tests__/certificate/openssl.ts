import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The real OpenSSL CLI as an independent judge of what the certificate engine writes and
 * a source of PFX files it must read. Files live in a private temp directory (0700, files
 * 0600) that `cleanup()` removes.
 */
export class OpenSsl {
  readonly dir = mkdtempSync(join(tmpdir(), 'exo-cba-cert-test-'))

  /** Writes a file (mode 0600) and returns its path. */
  file(name: string, content: string | Buffer): string {
    const path = join(this.dir, name)
    writeFileSync(path, content, { mode: 0o600 })
    return path
  }

  path(name: string): string {
    return join(this.dir, name)
  }

  read(name: string): Buffer {
    return readFileSync(join(this.dir, name))
  }

  /** Runs openssl; throws with its stderr when it fails. Returns stdout and stderr together. */
  run(...args: string[]): string {
    const result = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8' })
    if (result.status !== 0) {
      throw new Error(`openssl ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
    }
    return `${result.stdout}${result.stderr}`
  }

  /** Like run, but for commands expected to fail: returns whether it succeeded. */
  succeeds(...args: string[]): boolean {
    return spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8' }).status === 0
  }

  /**
   * `openssl pkcs12 -info` of a PFX: algorithms, bag attributes and subjects. PEM blocks
   * are cut out so a failing assertion never prints key material.
   */
  pkcs12Info(pfxFile: string, passwordFile: string): string {
    const out = this.run('pkcs12', '-info', '-in', pfxFile, '-passin', `file:${passwordFile}`, '-nodes')
    return out.replace(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g, '')
  }

  /** Saves a base64 PFX and its password; returns the two file names. */
  savePfx(name: string, pfxBase64: string, password: string): { pfx: string; pw: string } {
    this.file(`${name}.pfx`, Buffer.from(pfxBase64, 'base64'))
    this.file(`${name}.pw`, password)
    return { pfx: `${name}.pfx`, pw: `${name}.pw` }
  }

  /** A self-signed RSA certificate and key made by `openssl req -x509`. */
  selfSigned(name: string, subject: string, keyOptions = ['-newkey', 'rsa:2048']): { cert: string; key: string } {
    this.run('req', '-x509', ...keyOptions, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', subject, '-days', '30')
    return { cert: `${name}.crt`, key: `${name}.key` }
  }

  /** SHA-1 thumbprint as OpenSSL computes it, upper-case hex without colons. */
  thumbprint(certFile: string): string {
    const out = this.run('x509', '-in', certFile, '-noout', '-fingerprint', '-sha1')
    return out.trim().split('=')[1].replace(/:/g, '').toUpperCase()
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
