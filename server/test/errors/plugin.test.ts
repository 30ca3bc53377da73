import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify from 'fastify'
import { Gauge, Registry } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAlertSink } from '../../src/alerts/sink.js'
import errorsPlugin from '../../src/errors/plugin.js'
import { startRecentErrorsJob, type ErrorStats } from '../../src/errors/stats.js'
import RE2 from 're2'
import { createClassifier } from '../../src/errors/classifier.js'
import { loadRules } from '../../src/errors/rules.js'
import type { LogQuery, LogSource, SeriesQuery } from '../../src/logs/source.js'
import { createMetrics } from '../../src/metrics/registry.js'
import { testConfig } from '../helpers/app.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }) })

// One critical, two high, three medium and four low lines, and noise that mentions an error.
const LINES = [
  'FATAL: database "tovplay" does not exist',
  'Traceback (most recent call last):', 'Traceback (most recent call last):',
  ...Array.from({ length: 3 }, () => 'level=warn msg="slow query"'),
  ...Array.from({ length: 4 }, () => 'level=info msg="deprecated flag"'),
  '10.0.0.1 - - "GET /health HTTP/1.1" 200 12 "-" "kube-probe/1.27"',
]

function fakeSource (
  series: LogSource['series'] = async (q) => ({ timestamps: [Number(q.startNs / 1_000_000n)], values: Object.fromEntries(q.buckets.map((b, i) => [b.name, [i + 1]])), complete: true, incompleteReasons: [] }),
  query: LogSource['query'] = async (q, onPage) => {
    onPage(LINES.map((line, i) => ({ tsNs: q.endNs - BigInt(i + 1), labels: { job: 'api' }, line })))
    return { complete: true, incompleteReasons: [], failedChunks: [], entries: LINES.length }
  }
): LogSource {
  return {
    kind: 'files',
    query,
    series,
    health: async () => ({ status: 'up', latencyMs: 0, message: 'ok' }),
    close: async () => {},
  }
}

async function bareApp (logSource: LogSource, rulesFile?: string) {
  const config = testConfig()
  dirs.push(config.dataDir)
  const app = Fastify({ logger: false })
  app.decorate('config', config)
  app.decorate('deps', { logSource } as never)
  app.decorate('metrics', createMetrics(new Registry()))
  app.decorate('alertSink', createAlertSink(() => {}))
  await app.register(errorsPlugin, { rulesFile })
  return app
}

describe('errors plugin', () => {
  it('refuses to start with a bad regex in the rules file, naming the file and the rule', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-rules-'))
    dirs.push(dir)
    const file = path.join(dir, 'noise.yml')
    fs.writeFileSync(file, `noise:
  - id: health-broken
    pattern: 'GET /health(z'
    examples: { match: ['GET /healthz'], no_match: ['x'] }
severity: {}
`)
    const app = await bareApp(fakeSource(), file).catch((err: Error) => err)
    const err = app instanceof Error ? app : await app.ready().then(() => undefined, (e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toContain(file)
    expect((err as Error).message).toContain('"health-broken"')
    expect((err as Error).message).toContain('missing )')
  })

  it('reads the rules file named by NOISE_RULES_FILE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-rules-'))
    dirs.push(dir)
    const file = path.join(dir, 'custom.yml')
    fs.writeFileSync(file, 'noise:\n  - id: custom-broken\n    pattern: \'(\'\n    examples: { match: [\'(\'], no_match: [\'x\'] }\nseverity: {}\n')
    const config = testConfig({ NOISE_RULES_FILE: file })
    const app = Fastify({ logger: false })
    app.decorate('config', config)
    app.decorate('deps', { logSource: fakeSource() } as never)
    app.decorate('metrics', createMetrics(new Registry()))
    app.decorate('alertSink', createAlertSink(() => {}))
    const err = await app.register(errorsPlugin).ready().then(() => undefined, (e: Error) => e)
    await app.close()
    expect(err?.message).toContain('"custom-broken"')
  })

  it('decorates errorStats with counts per severity from the classified lines', async () => {
    const seen: LogQuery[] = []
    const app = await bareApp(fakeSource(undefined, async (q, onPage) => {
      seen.push(q)
      onPage(LINES.map((line, i) => ({ tsNs: q.endNs - BigInt(i + 1), labels: { job: 'api' }, line })))
      return { complete: true, incompleteReasons: [], failedChunks: [], entries: LINES.length }
    }))
    await app.ready()
    const classifier = createClassifier(loadRules())
    const expected = { critical: 0, high: 0, medium: 0, low: 0 } as Record<string, number>
    for (const line of LINES) { const c = classifier.classify(line); if (c in expected) expected[c] = (expected[c] as number) + 1 }
    const out = await app.errorStats.countsSince(Date.now() - 300_000, Date.now())
    expect(out).toEqual({ counts: expected, complete: true })
    expect(Object.values(expected).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3)
    // The source narrows by every severity rule; noise is decided by the classifier.
    expect(new RE2(seen.at(-1)?.include as string).test('FATAL: database "tovplay" does not exist')).toBe(true)
    expect(seen.at(-1)?.exclude).toBeUndefined()
    await app.close()
  })

  it('takes errorStats from the source series when the lines reach the entry cap', async () => {
    const seen: SeriesQuery[] = []
    const app = await bareApp(fakeSource(async (q) => {
      seen.push(q)
      return { timestamps: [0, 1], values: Object.fromEntries(q.buckets.map((b, i) => [b.name, [i + 1, 10]])), complete: true, incompleteReasons: [] }
    }, async () => ({ complete: false, incompleteReasons: ['cap'], failedChunks: [], entries: 50_000 })))
    await app.ready()
    const out = await app.errorStats.countsSince(Date.now() - 300_000, Date.now())
    expect(out).toEqual({ counts: { critical: 11, high: 12, medium: 13, low: 14 }, complete: true })
    const q = seen.at(-1) as SeriesQuery
    expect(q.buckets.map((b) => b.name)).toEqual(['critical', 'high', 'medium', 'low'])
    expect(q.buckets[0]?.exclude).toBeUndefined()
    expect(q.buckets[1]?.exclude).toBeDefined()
    await expect(app.errorStats.countsSince(10, 5)).rejects.toThrow(/before/)
    await app.close()
  })

  it('fills the recent-errors gauge at start and exposes lines classified', async () => {
    const app = await bareApp(fakeSource())
    await app.ready()
    await vi.waitFor(async () => {
      const text = await app.metrics.registry.metrics()
      expect(text).toMatch(/tovwatch_errors_recent\{severity="critical"\} 1\n/)
      expect(text).toMatch(/tovwatch_errors_recent\{severity="high"\} 2\n/)
    })
    expect(await app.metrics.registry.metrics()).toMatch(/tovwatch_log_lines_classified_total\{severity="noise"\} 0/)
    await app.close()
  })
})

describe('recent errors job', () => {
  it('skips a tick while the previous run is still going, and stops', async () => {
    let calls = 0
    let release: (() => void) | undefined
    const stats: ErrorStats = {
      countsSince: async () => {
        calls++
        await new Promise<void>((resolve) => { release = resolve })
        return { counts: { critical: 0, high: 2, medium: 0, low: 0 }, complete: true }
      },
    }
    const registry = new Registry()
    const gauge = new Gauge({ name: 'g', help: 'g', labelNames: ['severity'] as const, registers: [registry] })
    const errors: Error[] = []
    const job = startRecentErrorsJob(stats, gauge, (e) => errors.push(e), 10)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(calls).toBe(1)
    release?.()
    await vi.waitFor(() => expect(calls).toBe(2))
    job.stop()
    release?.()
    const after = calls
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(calls).toBe(after)
    expect((await registry.getSingleMetric('g')?.get())?.values.find((v) => v.labels.severity === 'high')?.value).toBe(2)
    expect(errors).toEqual([])
  })

  it('reports a failing run and keeps going', async () => {
    const errors: Error[] = []
    const gauge = new Gauge({ name: 'g2', help: 'g', labelNames: ['severity'] as const, registers: [new Registry()] })
    const job = startRecentErrorsJob({ countsSince: async () => { throw new Error('loki down') } }, gauge, (e) => errors.push(e), 1000)
    await job.run()
    job.stop()
    expect(errors.map((e) => e.message)).toEqual(['loki down'])
  })
})
