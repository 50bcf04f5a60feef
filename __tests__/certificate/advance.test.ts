/**
 * The certificate made in advance (issue 15): a run that will most likely add a certificate
 * starts making it while it signs in; the key is generated off the main thread, the
 * certificate is made once, masked before anyone sees it, and a failure waits for the
 * caller instead of crashing the process.
 */
import { describe, expect, it } from '@jest/globals'
import { X509Certificate } from 'node:crypto'
import { CertificateInAdvance, generateCertificateInBackground, readPfx, type HeldCertificate } from '../../src/certificate/index.js'

const options = { subject: 'CN=EXO Background Process', keySize: 2048 as const, validityDays: 30, encryption: 'aes256' as const, friendlyName: 'EXO' }

describe('generateCertificateInBackground', () => {
  it('makes the same kind of certificate as generateCertificate: a PFX that opens with its password, key and certificate matching', async () => {
    const now = new Date('2026-12-04T12:00:00Z')
    const made = await generateCertificateInBackground({ ...options, now })
    const reopened = readPfx(made.pfxBase64, made.pfxPassword)
    expect(reopened.thumbprint).toBe(made.thumbprint)
    expect(new X509Certificate(made.certificatePem).checkPrivateKey(await import('node:crypto').then(c => c.createPrivateKey(made.privateKeyPem)))).toBe(true)
    expect(made.keySize).toBe(2048)
    expect(made.notAfter.getTime() - now.getTime()).toBe(30 * 86_400_000)
  })

  it('keeps the main thread free while the key is generated', async () => {
    // A timer set beside the generation fires before the certificate is ready: the prime
    // search runs on the thread pool. (generateKeyPairSync would hold the timer back.)
    const events: string[] = []
    const timer = new Promise<void>(resolve => setTimeout(() => (events.push('timer'), resolve()), 0))
    const made = generateCertificateInBackground({ ...options, keySize: 4096 }).then(() => void events.push('certificate'))
    await Promise.all([timer, made])
    expect(events).toEqual(['timer', 'certificate'])
  })
})

describe('CertificateInAdvance', () => {
  it('started early, hands the same certificate to every take and masks it exactly once, before the first take resolves', async () => {
    const masked: HeldCertificate[] = []
    const advance = new CertificateInAdvance(options, certificate => masked.push(certificate)).start()
    advance.start() // a second start changes nothing
    const first = await advance.take()
    expect(masked).toEqual([first])
    const second = await advance.take()
    expect(second).toBe(first)
    expect(masked).toHaveLength(1)
    expect(advance.timing?.madeInMs).toBeGreaterThan(0)
  })

  it('not started, makes the certificate on the first take and reports that the caller waited for all of it', async () => {
    const masked: string[] = []
    const advance = new CertificateInAdvance(options, certificate => masked.push(certificate.thumbprint))
    expect(advance.timing).toBeUndefined()
    const certificate = await advance.take()
    expect(masked).toEqual([certificate.thumbprint])
    const timing = advance.timing as { madeInMs: number; waitedMs: number }
    expect(timing.waitedMs).toBeCloseTo(timing.madeInMs, 0)
  })

  it('started early and ready before it is asked for, reports no wait', async () => {
    let ready = (): void => undefined
    const madeBeforeAsked = new Promise<void>(resolve => (ready = resolve))
    const advance = new CertificateInAdvance(options, () => ready()).start()
    await madeBeforeAsked
    await advance.take()
    expect(advance.timing?.waitedMs).toBe(0)
  })

  it('keeps a failure for the caller: nothing unhandled while nobody asks, the error on take', async () => {
    const unhandled: unknown[] = []
    const listener = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', listener)
    try {
      const advance = new CertificateInAdvance({ ...options, validityDays: 0 }, () => undefined).start()
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
      await expect(advance.take()).rejects.toThrow('at least 1')
    } finally {
      process.off('unhandledRejection', listener)
    }
  })
})
