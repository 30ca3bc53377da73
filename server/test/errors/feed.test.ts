import { Counter, Registry } from 'prom-client'
import RE2 from 're2'
import { describe, expect, it } from 'vitest'
import { createClassifier } from '../../src/errors/classifier.js'
import { MAX_FEED_ENTRIES, runFeed, stepFor } from '../../src/errors/feed.js'
import { loadRules } from '../../src/errors/rules.js'
import type { LogQuery, LogSource } from '../../src/logs/source.js'
import { LogQueryError } from '../../src/logs/source.js'

const classifier = createClassifier(loadRules())
const counter = () => new Counter({ name: 'c', help: 'c', labelNames: ['severity'] as const, registers: [new Registry()] })
const NOW = Date.now()

function source (over: Partial<LogSource> = {}, seen: LogQuery[] = []): LogSource {
  return {
    kind: 'loki',
    async query (q, onPage) {
      seen.push(q)
      return { complete: true, incompleteReasons: [], failedChunks: [], entries: 0 }
    },
    series: async (q) => ({ timestamps: [0, 1], values: Object.fromEntries(q.buckets.map((b) => [b.name, [1, 2]])), complete: true, incompleteReasons: [] }),
    health: async () => ({ status: 'up', latencyMs: 0, message: '' }),
    close: async () => {},
    ...over,
  }
}

const input = { startMs: NOW - 3600_000, endMs: NOW, minSeverity: 'high' as const, filter: undefined, limit: 100 }

describe('runFeed', () => {
  it('asks once for every line a severity rule could match: noise and precedence are decided here', async () => {
    const seen: LogQuery[] = []
    await runFeed({ logSource: source({}, seen), classifier, linesClassified: counter() }, input)
    expect(seen).toHaveLength(1)
    const [q] = seen
    expect(q?.exclude).toBeUndefined()
    const include = new RE2(q?.include as string)
    expect(include.test('FATAL: database "TovPlay" does not exist')).toBe(true)
    expect(include.test('Traceback (most recent call last):')).toBe(true)
    expect(include.test('level=warn msg="slow"')).toBe(true) // below minSeverity, still counted in the series
    expect(q?.maxEntries).toBe(MAX_FEED_ENTRIES)
  })

  it('groups, counts and totals from the same classified lines, with the classifier\'s precedence', async () => {
    const at = (s: number) => BigInt(NOW - s * 1000) * 1_000_000n
    const lines = [
      { tsNs: at(10), labels: { job: 'api' }, line: 'FATAL: database "tovplay" does not exist' },
      { tsNs: at(20), labels: { job: 'api' }, line: 'Traceback (most recent call last):' },
      { tsNs: at(30), labels: { job: 'api' }, line: 'Traceback (most recent call last):' },
      { tsNs: at(40), labels: { job: 'api' }, line: 'level=info msg="session scheduled"' },
      { tsNs: at(50), labels: { job: 'api' }, line: '10.0.0.1 - - "GET /health HTTP/1.1" 200 12 "-" "kube-probe/1.27"' },
    ]
    let seriesCalls = 0
    const src = source({
      async query (q, onPage) {
        onPage(lines)
        return { complete: true, incompleteReasons: [], failedChunks: [], entries: lines.length }
      },
      series: async () => { seriesCalls++; throw new Error('not needed') },
    })
    const out = await runFeed({ logSource: src, classifier, linesClassified: counter() }, input)
    const want = { critical: 0, high: 0, medium: 0, low: 0 } as Record<string, number>
    for (const l of lines) { const c = classifier.classify(l.line); if (c in want) want[c] = (want[c] as number) + 1 }
    expect(out.totals).toEqual(want)
    expect(out.complete).toBe(true)
    expect(seriesCalls).toBe(0)
    for (const sev of ['critical', 'high', 'medium', 'low'] as const) {
      expect(out.series[sev]).toHaveLength(out.series.timestamps.length)
      expect(out.series[sev].reduce((a, b) => a + b, 0)).toBe(out.totals[sev])
    }
    expect(out.groups.reduce((a, g) => a + g.count, 0)).toBe((want.critical as number) + (want.high as number))
  })

  it('says the answer is incomplete when the entry cap is reached, and takes the totals from the source\'s counts', async () => {
    const src = source({
      async query (q, onPage) {
        onPage([{ tsNs: BigInt(NOW - 1000) * 1_000_000n, labels: { job: 'api' }, line: '{"level":50,"msg":"boom"}' }])
        return { complete: false, incompleteReasons: ['chunk 1 hit the entry cap'], failedChunks: [{ startNs: String(BigInt(NOW - 7200_000) * 1_000_000n), endNs: String(BigInt(NOW - 3600_000) * 1_000_000n), reason: 'timed out' }], entries: MAX_FEED_ENTRIES }
      },
    })
    const out = await runFeed({ logSource: src, classifier, linesClassified: counter() }, input)
    expect(out.complete).toBe(false)
    expect(out.incompleteReasons).toContain('chunk 1 hit the entry cap')
    expect(out.incompleteReasons.join()).toContain(`grouped the newest ${MAX_FEED_ENTRIES} lines`)
    expect(out.failedChunks).toEqual([{ start: new Date(NOW - 7200_000).toISOString(), end: new Date(NOW - 3600_000).toISOString(), reason: 'timed out' }])
    expect(out.totals).toEqual({ critical: 3, high: 3, medium: 3, low: 3 })
    expect(out.groups[0]).toMatchObject({ count: 1, severity: 'high', template: 'boom' })
  })

  it('passes a LogQueryError through and turns anything else into a 502', async () => {
    await expect(runFeed({ logSource: source({ query: async () => { throw new LogQueryError('Loki said no', 504) } }), classifier, linesClassified: counter() }, input))
      .rejects.toMatchObject({ statusCode: 504, message: 'Loki said no' })
    await expect(runFeed({ logSource: source({ query: async () => { throw new TypeError('x is undefined') } }), classifier, linesClassified: counter() }, input))
      .rejects.toMatchObject({ statusCode: 502, message: 'log source failed' })
  })

  it('chooses steps that give at most 120 points', () => {
    expect(stepFor(3600_000)).toBe(60)
    expect(stepFor(6 * 3600_000)).toBe(300)
    expect(stepFor(24 * 3600_000)).toBe(900)
    expect(stepFor(7 * 86_400_000)).toBe(7200)
  })
})
