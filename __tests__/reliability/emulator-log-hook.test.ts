import { describe, expect, it } from '@jest/globals'
import { RequestLog, type LoggedRequest } from '../../emulator/index.js'

const entry = (path: string): Omit<LoggedRequest, 'seq'> => ({
  timestamp: new Date(0).toISOString(), service: 'graph', method: 'PATCH', path, status: 204, kind: 'write', ms: 1
})

describe('the request log hook the crash tests use', () => {
  it('calls a listener synchronously with each entry as it is recorded, until removed', () => {
    const log = new RequestLog()
    const seen: string[] = []
    const stop = log.onRecord(e => seen.push(`${e.seq} ${e.path}`))
    log.record(entry('/v1.0/applications/a'))
    expect(seen).toEqual(['1 /v1.0/applications/a'])
    stop()
    log.record(entry('/v1.0/applications/b'))
    expect(seen).toEqual(['1 /v1.0/applications/a'])
    expect(log.list()).toHaveLength(2)
  })

  it('keeps recording when a listener throws', () => {
    const log = new RequestLog()
    const original = console.error
    console.error = () => undefined
    try {
      log.onRecord(() => {
        throw new Error('listener bug')
      })
      expect(() => log.record(entry('/v1.0/applications/a'))).not.toThrow()
    } finally {
      console.error = original
    }
    expect(log.list()).toHaveLength(1)
  })
})
