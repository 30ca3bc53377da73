import { afterEach, describe, expect, it } from 'vitest'
import { createConnectionsHistory } from '../../src/database/history.js'
import { auth, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, REDIS_URL } from '../helpers/services.js'
import { alertNames, buildWatchApp, CORE_SCHEMA, probe, sql } from './helpers/watch.js'

const sample = (t: number, total: number) => ({ t, active: 1, idle: total - 1, idleInTx: 0, other: 0, total, max: 100 })

describe('connection history in memory', () => {
  it('keeps 24 h at probe resolution as column arrays, one sample per slot, oldest first', async () => {
    const h = createConnectionsHistory({ kv: undefined, namespace: 'x', slotMs: 15_000, onError: () => {} })
    const now = Date.now()
    const start = now - 24 * 3600_000
    for (let t = start; t <= now; t += 15_000) h.add(sample(t, 5))
    h.add(sample(now + 1, 9)) // same slot as the last one: replaces it
    const c = h.columns()
    expect(c.timestamps.length).toBe(24 * 240 + 1)
    expect(c.timestamps[0]).toBeLessThanOrEqual(start)
    expect(c.total.at(-1)).toBe(9)
    expect(c.timestamps).toEqual([...c.timestamps].sort((a, b) => a - b))
    expect(Object.keys(c).sort()).toEqual(['active', 'idle', 'idle_in_transaction', 'maxConnections', 'other', 'timestamps', 'total'])
    // Older than 25 h is dropped.
    h.add(sample(now + 2 * 3600_000, 3))
    expect(h.columns().timestamps[0]).toBeGreaterThan(start)
    await h.close()
  })
})

let t: TestApp[] = []
let db: TestDatabase | undefined
afterEach(async () => {
  for (const x of t) await x.close()
  t = []
  await db?.drop()
  db = undefined
})

describe.skipIf(!(await have('postgres', 'redis')))('connection history in Redis', () => {
  it('is shared by instances and survives a restart', async () => {
    db = await createTestDatabase('tw_dbw')
    // A TovPlay table confirms the database (an unverified one gets no history).
    await sql(db.url, CORE_SCHEMA)
    const env = { DATABASE_URL: db.url, REDIS_URL, PROBE_INTERVAL_S: '1' }
    const a = await buildWatchApp(env)
    t.push(a)
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1050))
      await probe(a)
    }
    const fromA = a.app.databaseWatch.history.columns()
    expect(fromA.timestamps.length).toBeGreaterThanOrEqual(3)
    await a.close()
    t = []
    const b = await buildWatchApp({ ...env, PROBE_INTERVAL_S: '3600' })
    t.push(b)
    const res = (await b.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth() })).json()
    for (const ts of fromA.timestamps) expect(res.history.timestamps).toContain(ts)
  })

  it('keeps working in memory when Redis is unreachable', async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, CORE_SCHEMA)
    const x = await buildWatchApp({ DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1' })
    t.push(x)
    await probe(x)
    expect(x.app.databaseWatch.history.columns().timestamps.length).toBeGreaterThanOrEqual(1)
  })
})

describe.skipIf(!(await have('postgres', 'redis')))('guard state in Redis', () => {
  it('still sees a collapse that happened while TovWatch was restarting', async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, CORE_SCHEMA + "INSERT INTO \"User\" (email) SELECT 'u' || g FROM generate_series(1, 22) g")
    const env = { DATABASE_URL: db.url, REDIS_URL }
    const before = await buildWatchApp(env)
    await probe(before)
    await before.close()
    await sql(db.url, 'DELETE FROM "User"')
    const after = await buildWatchApp(env)
    t.push(after)
    const s = await probe(after)
    expect(s.guards.find((g) => g.table === 'User')).toMatchObject({ status: 'collapsed', before: 22, after: 0 })
    expect(alertNames(after)).toContain('TovWatchRowCollapse')
  })
})
