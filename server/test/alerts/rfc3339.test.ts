import { describe, expect, it } from 'vitest'
import { rfc3339Problem } from '../../src/alerts/rfc3339.js'
import { isStorable, storable } from '../../src/alerts/storable.js'

describe('strict RFC3339 times', () => {
  it('takes real times, with fractions and offsets', () => {
    for (const ok of ['2026-11-22T01:00:00Z', '2024-02-29T23:59:59.123456789Z', '2000-02-29T00:00:00+05:30', '0001-01-01T00:00:00Z', '2026-11-22 01:00:00-07:00']) {
      expect(rfc3339Problem(ok), ok).toBeUndefined()
    }
  })
  it('refuses what Date.parse would take but is not a real date or time', () => {
    expect(rfc3339Problem('2026-02-30T10:00:00Z')).toContain('day 30')
    expect(rfc3339Problem('2026-02-29T10:00:00Z')).toContain('day 29')
    expect(rfc3339Problem('1900-02-29T10:00:00Z')).toContain('day 29')
    expect(rfc3339Problem('2026-04-31T10:00:00Z')).toContain('day 31')
    expect(rfc3339Problem('0000-01-01T00:00:00Z')).toContain('year 0000')
    expect(rfc3339Problem('0001-01-01T00:30:00+01:00')).toContain('before 0001-01-01')
    expect(rfc3339Problem('2026-13-01T00:00:00Z')).toContain('month 13')
    expect(rfc3339Problem('2026-11-22T24:00:00Z')).toContain('clock time')
    expect(rfc3339Problem('2026-11-22T01:00:00+24:00')).toContain('offset')
    expect(rfc3339Problem('2026-11-22T01:00:00')).toContain('not an RFC3339 time')
    expect(rfc3339Problem('yesterday')).toContain('not an RFC3339 time')
  })
})

describe('storable text', () => {
  it('replaces NUL and lone surrogates, keeps valid pairs', () => {
    expect(storable('a\u0000b\ud800c\udc00d\ud83d\ude00')).toBe('a\uFFFDb\uFFFDc\uFFFDd\ud83d\ude00')
    expect(isStorable('ok \ud83d\ude00')).toBe(true)
    expect(isStorable('\ud83d')).toBe(false)
  })
})
