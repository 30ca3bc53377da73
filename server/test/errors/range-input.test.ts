import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration, parseTimeExpr } from '../../../shared/time-range.js'
import { InputError, parseErrorsQuery } from '../../src/errors/input.js'

const NOW = Date.parse('2026-11-22T03:00:00Z')
const H = 3_600_000
const parse = (raw: Record<string, string>) => parseErrorsQuery(raw, 7, NOW)
const field = (raw: Record<string, string>) => {
  try { parse(raw) } catch (err) { return (err as InputError).field }
  throw new Error('expected a refusal')
}

describe('ranges as people type them (shared/time-range.ts, used by the API and the range picker)', () => {
  it('reads durations in minutes, hours and days, and writes them back in the largest unit', () => {
    expect([parseDuration('15m'), parseDuration('6h'), parseDuration(' 7d '), parseDuration('90M')]).toEqual([15 * 60_000, 6 * H, 7 * 24 * H, 90 * 60_000])
    expect([parseDuration('15'), parseDuration('1.5h'), parseDuration('-1h'), parseDuration('h'), parseDuration('2w')]).toEqual([undefined, undefined, undefined, undefined, undefined])
    expect([formatDuration(15 * 60_000), formatDuration(6 * H), formatDuration(48 * H), formatDuration(90 * 60_000)]).toEqual(['15m', '6h', '2d', '90m'])
  })

  it('reads now, now-2h, ISO times (with a space or a T) and epoch ms; says what is wrong otherwise', () => {
    expect(parseTimeExpr('now', NOW)).toEqual({ ms: NOW })
    expect(parseTimeExpr('now-2h', NOW)).toEqual({ ms: NOW - 2 * H })
    expect(parseTimeExpr('NOW - 15m', NOW)).toEqual({ ms: NOW - 15 * 60_000 })
    expect(parseTimeExpr('2026-11-22T01:00:00Z', NOW)).toEqual({ ms: NOW - 2 * H })
    expect(parseTimeExpr('2026-11-22 01:00Z', NOW)).toEqual({ ms: NOW - 2 * H })
    expect(parseTimeExpr(String(NOW), NOW)).toEqual({ ms: NOW })
    for (const bad of ['yesterday', 'now+1h', 'now-2', '2026-13-45T99:00', '']) {
      expect(parseTimeExpr(bad, NOW)).toEqual({ error: expect.stringContaining('is not a time') })
    }
  })

  it('takes any duration as a relative range, and relative or absolute start and end', () => {
    expect(parse({ range: '15m' })).toMatchObject({ startMs: NOW - 15 * 60_000, endMs: NOW })
    expect(parse({ range: '3d' })).toMatchObject({ startMs: NOW - 3 * 24 * H, endMs: NOW })
    expect(parse({ start: 'now-2h', end: 'now' })).toMatchObject({ startMs: NOW - 2 * H, endMs: NOW })
    expect(parse({ start: 'now-6h', end: 'now-5h' })).toMatchObject({ startMs: NOW - 6 * H, endMs: NOW - 5 * H })
    expect(parse({ start: '2026-11-22T01:00:00Z', end: 'now-30m' })).toMatchObject({ startMs: NOW - 2 * H, endMs: NOW - 30 * 60_000 })
  })

  it('refuses bad, inverted, empty and too long ranges, naming the field', () => {
    expect(field({ range: 'forever' })).toBe('range')
    expect(field({ range: '8d' })).toBe('range')
    expect(field({ range: '0h' })).toBe('range')
    expect(field({ start: 'now-1h', end: 'now-2h' })).toBe('start')
    expect(field({ start: 'now-1h', end: 'now-1h' })).toBe('start')
    expect(field({ start: 'now-8d', end: 'now' })).toBe('start')
    expect(field({ start: 'now-1h', end: 'tomorrow' })).toBe('end')
    expect(field({ start: 'now-1h' })).toBe('end')
    expect(field({ end: 'now' })).toBe('start')
  })
})
