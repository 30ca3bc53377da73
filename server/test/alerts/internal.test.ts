import type { FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createInternalChecks, spikeThreshold, type ErrorStats } from '../../src/alerts/checks.js'
import { internalFingerprint } from '../../src/alerts/internal.js'
import { createAlertMetrics } from '../../src/alerts/metrics.js'
import { createAlertSink, type InternalAlert } from '../../src/alerts/sink.js'
import { auth, buildTestApp, testConfig, type TestApp } from '../helpers/app.js'
import { createTestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { parseHash } from '../../../ui/src/url-state.js'
import { uiLink } from '../../src/alerts/links.js'
import { ALERTS_ONLY, waitFor } from './fixtures.js'

function fakeApp (kind: 'loki' | 'files', health: () => Promise<{ status: 'up' | 'down', message: string }>, errorStats?: ErrorStats) {
  const raised: Array<[string, InternalAlert]> = []
  const resolved: string[] = []
  const sink = createAlertSink(() => {})
  const app = {
    config: testConfig(),
    deps: { logSource: { kind, health } },
    log: { warn: () => {} },
    alertSink: { ...sink, raise: (k: string, a: InternalAlert) => { raised.push([k, a]); sink.raise(k, a) }, resolve: (k: string) => { resolved.push(k); sink.resolve(k) } },
    errorStats,
  }
  const registry = new Registry()
  const metrics = createAlertMetrics(registry, async () => ({}))
  return { app: app as unknown as FastifyInstance, raised, resolved, registry, metrics }
}

describe('Loki unreachable check', () => {
  it('raises TovWatchLokiUnreachable after 2 failed polls and resolves when Loki answers', async () => {
    let up = false
    const f = fakeApp('loki', async () => (up ? { status: 'up', message: 'ok' } : { status: 'down', message: 'connect ECONNREFUSED' }))
    const checks = createInternalChecks(f.app, f.metrics)
    await checks.checkLoki()
    expect(f.raised).toHaveLength(0)
    await checks.checkLoki()
    expect(f.raised[0]?.[1]).toMatchObject({ alertname: 'TovWatchLokiUnreachable', severity: 'high', view: 'errors' })
    expect(f.raised[0]?.[1].description).toContain('ECONNREFUSED')
    up = true
    await checks.checkLoki()
    expect(f.resolved).toContain('loki-unreachable')
  })
  it('does nothing for the file log source', async () => {
    const f = fakeApp('files', async () => ({ status: 'down', message: 'x' }))
    const checks = createInternalChecks(f.app, f.metrics)
    await checks.checkLoki()
    await checks.checkLoki()
    expect(f.raised).toHaveLength(0)
  })
})

describe('error spike check', () => {
  const now = Date.parse('2026-11-22T02:02:00Z')
  function stats (current: number, baseline: number, complete = true): ErrorStats {
    return {
      countsSince: async (start, end) => {
        const isCurrent = end === now
        const n = isCurrent ? current : baseline
        return { counts: { critical: Math.floor(n / 2), high: n - Math.floor(n / 2), medium: 1000, low: 1000 }, complete: isCurrent ? complete : true }
      },
    }
  }
  it('the threshold is 3x the median 5-minute window, never below the floor', () => {
    expect(spikeThreshold([0, 0, 0])).toBe(20)
    expect(spikeThreshold([10, 30, 20])).toBe(60)
  })
  it('raises against the baseline (MEDIUM/LOW ignored), sets the gauge, and resolves on a complete count', async () => {
    let s = stats(200, 30)
    const f = fakeApp('files', async () => ({ status: 'up', message: '' }))
    ;(f.app as unknown as { errorStats: ErrorStats }).errorStats = { countsSince: (a, b) => s.countsSince(a, b) }
    const checks = createInternalChecks(f.app, f.metrics, { now: () => now })
    await checks.checkSpike()
    expect(f.raised[0]?.[1]).toMatchObject({ alertname: 'TovWatchErrorSpike', severity: 'high' })
    expect(await f.registry.getSingleMetricAsString('tovwatch_error_spike')).toMatch(/tovwatch_error_spike 1/)
    s = stats(10, 30, false)
    await checks.checkSpike()
    expect(f.resolved).toHaveLength(0)
    s = stats(10, 30, true)
    await checks.checkSpike()
    expect(f.resolved).toEqual(['error-spike'])
    expect(await f.registry.getSingleMetricAsString('tovwatch_error_spike')).toMatch(/tovwatch_error_spike 0/)
  })
  it('stays quiet when the usual rate is high, and when errorStats does not exist', async () => {
    const f = fakeApp('files', async () => ({ status: 'up', message: '' }), stats(200, 100))
    await createInternalChecks(f.app, f.metrics, { now: () => now }).checkSpike()
    const g = fakeApp('files', async () => ({ status: 'up', message: '' }))
    await createInternalChecks(g.app, g.metrics, { now: () => now }).checkSpike()
    expect([...f.raised, ...g.raised]).toHaveLength(0)
  })
})

describe('links to the /logs/ UI', () => {
  const base = { publicUrl: 'https://tovwatch.example.com', basePath: '/logs' }
  it.each(['errors', 'database', 'connections', 'overview', 'alerts'])('the %s view, in the form the UI reads', (view) => {
    const link = uiLink(base, view)
    expect(link).toBe(`https://tovwatch.example.com/logs/#/${view}`)
    expect(parseHash(new URL(link).hash).view).toBe(view)
  })
  it('a view the UI does not have (there is no health view) links to the overview', () => {
    expect(uiLink(base, 'health')).toBe('https://tovwatch.example.com/logs/#/overview')
  })
  it('parameters are encoded, empty ones left out', () => {
    const link = uiLink(base, 'errors', { range: '6h', sev: 'critical', q: 'a&b c', group: '' })
    expect(parseHash(new URL(link).hash)).toMatchObject({ view: 'errors', range: '6h', minSeverity: 'critical', q: 'a&b c', group: '' })
  })
})

describe('internal alerts through the pipeline (embedded PGlite)', () => {
  let t: TestApp | undefined
  afterEach(async () => { await t?.close(); t = undefined })

  it('become alerts with source="tovwatch", deduplicated, and resolved', async () => {
    t = await buildTestApp({ PUBLIC_URL: 'https://tovwatch.example.com' }, ALERTS_ONLY)
    const alert: InternalAlert = { alertname: 'TovWatchRowCollapse', severity: 'critical', labels: { table: 'players' }, summary: 'players went from 22 to 0 rows', description: 'd', view: 'database' }
    t.app.alertSink.raise('row-collapse:players', alert)
    t.app.alertSink.raise('row-collapse:players', alert)
    const fp = internalFingerprint('row-collapse:players')
    const events = async () => (await t!.deps.pg.store.query('SELECT e.kind FROM tw_alert_events e JOIN tw_alerts a ON a.id = e.alert_id WHERE a.fingerprint = $1 ORDER BY e.id', [fp])).rows.map((r) => r.kind)
    await waitFor(async () => (await events()).length === 1, 5000, 'the internal alert to be stored')
    const list = (await t.app.inject({ method: 'GET', url: '/logs/api/alerts?label=source=tovwatch', headers: auth() })).json()
    expect(list.alerts[0]).toMatchObject({ fingerprint: fp, source: 'tovwatch', severity: 'critical', alertname: 'TovWatchRowCollapse', generatorURL: 'https://tovwatch.example.com/logs/#/database' })
    expect(list.alerts[0].annotations.dashboard).toBe('https://tovwatch.example.com/logs/#/database')
    expect(parseHash(new URL(list.alerts[0].generatorURL).hash).view).toBe('database')
    expect(list.alerts[0].labels).toMatchObject({ source: 'tovwatch', table: 'players', severity: 'critical' })
    // Only a figure changed: the row takes it quietly, no event for every client.
    t.app.alertSink.raise('row-collapse:players', { ...alert, summary: 'players went from 22 to 1 rows' })
    await waitFor(() => t!.app.alerts.internal.queued() === 0, 5000, 'the new count to be written')
    const stored = async () => (await t!.deps.pg.store.query('SELECT annotations FROM tw_alerts WHERE fingerprint = $1', [fp])).rows[0]?.annotations.summary
    await waitFor(async () => (await stored()) === 'players went from 22 to 1 rows', 5000, 'the quiet update')
    expect(await events()).toEqual(['firing'])
    t.app.alertSink.raise('row-collapse:players', { ...alert, summary: 'players was truncated' })
    await waitFor(async () => (await events()).length === 2, 5000, 'the update')
    t.app.alertSink.resolve('row-collapse:players')
    await waitFor(async () => (await events()).includes('resolved'), 5000, 'the resolve')
    expect(await events()).toEqual(['firing', 'updated', 'resolved'])
  }, 120_000)
})

describe.skipIf(!(await have('postgres')))('internal alerts across a restart', () => {
  it('a still-true check continues its stored alert; one that cleared while TovWatch was down is resolved', async () => {
    const db = await createTestDatabase()
    const env = { DATABASE_URL: db.url }
    const stays: InternalAlert = { alertname: 'TovWatchStays', severity: 'high', labels: {}, summary: 's', description: 'd', view: 'database' }
    const clears: InternalAlert = { ...stays, alertname: 'TovWatchClears' }
    const rows = async (x: TestApp) => (await x.deps.pg.store.query('SELECT alertname, status, starts_at FROM tw_alerts ORDER BY alertname, id')).rows
    let first: TestApp | undefined = await buildTestApp(env, ALERTS_ONLY)
    let second: TestApp | undefined
    try {
      first.app.alertSink.raise('stays', stays)
      first.app.alertSink.raise('clears', clears)
      await waitFor(async () => (await rows(first as TestApp)).length === 2, 10_000, 'both alerts stored')
      await first.close()
      first = undefined
      second = await buildTestApp(env, ALERTS_ONLY)
      second.app.alertSink.raise('stays', stays)
      await waitFor(() => second?.app.alerts.internal.queued() === 0, 10_000, 'the re-raise to be written')
      second.app.alerts.internal.reconcile()
      await waitFor(async () => (await rows(second as TestApp)).some((r) => r.status === 'resolved'), 10_000, 'the cleared alert to resolve')
      const after = await rows(second)
      expect(after.map((r) => [r.alertname, r.status])).toEqual([['TovWatchClears', 'resolved'], ['TovWatchStays', 'firing']])
    } finally {
      await first?.close()
      await second?.close()
      await db.drop()
    }
  }, 120_000)
})
