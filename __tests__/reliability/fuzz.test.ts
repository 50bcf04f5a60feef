/**
 * The PFX reader and the settings parser under random data (fixed seeds, so a failure
 * replays): success or a clear PfxError/UserError every time, never another exception,
 * never a secret in the message. Plus the inputs earlier fuzzing broke, kept as cases.
 */
import { describe, expect, it } from '@jest/globals'
import forge from 'node-forge'
import { generateCertificate, readPfx } from '../../src/certificate/index.js'
import { PfxError } from '../../src/certificate/types.js'
import { fuzzReadPfx, fuzzReadSettings, pfxSeeds, prng } from '../../scripts/reliability/fuzz.js'

const seeds = pfxSeeds()
const CASES = 500

describe('fuzzing', () => {
  it('readPfx keeps its contract on 500 mutated and random PFX files', () => {
    const report = fuzzReadPfx(20261126, CASES, seeds)
    expect(report.findings).toEqual([])
    expect(report.accepted + report.rejectedClearly).toBe(CASES)
    // The mutations must reach past the first checks, or the fuzzer proves little.
    expect(report.rejectedClearly).toBeGreaterThan(CASES / 2)
  }, 120_000)

  it('readSettings keeps its contract on 500 random sets of inputs', () => {
    const report = fuzzReadSettings(20261126, CASES, seeds)
    expect(report.findings).toEqual([])
    expect(report.accepted).toBeGreaterThan(0)
    expect(report.rejectedClearly).toBeGreaterThan(0)
  }, 120_000)

  it('the PRNG replays: the same seed gives the same sequence', () => {
    const a = prng(42)
    const b = prng(42)
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b))
  })
})

describe('inputs fuzzing once broke', () => {
  const held = generateCertificate({ subject: 'CN=regression', keySize: 2048, validityDays: 30, encryption: 'aes256', friendlyName: 'r', now: new Date() })
  const der = Buffer.from(held.pfxBase64, 'base64')
  const rewrite = (change: (pfx: forge.asn1.Asn1) => void): string => {
    const pfx = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')))
    change(pfx)
    return Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary').toString('base64')
  }
  const problemOf = (base64: string, password: string): string => {
    try {
      readPfx(base64, password)
      return 'opened'
    } catch (error) {
      expect(error).toBeInstanceOf(PfxError)
      return (error as PfxError).problem
    }
  }

  it('an empty INTEGER (forge throws a bare Error on it) is "not a PKCS#12 file"', () => {
    const base64 = rewrite(pfx => ((pfx.value as forge.asn1.Asn1[])[0].value = ''))
    expect(problemOf(base64, held.pfxPassword)).toBe('not-pkcs12')
  })

  it('an OBJECT IDENTIFIER arc above 2^53 (forge throws a bare Error on it) is "not a PKCS#12 file"', () => {
    const base64 = rewrite(pfx => {
      const authSafe = (pfx.value as forge.asn1.Asn1[])[1]
      ;(authSafe.value as forge.asn1.Asn1[])[0].value = String.fromCharCode(0x2a, ...Array(9).fill(0xff), 0x7f)
    })
    expect(problemOf(base64, held.pfxPassword)).toBe('not-pkcs12')
  })

  it('a PFX cut short is reported as incomplete, not as a wrong password', () => {
    const cut = der.subarray(0, 700).toString('base64')
    expect(problemOf(cut, held.pfxPassword)).toBe('not-pkcs12')
    expect(() => readPfx(cut, held.pfxPassword)).toThrow(/incomplete \(cut off\)/)
  })
})
