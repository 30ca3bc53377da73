import { describe, expect, it } from 'vitest'
import { InputError, parseErrorsQuery } from '../../src/errors/input.js'

const NOW = Date.parse('2026-11-22T03:00:00Z')
const parse = (raw: Record<string, string>, maxDays = 7) => parseErrorsQuery(raw, maxDays, NOW)
const refusal = (raw: Record<string, string>, maxDays = 7) => {
  try {
    parse(raw, maxDays)
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return err as InputError
  }
  throw new Error('expected a refusal')
}

describe('parseErrorsQuery', () => {
  it('defaults to the last hour, minSeverity high, 100 groups, no search', () => {
    expect(parse({})).toEqual({ startMs: NOW - 3600_000, endMs: NOW, minSeverity: 'high', filter: undefined, limit: 100, muted: 'hide' })
  })

  it('reads each range', () => {
    expect(parse({ range: '6h' }).startMs).toBe(NOW - 6 * 3600_000)
    expect(parse({ range: '24h' }).startMs).toBe(NOW - 86_400_000)
    expect(parse({ range: '7d' }).startMs).toBe(NOW - 7 * 86_400_000)
  })

  it('refuses a range longer than MAX_RANGE_DAYS', () => {
    const err = refusal({ range: '7d' }, 1)
    expect(err.field).toBe('range')
    expect(err.message).toBe('range 7d is longer than the maximum of 1 days (MAX_RANGE_DAYS)')
  })

  it('reads start and end as ISO 8601 or epoch ms, and clamps an end slightly in the future to now', () => {
    expect(parse({ start: '2026-11-22T01:00:00Z', end: String(NOW - 1000) })).toMatchObject({ startMs: NOW - 2 * 3600_000, endMs: NOW - 1000 })
    expect(parse({ start: '2026-11-22T02:00:00+01:00', end: '2026-11-22T03:30:00Z' })).toMatchObject({ startMs: NOW - 2 * 3600_000, endMs: NOW })
  })

  it('names the field of every refusal', () => {
    expect(refusal({ start: '2026-11-22T02:00:00Z', end: '2026-11-22T01:00:00Z' }).field).toBe('start')
    expect(refusal({ start: '2026-11-22T02:00:00Z', end: '2026-11-22T02:00:00Z' }).field).toBe('start')
    expect(refusal({ end: '2026-11-22T02:00:00Z' }).field).toBe('start')
    expect(refusal({ start: 'nope', end: '2026-11-22T02:00:00Z' }).message).toContain('ISO 8601')
    expect(refusal({ start: '2026-11-23T05:00:00Z', end: '2026-11-24T05:00:00Z' }).field).toBe('end')
    expect(refusal({ minSeverity: 'HIGH' }).field).toBe('minSeverity')
    expect(refusal({ limit: '1.5' }).field).toBe('limit')
    expect(refusal({ limit: '-1' }).field).toBe('limit')
    expect(refusal({ q: '/[/' }).field).toBe('q')
  })

  it('accepts limit 1 to 1000 and each severity', () => {
    expect(parse({ limit: '1' }).limit).toBe(1)
    expect(parse({ limit: '1000' }).limit).toBe(1000)
    for (const s of ['critical', 'high', 'medium', 'low']) expect(parse({ minSeverity: s }).minSeverity).toBe(s)
  })
})
