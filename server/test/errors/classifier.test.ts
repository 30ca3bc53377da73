import RE2 from 're2'
import { describe, expect, it } from 'vitest'
import { CATEGORIES, createClassifier, MAX_CLASSIFY_BYTES } from '../../src/errors/classifier.js'
import { severityBuckets } from '../../src/errors/feed.js'
import { loadRules, parseRules } from '../../src/errors/rules.js'

const classifier = createClassifier(loadRules())

// The precedence: critical > noise > high > medium > low > none.
const CASES: Array<[string, string]> = [
  ['10.0.0.7 - - [22/Nov/2026:02:05:10 +0000] "GET /api/players HTTP/1.1" 200 612 "-" "Mozilla/5.0"', 'noise'],
  ['10.0.0.7 - - [22/Nov/2026:02:05:10 +0000] "GET /api/players HTTP/1.1" 500 612 "-" "Mozilla/5.0"', 'high'],
  ['10.0.0.7 - - [22/Nov/2026:02:05:10 +0000] "GET /logs/api/health HTTP/1.1" 503 12 "-" "kube-probe/1.29"', 'high'],
  ['10.0.0.7 - - [22/Nov/2026:02:05:10 +0000] "GET /api/games HTTP/1.1" 429 12 "-" "okhttp"', 'medium'],
  ['10.0.0.7 - - [22/Nov/2026:02:05:10 +0000] "POST /api/sessions HTTP/1.1" 409 12 "-" "okhttp"', 'low'],
  ['{"level":30,"time":1763777110000,"msg":"server listening"}', 'noise'],
  ['{"level":20,"msg":"cache miss"}', 'noise'],
  ['{"level":10,"msg":"tick"}', 'noise'],
  ['{"level":"info","msg":"probe finished"}', 'noise'],
  ['{"level":50,"err":{"type":"TypeError","message":"x is undefined"},"msg":"request errored"}', 'high'],
  ['{"level":40,"msg":"slow probe"}', 'medium'],
  ['{"level":60,"msg":"cannot start"}', 'critical'],
  // A FATAL line is never noise, even on a health path or at a "level":30.
  ['2026-11-22 02:05:10 UTC FATAL: health check could not reach database', 'critical'],
  ['{"level":30,"req":{"url":"/health"},"msg":"FATAL: database \\"TovPlay\\" does not exist"}', 'critical'],
  ['2026-11-22 02:05:10.123 UTC [91] FATAL:  database "database" does not exist', 'critical'],
  ['FATAL:  sorry, too many clients already', 'critical'],
  ['FATAL:  remaining connection slots are reserved for non-replication superuser connections', 'critical'],
  ['Nov 22 02:05:10 web1 kernel: Out of memory: Killed process 4242 (node)', 'critical'],
  ['panic: runtime error: index out of range [3] with length 3', 'critical'],
  ['Error: ENOSPC: no space left on device, write', 'critical'],
  // INFO noise wins over words that would otherwise be errors.
  ['2026-11-22 02:05:10,123 INFO app: retried failed job 42 without error', 'noise'],
  ['Traceback (most recent call last):', 'high'],
  ['TypeError: Cannot read properties of undefined (reading \'id\')', 'high'],
  ['Error: connect ECONNREFUSED 127.0.0.1:6379', 'high'],
  ['unhandledRejection: Error: boom', 'high'],
  ['level=warn msg="chunk retry"', 'medium'],
  ['context deadline exceeded while reading chunk', 'medium'],
  ['(node:1) [DEP0040] DeprecationWarning: punycode is deprecated', 'medium'],
  ['reminder job failed for 2 sessions', 'low'],
  ['player 42 joined the lobby', 'none'],
  ['', 'noise'],
]

describe('classifier', () => {
  it.each(CASES)('%s -> %s', (line, expected) => {
    expect(classifier.classify(line), classifier.matchedRules(line).join(',')).toBe(expected)
  })

  it('gives the same answers in a batch as one by one, including non-ASCII lines', () => {
    const lines = [...CASES.map(([l]) => l), 'ERROR: ünïcödé 日本語 failed', 'plain 😀 line', '{"level":50,"msg":"émoji 💥"}']
    const codes = classifier.classifyBatch(lines)
    expect([...codes].map((c) => CATEGORIES[c])).toEqual(lines.map((l) => classifier.classify(l)))
  })

  it('classifies only a bounded prefix of a huge line, and fast', () => {
    const huge = 'ERROR start ' + 'x'.repeat(5 * 1024 * 1024) + ' FATAL'
    const t = performance.now()
    expect(classifier.classify(huge)).toBe('high')
    expect(classifier.classifyBatch([huge])[0]).toBe(CATEGORIES.indexOf('high'))
    expect(MAX_CLASSIFY_BYTES).toBeLessThan(huge.length)
    expect(performance.now() - t).toBeLessThan(2000)
  })

  it('counts a line in exactly the series bucket its classification names', () => {
    // The series buckets are evaluated by the log source (Loki or files) with plain
    // include/exclude patterns; they must agree with the classifier line by line.
    const buckets = severityBuckets(classifier.unions).map((b) => ({
      name: b.name, include: new RE2(b.include), exclude: b.exclude === undefined ? undefined : new RE2(b.exclude),
    }))
    const corpus = [...CASES.map(([l]) => l), ...classifier.rules.flatMap((r) => [...r.examples.match, ...r.examples.noMatch])]
    for (const line of corpus) {
      const hits = buckets.filter((b) => b.include.test(line) && !(b.exclude?.test(line) ?? false)).map((b) => b.name)
      const cat = classifier.classify(line)
      expect(hits, line).toEqual(cat === 'noise' || cat === 'none' ? [] : [cat])
    }
  })

  it('reports which rules matched', () => {
    expect(classifier.matchedRules('{"level":30,"res":{"statusCode":200},"msg":"request completed"}'))
      .toEqual(expect.arrayContaining(['level-pino-info', 'access-fastify-statuscode-ok']))
  })

  it('uses the rules it is given (one set, index to category)', () => {
    const tiny = createClassifier(parseRules(`
noise:
  - id: n
    pattern: 'health'
    examples: { match: ['health'], no_match: ['x'] }
severity:
  critical:
    - id: c
      pattern: 'FATAL'
      examples: { match: ['FATAL'], no_match: ['x'] }
  low:
    - id: l
      pattern: 'oops'
      examples: { match: ['oops'], no_match: ['x'] }
`, 'tiny.yml'))
    expect(tiny.classify('FATAL health')).toBe('critical')
    expect(tiny.classify('oops health')).toBe('noise')
    expect(tiny.classify('oops')).toBe('low')
    expect(tiny.classify('fine')).toBe('none')
    expect(tiny.unions.noise).toBe('(?:health)')
  })
})
