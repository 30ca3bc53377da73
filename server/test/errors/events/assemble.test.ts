import { describe, expect, it } from 'vitest'
import type { LogEntry } from '../../../src/logs/source.js'
import { createAssembler, eventText, tagsOf, type AssembledEvent, type AssembleOptions } from '../../../src/errors/events/assemble.js'
import { FLASK_KEYERROR, GO_PANIC, JAVA_STACK, JS_STACK, PINO_ERR, PY_CHAINED } from './fixtures.js'

const ns = (ms: number) => BigInt(ms) * 1_000_000n
const api = { job: 'api' }

/** Lines one millisecond apart from `t0` in one stream. */
const entries = (lines: string[], t0 = 0, labels: Record<string, string> = api): LogEntry[] => lines.map((line, i) => ({ tsNs: ns(t0 + i), labels, line }))

function assemble (input: LogEntry[], opts?: AssembleOptions, pages = 1): AssembledEvent[] {
  const out: AssembledEvent[] = []
  const a = createAssembler((ev) => out.push(ev), opts)
  const size = Math.ceil(input.length / pages)
  for (let p = 0; p < input.length; p += size) for (const e of input.slice(p, p + size)) a.push(e)
  a.flush()
  expect(out.reduce((n, ev) => n + ev.lineCount, 0)).toBe(input.length) // every line in exactly one event
  expect(a.events()).toBe(out.length)
  return out
}

describe('event assembly', () => {
  it.each([
    ['a Flask traceback with its header', FLASK_KEYERROR, 'python'],
    ['chained Python exceptions', PY_CHAINED, 'python'],
    ['a JavaScript stack', JS_STACK, 'js'],
    ['a Java stack with Caused by and ... N more', JAVA_STACK, 'java'],
    ['a Go panic', GO_PANIC, 'go'],
  ] as const)('joins %s into one event', (_name, lines, kind) => {
    const before = '2026-11-22 02:05:09,000 INFO tovplay: started'
    const after = '2026-11-22 02:05:11,000 INFO tovplay: next request'
    const evs = assemble(entries([before, ...lines, after]))
    expect(evs.map((e) => e.lineCount)).toEqual([1, lines.length, 1])
    expect(evs[1]?.kind).toBe(kind)
    expect(eventText(evs[1] as AssembledEvent)).toBe(lines.join('\n'))
    expect(evs[1]?.head.line).toBe(lines[0])
  })

  it('keeps a pino line with its stack inside as one event', () => {
    const evs = assemble(entries([PINO_ERR, PINO_ERR]))
    expect(evs.map((e) => e.lineCount)).toEqual([1, 1])
  })

  it('does not join a continuation that comes after the gap, and honours a configured gap', () => {
    const lines = entries(FLASK_KEYERROR)
    const late = lines.map((e, i) => i === 1 ? { ...e, tsNs: ns(1500) } : i > 1 ? { ...e, tsNs: ns(1500 + i) } : e)
    expect(assemble(late).map((e) => e.lineCount)).toEqual([1, FLASK_KEYERROR.length - 1])
    expect(assemble(late, { gapMs: 2000 }).map((e) => e.lineCount)).toEqual([FLASK_KEYERROR.length])
  })

  it('joins an event cut by a chunk or page edge, and counts it once', () => {
    const input = entries([...FLASK_KEYERROR, ...JS_STACK, ...JAVA_STACK], 0)
    for (const pages of [2, 3, 7, input.length]) {
      expect(assemble(input, {}, pages).map((e) => e.lineCount)).toEqual([FLASK_KEYERROR.length, JS_STACK.length, JAVA_STACK.length])
    }
  })

  it('keeps interleaved streams apart', () => {
    const a = entries(FLASK_KEYERROR, 0, { job: 'api', pod: 'a' })
    const b = entries(JS_STACK, 0, { job: 'api', pod: 'b' })
    const mixed: LogEntry[] = []
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== undefined) mixed.push(a[i] as LogEntry)
      if (b[i] !== undefined) mixed.push(b[i] as LogEntry)
    }
    const evs = assemble(mixed)
    expect(evs.map((e) => [e.head.labels.pod, e.lineCount]).sort()).toEqual([['a', FLASK_KEYERROR.length], ['b', JS_STACK.length]])
  })

  it('treats a per-line level label as the same stream', () => {
    const input: LogEntry[] = FLASK_KEYERROR.map((line, i) => ({ tsNs: ns(i), labels: (i === 0 ? { job: 'api', level: 'error' } : { job: 'api' }) as Record<string, string>, line }))
    expect(assemble(input).map((e) => e.lineCount)).toEqual([FLASK_KEYERROR.length])
  })

  it('makes an out-of-order line an event of its own without losing or double-counting anything', () => {
    const input = entries(FLASK_KEYERROR, 100)
    input.splice(3, 0, { tsNs: ns(50), labels: api, line: '    at late (/app/x.js:1:1)' })
    const evs = assemble(input)
    expect(evs.map((e) => e.lineCount).sort((x, y) => x - y)).toEqual([1, FLASK_KEYERROR.length])
  })

  it('caps 10,000 continuation lines and marks the event truncated', () => {
    const frames = Array.from({ length: 10_000 }, (_, i) => `    at f${i} (/app/src/deep.js:${i}:1)`)
    const evs = assemble(entries(['RangeError: Maximum call stack size exceeded', ...frames]), { maxLines: 200 })
    expect(evs).toHaveLength(1)
    expect(evs[0]).toMatchObject({ lineCount: 10_001, truncated: true, kind: 'js' })
    expect(evs[0]?.lines).toHaveLength(200)
  })

  it('caps a stack of a million characters by size', () => {
    const huge = 'Error: ' + 'x'.repeat(1_000_000)
    const evs = assemble(entries([huge, '    at f (/app/a.js:1:1)', '    at g (/app/a.js:2:1)']), { maxChars: 10_000 })
    expect(evs).toHaveLength(1)
    expect(evs[0]).toMatchObject({ lineCount: 3, truncated: true })
    expect(eventText(evs[0] as AssembledEvent).length).toBeLessThanOrEqual(10_000)
    expect(evs[0]?.chars).toBeGreaterThan(1_000_000)
  })

  it('ends a traceback with no end at the next log line', () => {
    const noEnd = FLASK_KEYERROR.slice(0, 6)
    const evs = assemble(entries([...noEnd, '2026-11-22 02:05:10,200 INFO werkzeug: 127.0.0.1 "GET /health"', 'ERROR in app: again']))
    expect(evs.map((e) => e.lineCount)).toEqual([6, 1, 1])
  })

  it('keeps two tracebacks apart when no chaining sentence joins them', () => {
    const tb = FLASK_KEYERROR.slice(1)
    expect(assemble(entries([...tb, ...tb])).map((e) => e.lineCount)).toEqual([tb.length, tb.length])
  })

  it('keeps unrelated lines apart within the gap', () => {
    const lines = ['ERROR payment failed', 'ERROR lobby full', 'WARN slow query', 'KeyError: not after a traceback']
    expect(assemble(entries(lines)).map((e) => e.lineCount)).toEqual([1, 1, 1, 1])
  })

  it('keeps per-line tags in line order', () => {
    const out: AssembledEvent[] = []
    const a = createAssembler((ev) => out.push(ev))
    entries(JS_STACK).forEach((e, i) => a.push(e, i === 0 ? 1 : 5))
    a.flush()
    expect(tagsOf(out[0] as AssembledEvent)).toEqual([1, 5, 5, 5])
    expect(out[0]?.times).toEqual(entries(JS_STACK).map((e) => e.tsNs))
  })
})
