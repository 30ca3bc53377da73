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
  it('asks for critical lines without the noise exclusion, and for the rest with it', async () => {
    const seen: LogQuery[] = []
    await runFeed({ logSource: source({}, seen), classifier, linesClassified: counter() }, input)
    expect(seen).toHaveLength(2)
    const [crit, rest] = seen
    expect(crit?.exclude).toBeUndefined()
    expect(new RE2(crit?.include as string).test('FATAL: database "TovPlay" does not exist')).toBe(true)
    expect(new RE2(rest?.include as string).test('Traceback (most recent call last):')).toBe(true)
    expect(new RE2(rest?.include as string).test('level=warn msg="slow"')).toBe(false) // below minSeverity
    expect(new RE2(rest?.exclude as string).test('{"level":30,"msg":"ok"}')).toBe(true)
    expect(rest?.maxEntries).toBe(MAX_FEED_ENTRIES)
    const onlyCritical: LogQuery[] = []
    await runFeed({ logSource: source({}, onlyCritical), classifier, linesClassified: counter() }, { ...input, minSeverity: 'critical' })
    expect(onlyCritical).toHaveLength(1)
  })

  it('says the answer is incomplete when the entry cap is reached, while totals stay exact', async () => {
    const src = source({
      async query (q, onPage) {
        if (q.exclude === undefined) return { complete: true, incompleteReasons: [], failedChunks: [], entries: 0 }
        onPage([{ tsNs: BigInt(NOW - 1000) * 1_000_000n, labels: { job: 'api' }, line: '{"level":50,"msg":"boom"}' }])
        return { complete: false, incompleteReasons: ['chunk 1 hit the entry cap'], failedChunks: [{ startNs: String(BigInt(NOW - 7200_000) * 1_000_000n), endNs: String(BigInt(NOW - 3600_000) * 1_000_000n), reason: 'timed out' }], entries: MAX_FEED_ENTRIES }
      },
    })
    const out = await runFeed({ logSource: src, classifier, linesClassified: counter() }, input)
    expect(out.complete).toBe(false)
    expect(out.incompleteReasons).toContain('chunk 1 hit the entry cap')
    expect(out.incompleteReasons.join()).toContain(`grouped the newest ${MAX_FEED_ENTRIES} matching lines`)
    expect(out.failedChunks).toEqual([{ start: new Date(NOW - 7200_000).toISOString(), end: new Date(NOW - 3600_000).toISOString(), reason: 'timed out' }])
    expect(out.totals).toEqual({ critical: 3, high: 3, medium: 3, low: 3 })
    expect(out.groups[0]).toMatchObject({ count: 1, severity: 'high', template: 'boom' })
  })

  it('passes a LogQueryError through and turns anything else into a 502', async () => {
    await expect(runFeed({ logSource: source({ series: async () => { throw new LogQueryError('Loki said no', 504) } }), classifier, linesClassified: counter() }, input))
      .rejects.toMatchObject({ statusCode: 504, message: 'Loki said no' })
    await expect(runFeed({ logSource: source({ series: async () => { throw new TypeError('x is undefined') } }), classifier, linesClassified: counter() }, input))
      .rejects.toMatchObject({ statusCode: 502, message: 'log source failed' })
  })

  it('chooses steps that give at most 120 points', () => {
    expect(stepFor(3600_000)).toBe(60)
    expect(stepFor(6 * 3600_000)).toBe(300)
    expect(stepFor(24 * 3600_000)).toBe(900)
    expect(stepFor(7 * 86_400_000)).toBe(7200)
  })
})
