import { describe, expect, it } from 'vitest'
import { formatAgo, formatBytes, formatCompact, formatCount, formatDuration, formatPct, formatSigned, isStale } from '../src/format.js'

const NOW = Date.parse('2026-11-22T12:00:00Z')
const ago = (s: number) => new Date(NOW - s * 1000).toISOString()

describe('formatters', () => {
  it('says how long ago a value was measured', () => {
    expect(formatAgo(ago(0.2), NOW)).toBe('just now')
    expect(formatAgo(ago(12), NOW)).toBe('12 s ago')
    expect(formatAgo(ago(59), NOW)).toBe('59 s ago')
    expect(formatAgo(ago(125), NOW)).toBe('2 min ago')
    expect(formatAgo(ago(3 * 3600 + 120), NOW)).toBe('3 h 2 min ago')
    expect(formatAgo(ago(2 * 86_400 + 5 * 3600 + 9), NOW)).toBe('2 d 5 h ago')
    expect(formatAgo(ago(-30), NOW)).toBe('just now')
    expect(formatAgo(null, NOW)).toBe('never')
    expect(formatAgo('garbage', NOW)).toBe('unknown')
  })

  it('calls a value stale past its limit, and a missing time always stale', () => {
    expect(isStale(ago(29), NOW, 30)).toBe(false)
    expect(isStale(ago(31), NOW, 30)).toBe(true)
    expect(isStale(null, NOW, 30)).toBe(true)
    expect(isStale('nope', NOW, 30)).toBe(true)
  })

  it('formats numbers, never showing a missing number as 0', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(null)).toBe('—')
    expect(formatCount(Number.NaN)).toBe('—')
    expect(formatSigned(-22)).toBe('−22')
    expect(formatSigned(5)).toBe('+5')
    expect(formatSigned(null)).toBe('—')
    expect(formatCompact(1234)).toBe('1.2k')
    expect(formatCompact(45_000)).toBe('45k')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(8 * 1024 * 1024)).toBe('8.0 MB')
    expect(formatBytes(null)).toBe('—')
    expect(formatDuration(3600)).toBe('1 h')
    expect(formatDuration(null)).toBe('—')
    expect(formatPct(83.4)).toBe('83 %')
    expect(formatPct(4.25)).toBe('4.3 %')
  })
})
