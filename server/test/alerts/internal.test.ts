import { afterEach, describe, expect, it } from 'vitest'
import { internalFingerprint } from '../../src/alerts/internal.js'
import type { InternalAlert } from '../../src/alerts/sink.js'
import { auth, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { parseHash } from '../../../ui/src/url-state.js'
import { uiLink } from '../../src/alerts/links.js'
import { ALERTS_ONLY, waitFor } from './fixtures.js'

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
