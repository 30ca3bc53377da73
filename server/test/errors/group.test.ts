import { describe, expect, it } from 'vitest'
import { createGrouper, MAX_GROUPS, redactSample, SAMPLES_PER_GROUP, SPARKLINE_BUCKETS } from '../../src/errors/group.js'

const ns = (ms: number) => BigInt(ms) * 1_000_000n
const entry = (ms: number, line: string, labels: Record<string, string> = { job: 'api' }) => ({ tsNs: ns(ms), labels, line })

describe('redactSample', () => {
  it('removes secrets and players\' e-mail addresses', () => {
    const out = redactSample('login failed for anna@example.com password=hunter2 Authorization: Bearer abcdefghijklmnop url=postgres://tov:s3cret@db/TovPlay')
    expect(out).not.toMatch(/hunter2|abcdefghijklmnop|s3cret|anna@example\.com/)
    expect(out).toContain('<email>')
  })

  it('clips very long lines', () => {
    expect(redactSample('x'.repeat(10_000)).length).toBeLessThanOrEqual(2001)
  })
})

describe('grouper', () => {
  it('counts, keeps first/last seen, highest severity, newest samples and a sparkline', () => {
    const g = createGrouper(ns(0), ns(24_000))
    for (let i = 0; i < 10; i++) g.add(entry(i * 2000, `{"level":50,"msg":"save failed for player ${i}"}`), i === 5 ? 'critical' : 'high')
    g.add(entry(500, '{"level":40,"msg":"slow"}'), 'medium')
    const [first, second] = g.result(10)
    expect(first).toMatchObject({ count: 10, severity: 'critical', firstSeen: new Date(0).toISOString(), lastSeen: new Date(18_000).toISOString() })
    expect(first?.samples.map((s) => s.line)).toEqual([9, 8, 7].map((i) => `{"level":50,"msg":"save failed for player ${i}"}`))
    expect(first?.samples).toHaveLength(SAMPLES_PER_GROUP)
    expect(first?.sparkline).toHaveLength(SPARKLINE_BUCKETS)
    expect(first?.sparkline.reduce((a, b) => a + b, 0)).toBe(10)
    expect(first?.sparkline[0]).toBe(1) // bucket 0 covers [0, 1000) ms
    expect(second).toMatchObject({ count: 1, severity: 'medium' })
    expect(g.result(1)).toHaveLength(1)
  })

  it('keeps groups apart by labels', () => {
    const g = createGrouper(ns(0), ns(1000))
    g.add(entry(1, 'ERROR boom', { job: 'api' }), 'high')
    g.add(entry(2, 'ERROR boom', { job: 'web' }), 'high')
    g.add(entry(3, 'ERROR boom', { job: 'api', pod: 'other' }), 'high')
    expect(g.result(10).map((x) => x.count)).toEqual([2, 1])
  })

  it('splits groups by the configured labels only (ERROR_GROUP_LABELS)', () => {
    const g = createGrouper(ns(0), ns(1000), ['pod'])
    g.add(entry(1, 'ERROR boom', { job: 'api', pod: 'a' }), 'high')
    g.add(entry(2, 'ERROR boom', { job: 'web', pod: 'a' }), 'high')
    g.add(entry(3, 'ERROR boom', { job: 'api', pod: 'b' }), 'high')
    const groups = g.result(10)
    expect(groups.map((x) => [x.labels, x.count])).toEqual([[{ pod: 'a' }, 2], [{ pod: 'b' }, 1]])
  })

  it('stops creating groups at MAX_GROUPS and says how many lines were left ungrouped', () => {
    const g = createGrouper(ns(0), ns(1000))
    const word = (i: number) => { let w = ''; do { w += String.fromCharCode(107 + (i % 16)); i = Math.floor(i / 16) } while (i > 0); return w }
    for (let i = 0; i < MAX_GROUPS + 10; i++) g.add(entry(1, `ERROR distinct message ${word(i)}`), 'high')
    expect(g.size()).toBe(MAX_GROUPS)
    expect(g.ungrouped()).toBe(10)
  })
})
