import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { internalFingerprint } from '../../src/alerts/internal.js'
import type { InternalAlert } from '../../src/alerts/sink.js'
import { migrateAlertStore } from '../../src/alerts/migrate.js'
import { createAlertStore, type AlertStore } from '../../src/alerts/store.js'
import type { AlertInput } from '../../src/alerts/types.js'
import { createPool } from '../../src/infra/postgres.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, waitFor } from './fixtures.js'

let n = 0
const input = (over: Partial<AlertInput> = {}): AlertInput => ({
  fingerprint: `fp-${process.pid}-${++n}`,
  status: 'firing',
  labels: { alertname: 'StoreTest', severity: 'high' },
  annotations: { summary: 'something broke' },
  startsAt: '2026-11-22T01:00:00.000Z',
  endsAt: null,
  generatorURL: null,
  source: 'alertmanager',
  ...over,
})

describe.skipIf(!(await have('postgres')))('alert store on the real PostgreSQL', () => {
  let db: TestDatabase
  let pool: ReturnType<typeof createPool>
  let store: AlertStore
  beforeAll(async () => {
    db = await createTestDatabase()
    pool = createPool(db.url, { max: 4, applicationName: 'test', statementTimeoutMs: 5000 })
    await migrateAlertStore(pool, () => {})
    store = createAlertStore(pool)
  })
  afterAll(async () => { await pool.end(); await db.drop() })

  const rows = async (fingerprint: string) => (await pool.query<{ status: string, starts_at: Date, ends_at: Date | null }>(
    'SELECT status, starts_at, ends_at FROM tw_alerts WHERE fingerprint = $1 ORDER BY starts_at', [fingerprint])).rows
  const kinds = async (fingerprint: string) => (await pool.query<{ kind: string }>(
    'SELECT e.kind FROM tw_alert_events e JOIN tw_alerts a ON a.id = e.alert_id WHERE a.fingerprint = $1 ORDER BY e.id', [fingerprint])).rows.map((r) => r.kind)

  it('a late or duplicate "firing" for the same (fingerprint, startsAt) never reopens a resolved alert', async () => {
    const a = input()
    await store.write([a])
    const resolved = { ...a, status: 'resolved' as const, endsAt: '2026-11-22T01:05:00.000Z' }
    expect(await store.write([resolved])).toHaveLength(1)
    // Redelivered late, alone and in a batch; also with changed text.
    expect(await store.write([a])).toEqual([])
    expect(await store.write([{ ...a, annotations: { summary: 'other text' } }, input()])).toHaveLength(1)
    expect(await rows(a.fingerprint)).toEqual([{ status: 'resolved', starts_at: new Date(a.startsAt), ends_at: new Date('2026-11-22T01:05:00.000Z') }])
    expect(await kinds(a.fingerprint)).toEqual(['firing', 'resolved'])
    // A new incident has a new startsAt, and fires.
    const again = await store.write([{ ...a, startsAt: '2026-11-22T02:00:00.000Z' }])
    expect(again.map((e) => e.kind)).toEqual(['firing'])
    expect((await rows(a.fingerprint)).map((r) => r.status)).toEqual(['resolved', 'firing'])
  })

  it('an internal alert whose text changes only in its figures updates the row quietly: no event, no newer updated_at', async () => {
    const a = input({ source: 'tovwatch', labels: { alertname: 'TovWatchLokiUnreachable', severity: 'high', source: 'tovwatch' }, annotations: { summary: 'Loki is unreachable', description: 'Failed 2 probes in a row (every 15s), 12.5 % lost' } })
    expect((await store.write([a])).map((e) => e.kind)).toEqual(['firing'])
    const before = (await pool.query('SELECT updated_at FROM tw_alerts WHERE fingerprint = $1', [a.fingerprint])).rows[0]?.updated_at
    const counted = { ...a, annotations: { ...a.annotations, description: 'Failed 3 probes in a row (every 15s), 7.25 % lost' } }
    expect(await store.write([counted])).toEqual([])
    const row = (await pool.query('SELECT annotations, updated_at FROM tw_alerts WHERE fingerprint = $1', [a.fingerprint])).rows[0]
    expect(row?.annotations.description).toBe('Failed 3 probes in a row (every 15s), 7.25 % lost')
    expect(row?.updated_at).toEqual(before)
    // A change in words is an event, and so is the resolve.
    expect((await store.write([{ ...counted, annotations: { ...counted.annotations, description: 'Failed 4 probes: connection refused' } }])).map((e) => e.kind)).toEqual(['updated'])
    expect((await store.write([{ ...counted, status: 'resolved', endsAt: '2026-11-22T01:30:00.000Z' }])).map((e) => e.kind)).toEqual(['resolved'])
    expect(await kinds(a.fingerprint)).toEqual(['firing', 'updated', 'resolved'])
  })

  it('an Alertmanager alert\'s changed figures are still an update (Prometheus sends them on purpose)', async () => {
    const a = input({ annotations: { summary: 'Connections at 81%' } })
    await store.write([a])
    expect((await store.write([{ ...a, annotations: { summary: 'Connections at 93%' } }])).map((e) => e.kind)).toEqual(['updated'])
  })

  it('two stores (two instances) writing the same internal alert with their own start times keep one row', async () => {
    const other = createPool(db.url, { max: 2, applicationName: 'test-b', statementTimeoutMs: 5000 })
    try {
      const storeB = createAlertStore(other)
      const fingerprint = `tw-${process.pid}-${++n}`
      const own = (startsAt: string, description = 'd') => input({ fingerprint, source: 'tovwatch', startsAt, annotations: { summary: 's', description }, labels: { alertname: 'TovWatchTwice', severity: 'high', source: 'tovwatch' } })
      // At the same moment, over and over: the writer lock decides which start time wins; there is one row.
      for (let i = 0; i < 10; i++) {
        await Promise.all([store.write([own(`2026-11-22T01:00:0${i}.000Z`, `a ${'x'.repeat(i)}`)]), storeB.write([own(`2026-11-22T01:00:0${i}.500Z`, `b ${'x'.repeat(i)}`)])])
      }
      expect((await rows(fingerprint)).map((r) => r.status)).toEqual(['firing'])
      // Deterministically: A has written but not committed when B starts; B must read A's row after the lock.
      const late = `tw-${process.pid}-${++n}`
      const c = await pool.connect()
      try {
        await c.query('BEGIN')
        await store.writeWith(c, [{ ...own('2026-11-22T03:00:00.000Z'), fingerprint: late }])
        const pending = storeB.write([{ ...own('2026-11-22T03:00:01.000Z'), fingerprint: late }])
        await new Promise((resolve) => setTimeout(resolve, 300))
        await c.query('COMMIT')
        expect(await pending).toEqual([])
      } finally {
        c.release()
      }
      expect((await rows(late)).map((r) => r.starts_at.toISOString())).toEqual(['2026-11-22T03:00:00.000Z'])
      expect((await kinds(fingerprint))[0]).toBe('firing')
      expect((await kinds(fingerprint)).filter((k) => k === 'firing')).toHaveLength(1)
      // A resolves it; B's own resolve, later, changes nothing.
      expect((await store.write([{ ...own('2026-11-22T01:00:00.000Z'), status: 'resolved', endsAt: '2026-11-22T01:10:00.000Z' }])).map((e) => e.kind)).toEqual(['resolved'])
      expect(await storeB.write([{ ...own('2026-11-22T01:00:00.500Z'), status: 'resolved', endsAt: '2026-11-22T01:11:00.000Z' }])).toEqual([])
      expect((await rows(fingerprint)).map((r) => [r.status, r.ends_at?.toISOString()])).toEqual([['resolved', '2026-11-22T01:10:00.000Z']])
    } finally {
      await other.end()
    }
  })

  it('two TovWatch instances raising the same check store one alert, with one firing and one resolved event', async () => {
    const apps: TestApp[] = []
    try {
      apps.push(await buildTestApp({ DATABASE_URL: db.url }, ALERTS_ONLY), await buildTestApp({ DATABASE_URL: db.url }, ALERTS_ONLY))
      const [a, b] = apps as [TestApp, TestApp]
      const check: InternalAlert = { alertname: 'TovWatchLokiUnreachable', severity: 'high', labels: {}, summary: 'Loki is unreachable', description: 'TovWatch could not reach Loki for 2 probes in a row', view: 'errors' }
      const fp = internalFingerprint('two-instances')
      a.app.alertSink.raise('two-instances', check)
      await waitFor(async () => (await rows(fp)).length === 1, 10_000, 'instance A to store the alert')
      await new Promise((resolve) => setTimeout(resolve, 5))
      b.app.alertSink.raise('two-instances', check)
      // The counter goes up on both: quiet updates.
      a.app.alertSink.raise('two-instances', { ...check, description: 'TovWatch could not reach Loki for 3 probes in a row' })
      b.app.alertSink.raise('two-instances', { ...check, description: 'TovWatch could not reach Loki for 4 probes in a row' })
      await waitFor(() => a.app.alerts.internal.queued() === 0 && b.app.alerts.internal.queued() === 0, 10_000, 'both instances to write')
      expect((await rows(fp)).map((r) => r.status)).toEqual(['firing'])
      b.app.alertSink.resolve('two-instances')
      a.app.alertSink.resolve('two-instances')
      await waitFor(async () => (await rows(fp))[0]?.status === 'resolved', 10_000, 'the resolve')
      await waitFor(() => a.app.alerts.internal.queued() === 0 && b.app.alerts.internal.queued() === 0, 10_000, 'both resolves to be written')
      expect((await rows(fp)).map((r) => r.status)).toEqual(['resolved'])
      expect(await kinds(fp)).toEqual(['firing', 'resolved'])
    } finally {
      for (const t of apps) await t.close()
    }
  }, 60_000)
})
