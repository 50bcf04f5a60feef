/**
 * The emulator CA: generated once, cached with private permissions, and the server
 * certificate it signs is valid for 127.0.0.1 and localhost.
 */
import { describe, expect, it } from '@jest/globals'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureCa, ensureServerCertificate, issueServerCertificate } from '../../emulator/ca.js'

describe('emulator CA', () => {
  it('creates the CA once, 0600, and loads the same one afterwards', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'emu-ca-')), 'cache')
    try {
      const first = ensureCa(dir)
      expect(statSync(first.keyPath).mode & 0o777).toBe(0o600)
      expect(statSync(first.certPath).mode & 0o777).toBe(0o600)
      const again = ensureCa(dir)
      expect(again.certPem).toBe(first.certPem)
      const ca = new X509Certificate(first.certPem)
      expect(ca.ca).toBe(true)

      const server = new X509Certificate(issueServerCertificate(first).certPem)
      expect(server.verify(ca.publicKey)).toBe(true)
      expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1')
      expect(server.checkHost('localhost')).toBe('localhost')
      expect(server.ca).toBe(false)

      const cached = ensureServerCertificate(first)
      expect(ensureServerCertificate(first).certPem).toBe(cached.certPem)
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true })
    }
  })
})
