import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateAlertStore } from '../../src/alerts/migrate.js'
import { createAlertStore, type AlertStore } from '../../src/alerts/store.js'
import type { AlertInput } from '../../src/alerts/types.js'
import { createPool } from '../../src/infra/postgres.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'

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
})
