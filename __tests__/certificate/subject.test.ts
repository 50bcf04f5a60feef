import { describe, expect, it } from '@jest/globals'
import { generateCertificate, parseSubject } from '../../src/certificate/index.js'

const names = (subject: string) => parseSubject(subject).map((a) => `${a.shortName}=${a.value}`)

describe('parseSubject', () => {
  it('reads comma-separated NAME=value pairs in order, trimming spaces', () => {
    expect(names('CN=EXO Background Process, O=Contoso,OU=IT ,  C=us')).toEqual([
      'CN=EXO Background Process',
      'O=Contoso',
      'OU=IT',
      'C=US'
    ])
  })

  it('accepts escaped commas, quoted values and lower-case names', () => {
    expect(names('cn=Contoso\\, Ltd automation, o="Contoso, Ltd"')).toEqual(['CN=Contoso, Ltd automation', 'O=Contoso, Ltd'])
  })

  it.each([
    ['', /empty/],
    ['EXO Background Process', /cannot be read at "EXO Background Process"/],
    ['CN=ok, XX=what', /cannot be read at "XX=what".*CN, O, OU/],
    ['CN=', /empty CN/],
    ['CN=x, C=USA', /two-letter country code/],
    ['CN="unterminated', /unterminated quote/]
  ])('rejects %p with a message saying why', (subject, message) => {
    expect(() => parseSubject(subject)).toThrow(message)
  })

  it('makes generateCertificate refuse an unreadable subject before creating a key', () => {
    expect(() =>
      generateCertificate({ subject: 'just a name', keySize: 2048, validityDays: 1, encryption: 'aes256', friendlyName: 'x' })
    ).toThrow(/certificate subject "just a name" cannot be read/)
  })

  it('keeps non-ASCII names intact through the certificate', () => {
    const held = generateCertificate({
      subject: 'CN=Überwachung Exchange, O=Société',
      keySize: 2048,
      validityDays: 1,
      encryption: 'aes256',
      friendlyName: 'x'
    })
    expect(held.subject).toBe('CN=Überwachung Exchange, O=Société')
  })
})
