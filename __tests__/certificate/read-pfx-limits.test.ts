import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import forge from 'node-forge'
import { PfxError, type HeldCertificate } from '../../src/certificate/index.js'
import { PFX_READ_LIMITS, type PfxReadLimits, readPfx } from '../../src/certificate/read-pfx.js'
import { describeIfPwsh } from '../helpers/pwsh.js'
import { OpenSsl } from './openssl.js'

const openssl = new OpenSsl()
afterAll(() => openssl.cleanup())

const PASSWORD = 'limits-password'
const { maxBags: MAX_BAGS, totalIterations: TOTAL_ITERATIONS } = PFX_READ_LIMITS
let cert: { cert: string; key: string }
let expectedThumbprint: string

beforeAll(() => {
  openssl.file('password', PASSWORD)
  cert = openssl.selfSigned('limits', '/CN=Limits')
  expectedThumbprint = openssl.thumbprint(cert.cert)
})

/** `openssl pkcs12 -export` of the test certificate; returns the PFX as base64. */
function exportPfx(name: string, passout: string, ...options: string[]): string {
  openssl.run('pkcs12', '-export', '-in', cert.cert, '-inkey', cert.key, '-out', name, '-passout', passout, ...options)
  return openssl.read(name).toString('base64')
}

interface Outcome {
  held?: HeldCertificate
  error?: PfxError
  /** The iteration count of every key derivation readPfx ran, in order. */
  derivations: number[]
}

function read(pfxBase64: string, password: string, limits?: PfxReadLimits): Outcome {
  const derivations: number[] = []
  try {
    const held = readPfx(pfxBase64, password, { limits, onKeyDerivation: (iterations) => derivations.push(iterations) })
    return { held, derivations }
  } catch (error) {
    if (error instanceof PfxError) return { error, derivations }
    throw error
  }
}

// --- PFX files built by hand with node-forge (its own PKCS#12 KDF, not this action's) ---

const { asn1, pki } = forge
const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class
const sequence = (...items: forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, items)
const oid = (dotted: string) => asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes())
const octets = (bytes: string) => asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes)
const integer = (value: number) => asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes())
const explicit0 = (inner: forge.asn1.Asn1) => asn1.create(CONTEXT_SPECIFIC, 0, true, [inner])
const der = (node: forge.asn1.Asn1) => asn1.toDer(node).getBytes()

function certificateBag(): forge.asn1.Asn1 {
  const certificate = pki.certificateFromPem(openssl.read(cert.cert).toString())
  return sequence(
    oid(pki.oids.certBag),
    explicit0(sequence(oid(pki.oids.x509Certificate), explicit0(octets(der(pki.certificateToAsn1(certificate))))))
  )
}

/**
 * The test key in a pkcs8ShroudedKeyBag, 3DES with the PKCS#12 KDF. A `null` password is
 * forge's zero-length form: no bytes at all, not even the BMPString's two-byte terminator.
 */
function shroudedKeyBag(password: string | null): forge.asn1.Asn1 {
  const privateKeyInfo = pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(pki.privateKeyFromPem(openssl.read(cert.key).toString())))
  const encrypted = pki.encryptPrivateKeyInfo(privateKeyInfo, password as string, { algorithm: '3des', count: 2048 })
  return sequence(oid(pki.oids.pkcs8ShroudedKeyBag), explicit0(encrypted))
}

const safeContentsBag = (bags: forge.asn1.Asn1[]) => sequence(oid(pki.oids.safeContentsBag), explicit0(sequence(...bags)))

/** A PFX of one unencrypted SafeContents, with a SHA-1 MAC under `macPassword` (or none). */
function buildPfx(bags: forge.asn1.Asn1[], macPassword: string | null | 'no-mac'): string {
  const authenticatedSafe = der(sequence(sequence(oid(pki.oids.data), explicit0(octets(der(sequence(...bags)))))))
  const parts = [integer(3), sequence(oid(pki.oids.data), explicit0(octets(authenticatedSafe)))]
  if (macPassword !== 'no-mac') {
    const salt = forge.random.getBytesSync(8)
    const key = forge.pkcs12.generateKey(macPassword, forge.util.createBuffer(salt), 3, 2048, 20).getBytes()
    const mac = createHmac('sha1', Buffer.from(key, 'binary')).update(Buffer.from(authenticatedSafe, 'binary')).digest()
    const sha1 = sequence(oid(pki.oids.sha1), asn1.create(UNIVERSAL, asn1.Type.NULL, false, ''))
    parts.push(sequence(sequence(sha1, octets(mac.toString('binary'))), octets(salt), integer(2048)))
  }
  return Buffer.from(der(sequence(...parts)), 'binary').toString('base64')
}

describe('the work reading a PFX may take', () => {
  it('derives one key each for the MAC, the certificates and the private key of a standard export', () => {
    const { held, derivations } = read(exportPfx('standard.pfx', 'file:password'), PASSWORD)
    expect(held?.thumbprint).toBe(expectedThumbprint)
    expect(derivations).toEqual([2048, 2048, 2048])
  })

  it('spends one MAC derivation on a wrong password, not one per password form', () => {
    const { error, derivations } = read(exportPfx('wrong.pfx', 'file:password'), 'not the password')
    expect(error?.problem).toBe('wrong-password')
    expect(derivations).toEqual([2048])
  })

  it('counts the MAC and every encrypted part against one budget', () => {
    const pfxBase64 = exportPfx('budget.pfx', 'file:password')
    expect(read(pfxBase64, PASSWORD, { maxBags: MAX_BAGS, totalIterations: 3 * 2048 }).held?.thumbprint).toBe(expectedThumbprint)
    const over = read(pfxBase64, PASSWORD, { maxBags: MAX_BAGS, totalIterations: 3 * 2048 - 1 })
    expect(over.error?.problem).toBe('not-pkcs12')
    expect(over.derivations).toEqual([])
  })

  it('refuses, before deriving any key, a PFX whose parts each pass the per-part limit but together ask for minutes of work', () => {
    // 700 000 iterations for the MAC, the certificates and the key: 2.1 million in all.
    expect(3 * 700_000).toBeGreaterThan(TOTAL_ITERATIONS)
    const { error, derivations } = read(exportPfx('slow-total.pfx', 'file:password', '-iter', '700000'), PASSWORD)
    expect(error?.problem).toBe('not-pkcs12')
    expect(error?.message).toMatch(/2100000 key-derivation iterations/)
    expect(error?.message).toMatch(/Export it again/)
    expect(derivations).toEqual([])
  })

  it('refuses, before deriving any key, a PFX with more bags than any real export holds', () => {
    const keyBag = shroudedKeyBag(PASSWORD)
    const pfxBase64 = buildPfx([certificateBag(), ...Array.from({ length: 100 }, () => keyBag)], PASSWORD)
    const { error, derivations } = read(pfxBase64, PASSWORD)
    expect(error?.problem).toBe('not-pkcs12')
    expect(error?.message).toMatch(new RegExp(`more than ${MAX_BAGS} bags`))
    expect(error?.message).toMatch(/Export it again/)
    expect(derivations).toEqual([])
  })

  it('counts the bags inside nested SafeContents bags too', () => {
    const certificates = Array.from({ length: MAX_BAGS }, () => certificateBag())
    const pfxBase64 = buildPfx([safeContentsBag(certificates), shroudedKeyBag(PASSWORD)], PASSWORD)
    const { error, derivations } = read(pfxBase64, PASSWORD)
    expect(error?.problem).toBe('not-pkcs12')
    expect(derivations).toEqual([])
  })
})

describe('an empty password', () => {
  it('opens an OpenSSL export made with `-passout pass:` (the BMPString terminator alone)', () => {
    const { held, derivations } = read(exportPfx('empty-openssl.pfx', 'pass:'), '')
    expect(held?.thumbprint).toBe(expectedThumbprint)
    expect(derivations).toEqual([2048, 2048, 2048])
  })

  it('opens a PFX whose MAC and key use the zero-length password, as .NET writes one exported without a password', () => {
    const pfxBase64 = buildPfx([certificateBag(), shroudedKeyBag(null)], null)
    const { held, derivations } = read(pfxBase64, '')
    expect(held?.thumbprint).toBe(expectedThumbprint)
    // The terminator form's MAC fails, the zero-length form's matches and then opens the key.
    expect(derivations).toEqual([2048, 2048, 2048])
  })

  it('opens a PFX without a MAC whose key is shrouded with the zero-length password', () => {
    const { held } = read(buildPfx([certificateBag(), shroudedKeyBag(null)], 'no-mac'), '')
    expect(held?.thumbprint).toBe(expectedThumbprint)
  })

  it('is still a wrong password for a PFX made with a real one', () => {
    const { error, derivations } = read(exportPfx('not-empty.pfx', 'file:password'), '')
    expect(error?.problem).toBe('wrong-password')
    expect(derivations).toEqual([2048, 2048])
  })

  it('is not the password of a PFX made with the zero-length one when a real password is given', () => {
    const { error } = read(buildPfx([certificateBag(), shroudedKeyBag(null)], null), PASSWORD)
    expect(error?.problem).toBe('wrong-password')
  })
})

describeIfPwsh('an empty password for a PFX that .NET exported without one', (pwsh) => {
  it('opens it: .NET keys the MAC and encrypts both parts with the zero-length password', () => {
    const dir = openssl.dir
    const script = `
$c = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile('${dir}/${cert.cert}', '${dir}/${cert.key}')
[IO.File]::WriteAllBytes('${dir}/dotnet-no-password.pfx', $c.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pkcs12))`
    const result = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', script], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    const { held, derivations } = read(openssl.read('dotnet-no-password.pfx').toString('base64'), '')
    expect(held?.thumbprint).toBe(expectedThumbprint)
    // MAC: the terminator form fails, the zero-length form matches; then certificates and key.
    expect(derivations).toEqual([2000, 2000, 2000, 2000])
  })
})
