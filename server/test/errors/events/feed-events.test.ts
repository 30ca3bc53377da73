import { Counter, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { CATEGORIES, createClassifier } from '../../../src/errors/classifier.js'
import { runFeed } from '../../../src/errors/feed.js'
import { loadRules } from '../../../src/errors/rules.js'
import type { LogEntry, LogSource } from '../../../src/logs/source.js'
import { FLASK_KEYERROR, JS_STACK } from './fixtures.js'

const classifier = createClassifier(loadRules())
const counter = () => new Counter({ name: 'c', help: 'c', labelNames: ['severity'] as const, registers: [new Registry()] })
const NOW = Math.floor(Date.now() / 60_000) * 60_000
const input = { startMs: NOW - 3600_000, endMs: NOW, minSeverity: 'high' as const, filter: undefined, limit: 100 }
const ns = (ms: number) => BigInt(ms) * 1_000_000n

/**
 * A Loki double over `all` (oldest first): query() delivers every line (noise included),
 * newest first, in pages of `page`; series() counts them per line and step, as count_over_time does.
 */
function source (all: LogEntry[], page: number): LogSource {
  const code = (e: LogEntry) => CATEGORIES.indexOf(classifier.classify(e.line))
  return {
    kind: 'loki',
    async query (q, onPage) {
      // The feed asks once for every line a severity rule could match (errors/feed.ts); noise is
      // decided by its classifier, as with a Loki whose query-size limit leaves the rules out.
      const kept = all.filter((e) => q.include === undefined || code(e) <= 4).reverse()
      for (let i = 0; i < kept.length; i += page) onPage(kept.slice(i, i + page))
      return { complete: true, incompleteReasons: [], failedChunks: [], entries: kept.length }
    },
    async series (q) {
      const stepMs = q.stepSeconds * 1000
      const timestamps: number[] = []
      for (let t = Number(q.startNs / 1_000_000n); t < Number(q.endNs / 1_000_000n); t += stepMs) timestamps.push(t)
      const values = Object.fromEntries(q.buckets.map((b) => [b.name, timestamps.map(() => 0)]))
      for (const e of all) {
        const c = CATEGORIES[code(e)] as string
        const i = Math.floor((Number(e.tsNs / 1_000_000n) - (timestamps[0] as number)) / stepMs)
        if (values[c] !== undefined) (values[c] as number[])[i]! += 1
      }
      return { timestamps, values, complete: true, incompleteReasons: [] }
    },
    health: async () => ({ status: 'up', latencyMs: 0, message: '' }),
    close: async () => {},
  }
}

/** `n` Flask KeyError tracebacks on different sessions, plus `n` nginx 502s on different paths. */
function day (n: number): LogEntry[] {
  const out: LogEntry[] = []
  for (let k = 0; k < n; k++) {
    const t = NOW - 3000_000 + k * 60_000
    FLASK_KEYERROR.forEach((line, i) => out.push({ tsNs: ns(t) + BigInt(i), labels: { job: 'tovplay/api' }, line: line.replace('/42/', `/${100 + k}/`) }))
    const path = ['/api/players/7', '/api/games/3', `/api/sessions/${k}`][k % 3]
    out.push({ tsNs: ns(t + 5), labels: { job: 'tovplay/nginx' }, line: `10.0.0.1 - - [22/Nov/2026:02:05:10 +0000] "GET ${path} HTTP/1.1" 502 157 "-" "Mozilla/5.0"` })
  }
  return out
}

describe('the error feed by events', () => {
  it('makes one group of a repeated traceback, counted once per event across page edges, and one group of 502s with a path breakdown', async () => {
    for (const page of [1, 3, 1000]) {
      const out = await runFeed({ logSource: source(day(12), page), classifier, linesClassified: counter() }, input)
      const stack = out.groups.filter((g) => g.signature?.kind === 'stack')
      expect(stack).toHaveLength(1)
      expect(stack[0]).toMatchObject({ count: 12, signature: { exceptionType: 'KeyError', endpoint: 'POST /api/sessions/<n>/join', frame: { fn: 'join_session' } } })
      expect(stack[0]?.samples[0]?.line.split('\n')[0]).toContain('ERROR in app: Exception on /api/sessions/111/join')
      expect(stack[0]?.samples[0]?.lines).toBeGreaterThan(1)
      const access = out.groups.filter((g) => g.signature?.kind === 'access')
      expect(access).toHaveLength(1)
      expect(access[0]?.count).toBe(12)
      expect(access[0]?.signature?.paths).toEqual([
        { path: '/api/games/<n>', count: 4 }, { path: '/api/players/<n>', count: 4 }, { path: '/api/sessions/<n>', count: 4 },
      ])
      // The series counts events: 12 tracebacks and 12 access errors, whatever their lines.
      expect(out.totals.critical + out.totals.high).toBe(24)
      expect(out.groups.reduce((a, g) => a + g.count, 0)).toBe(24)
      expect(out.complete).toBe(true)
    }
  })

  it('keeps lines of two streams apart and honours the gap', async () => {
    const lines = JS_STACK.map((line, i) => ({ tsNs: ns(NOW - 600_000) + BigInt(i) * 2_000_000_000n, labels: { job: 'tovplay/web' }, line }))
    const out = await runFeed({ logSource: source(lines, 2), classifier, linesClassified: counter(), eventGapMs: 1000 }, input)
    const joined = await runFeed({ logSource: source(lines, 2), classifier, linesClassified: counter(), eventGapMs: 5000 }, input)
    expect(joined.groups.reduce((a, g) => a + g.count, 0)).toBeLessThan(out.groups.reduce((a, g) => a + g.count, 0))
    expect(joined.totals.high + joined.totals.critical).toBe(joined.groups.reduce((a, g) => a + g.count, 0))
  })

  it('bounds a traceback of 10,000 frames and a stack of a million characters, counting each once', async () => {
    const t = NOW - 900_000
    const frames = Array.from({ length: 10_000 }, (_, i) => `  File "/app/tovplay/deep.py", line ${i}, in recurse`)
    // A pino line whose err.stack is a million characters long.
    const huge = JSON.stringify({ level: 50, time: t, msg: 'render failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n' + '    at deep (/app/src/render.js:1:1)\n'.repeat(30_000) } })
    expect(huge.length).toBeGreaterThan(1_000_000)
    const lines = ['Traceback (most recent call last):', ...frames, 'RecursionError: maximum recursion depth exceeded', huge]
      .map((line, i) => ({ tsNs: ns(t) + BigInt(i) * 1000n, labels: { job: 'tovplay/api' }, line }))
    const out = await runFeed({ logSource: source(lines, 500), classifier, linesClassified: counter() }, input)
    expect(out.groups.reduce((a, g) => a + g.count, 0)).toBe(2)
    expect(out.totals.critical + out.totals.high).toBe(2)
    for (const g of out.groups) {
      expect(g.samples[0]?.truncated).toBe(true)
      expect(g.samples[0]?.line.length).toBeLessThanOrEqual(8001)
    }
  })
})
