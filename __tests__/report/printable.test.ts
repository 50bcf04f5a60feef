/**
 * printable (src/report/printable.ts): names read from Graph or GitHub, on one line of the
 * log, with nothing in them the runner could read as the start of a workflow command.
 */
import { describe, expect, it } from '@jest/globals'
import { printable } from '../../src/report/printable.js'
import { renderSummary } from '../../src/report/summary.js'

describe('printable', () => {
  it('shows CR, LF and TAB as escapes, so a name cannot start a line of its own', () => {
    expect(printable('EXO\n::warning::pwned')).toBe('EXO\\n::warning::pwned')
    expect(printable('key\r\n::add-mask::x')).toBe('key\\r\\n::add-mask::x')
    expect(printable('a\rb\tc')).toBe('a\\rb\\tc')
  })

  it('escapes every other control character, DEL, the C1 controls and the Unicode line and paragraph separators', () => {
    expect(printable('\u0000\u001b[31m\u007f\u0085\u009f\u2028\u2029')).toBe('\\u0000\\u001b[31m\\u007f\\u0085\\u009f\\u2028\\u2029')
  })

  it('leaves printable text as it is: accents, other scripts, emoji, % and ::', () => {
    const text = 'Équipe Exchange – 交換 🚀 100% ::not-a-command at the start of a line'
    expect(printable(text)).toBe(text)
  })

  it('is idempotent: printing twice changes nothing more', () => {
    const once = printable('a\r\n::add-mask::x\u0007')
    expect(printable(once)).toBe(once)
  })

  it('never leaves a line break in the result, whatever the input', () => {
    const every = Array.from({ length: 0x2030 }, (_, code) => String.fromCharCode(code)).join('')
    expect(printable(every)).not.toMatch(/[\r\n\u0085\u2028\u2029]/)
  })
})

describe('the job summary', () => {
  it('keeps names from Graph on one table row and one note line, without control characters', () => {
    const summary = renderSummary({
      title: 'Exchange Online app: provisioned',
      app: { name: 'EXO\r::warning::pwned\u001b' },
      resources: [{ resource: 'App registration', before: 'present', after: 'present', detail: '"EXO\n::add-mask::x" | id' }],
      notes: ['Certificate "key\r\n::error::x" left on the app.']
    })
    expect(summary).toContain('| App name | `EXO\\r::warning::pwned\\u001b` |')
    expect(summary).toContain('| App registration | present | present | "EXO ::add-mask::x" \\| id |')
    expect(summary).toContain('- Certificate "key\\r\\n::error::x" left on the app.')
    expect(summary).not.toMatch(/\r|\u001b/)
  })
})
