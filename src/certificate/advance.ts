import { generateCertificateInBackground } from './generate.js'
import type { HeldCertificate, NewCertificateOptions } from './types.js'

/**
 * The certificate a run adds, made at most once. A run that will most likely need one
 * starts it at once, so the key is generated while the run signs in and reads the tenant;
 * otherwise it is made when first asked for. A certificate made but not used (the plan
 * kept the held one after all) is simply dropped: it was never written anywhere.
 */
export class CertificateInAdvance {
  private pending: Promise<HeldCertificate> | undefined
  private startedAt = 0
  private readyAt = 0

  /**
   * @param onReady runs once on the new certificate before anyone else sees it: it
   *   registers the PFX, its password and the key with the runner's masking.
   */
  constructor(
    private readonly options: NewCertificateOptions,
    private readonly onReady: (certificate: HeldCertificate) => void
  ) {}

  /** Starts making the certificate now (a no-op once started). */
  start(): this {
    if (this.pending === undefined) {
      this.startedAt = performance.now()
      this.pending = generateCertificateInBackground(this.options).then(certificate => {
        this.readyAt = performance.now()
        this.onReady(certificate)
        return certificate
      })
      // A failure surfaces when the certificate is taken; until then it must not count as unhandled.
      this.pending.catch(() => undefined)
    }
    return this
  }

  /**
   * Once taken: how long making the certificate took, and how much of that the run waited
   * for (0 when it was ready before it was asked for).
   */
  timing: { madeInMs: number; waitedMs: number } | undefined

  async take(): Promise<HeldCertificate> {
    const asked = performance.now()
    this.start()
    const certificate = await (this.pending as Promise<HeldCertificate>)
    this.timing = { madeInMs: this.readyAt - this.startedAt, waitedMs: Math.max(0, this.readyAt - asked) }
    return certificate
  }
}
