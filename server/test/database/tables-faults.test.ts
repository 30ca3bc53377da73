import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { auth, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { runProbe } from '../../src/database/probe.js'
import { have, PG_ADMIN_URL } from '../helpers/services.js'
import { buildWatchApp, CORE_SCHEMA, probe, sql, until } from './helpers/watch.js'

let db: TestDatabase
let t: TestApp | undefined

const HOSTILE = ['it\'s "quoted"', 'with space', 'שחקנים', '"; DROP TABLE players; --', 'Robert\'); DROP TABLE games;--', 'UPPER lower', '%I%s$1']
const q = (s: string) => '"' + s.replace(/"/g, '""') + '"'

describe.skipIf(!(await have('postgres')))('table probe faults', () => {
  beforeEach(async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, CORE_SCHEMA + "INSERT INTO players (name) SELECT 'p' || g FROM generate_series(1, 12) g")
  })
  afterEach(async () => { await t?.close(); t = undefined; await db.drop() })

  it('counts tables with hostile names (quotes, spaces, unicode, SQL) correctly, watched or not', async () => {
    await sql(db.url, 'CREATE SCHEMA "odd schema.x"')
    for (const [i, name] of HOSTILE.entries()) {
      await sql(db.url, `CREATE TABLE ${q(name)} (id int); INSERT INTO ${q(name)} SELECT generate_series(1, ${i + 1})`)
      await sql(db.url, `CREATE TABLE "odd schema.x".${q(name)} (id int); INSERT INTO "odd schema.x".${q(name)} SELECT generate_series(1, ${i + 10})`)
    }
    const watched = [...HOSTILE.map((n) => n), 'odd schema.x.with space', 'players'].filter((n) => !n.includes(','))
    t = await buildWatchApp({ DATABASE_URL: db.url, WATCHED_TABLES: watched.join(',') })
    const s = await probe(t)
    expect(s.probe?.identity.message).toBeDefined()
    for (const [i, name] of HOSTILE.entries()) {
      const pub = s.tables.find((x) => x.schema === 'public' && x.name === name)
      expect(pub, name).toMatchObject({ rows: i + 1, rowsExact: true, watched: true })
      const odd = s.tables.find((x) => x.schema === 'odd schema.x' && x.name === name)
      expect(odd, name).toMatchObject({ watched: name === 'with space', schema: 'odd schema.x' })
    }
    expect(s.tables.find((x) => x.schema === 'odd schema.x' && x.name === 'with space')).toMatchObject({ rows: 11, rowsExact: true, watched: true })
    // Nothing was dropped by a name.
    expect((await sql(db.url, 'SELECT count(*)::int AS n FROM players')).rows[0].n).toBe(12)
    expect((await sql(db.url, "SELECT to_regclass('public.games') IS NOT NULL AS ok")).rows[0].ok).toBe(true)
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })
    expect(res.statusCode).toBe(200)
    expect(res.json().tables.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(HOSTILE))
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toContain('tovwatch_pg_table_rows{table="it\'s \\"quoted\\""} 1')
  })

  it('reports a locked watched table as "count unavailable" and finishes the rest of the probe', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    const locker = new pg.Client({ connectionString: db.url })
    await locker.connect()
    try {
      await locker.query('BEGIN; LOCK TABLE players IN ACCESS EXCLUSIVE MODE')
      const started = performance.now()
      const s = await probe(t)
      // lock_timeout, not the statement timeout (4 s) or a hang, ends the wait.
      expect(performance.now() - started).toBeLessThan(3000)
      expect(s.probe?.identity.ok).toBe(true)
      const players = s.tables.find((x) => x.name === 'players')
      expect(players?.exactRows).toBeNull()
      expect(players?.exactUnavailable).toContain('locked')
      expect(players?.totalBytes).toBeNull()
      // The guard does not take a missing count for a collapse.
      expect(s.guards.find((g) => g.table === 'players')?.status).toBe('ok')
      expect(s.tables.find((x) => x.name === 'User')).toMatchObject({ rowsExact: true, rows: 0 })
      expect(s.probe?.connections?.waitingOnLocks).toBe(0)
    } finally {
      await locker.query('ROLLBACK')
      await locker.end()
    }
    const after = await probe(t)
    expect(after.tables.find((x) => x.name === 'players')).toMatchObject({ rows: 12, rowsExact: true, exactUnavailable: null })
  })
  it('does not take a lock in another database on a table with the same oid for a lock here', async () => {
    // A database created from this one as its template has the same table oids.
    const copy = `${db.name}_copy`
    await sql(PG_ADMIN_URL, `CREATE DATABASE "${copy}" TEMPLATE "${db.name}"`)
    const u = new URL(db.url)
    u.pathname = '/' + copy
    const locker = new pg.Client({ connectionString: u.toString() })
    try {
      const oids = async (url: string) => (await sql(url, "SELECT 'players'::regclass::oid::int8 AS oid")).rows[0].oid
      expect(await oids(u.toString())).toBe(await oids(db.url))
      t = await buildWatchApp({ DATABASE_URL: db.url })
      await locker.connect()
      await locker.query('BEGIN; LOCK TABLE players IN ACCESS EXCLUSIVE MODE')
      const s = await probe(t)
      expect(s.tables.find((x) => x.name === 'players')).toMatchObject({ rows: 12, rowsExact: true, exactUnavailable: null })
      expect(s.tables.find((x) => x.name === 'players')?.totalBytes).toBeGreaterThan(0)
    } finally {
      await locker.end().catch(() => {})
      await sql(PG_ADMIN_URL, `DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`)
    }
  })
  describe('when the batch count fails and each table is counted on its own', () => {
    // The pre-check sees ACCESS EXCLUSIVE locks on the tables it lists, not that counting a
    // partitioned table also locks its partitions: a migration holding one partition makes
    // the batch count wait, so the probe falls back to counting table by table.
    const PARTITIONED = `
      CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
      CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      INSERT INTO events SELECT g, date '2025-06-01' + g FROM generate_series(1, 300) g;`
    let locker: pg.Client
    beforeEach(async () => {
      await sql(db.url, PARTITIONED)
      // The partitions' statistics are what an uncounted partitioned table shows: wait until they are flushed.
      await until(async () => Number((await sql(db.url, "SELECT sum(n_live_tup) AS n FROM pg_stat_user_tables WHERE relname LIKE 'events\\_%'")).rows[0].n) === 300 || undefined, 5000)
      locker = new pg.Client({ connectionString: db.url })
      await locker.connect()
    })
    afterEach(async () => { await locker.query('ROLLBACK').catch(() => {}); await locker.end() })

    it('reports the lock_timeout (55P03) of the locked table and still counts the others', async () => {
      t = await buildWatchApp({ DATABASE_URL: db.url, WATCHED_TABLES: 'events,players' })
      expect((await probe(t)).tables.find((x) => x.name === 'events')).toMatchObject({ rows: 300, rowsExact: true })
      await locker.query('BEGIN; LOCK TABLE events_2026 IN ACCESS EXCLUSIVE MODE')
      const started = performance.now()
      const s = await probe(t)
      // Two waits of lock_timeout (250 ms: the batch, then the table alone), not the 4 s statement timeout.
      expect(performance.now() - started).toBeLessThan(3000)
      expect(s.probe?.identity.ok).toBe(true)
      const events = s.tables.find((x) => x.name === 'events')
      // Not counted, so the estimate: the sum over its partitions, not the 0 a partitioned table keeps itself.
      expect(events).toMatchObject({ rows: 300, exactRows: null, rowsExact: false, exactUnavailable: 'the table is locked (waited 250 ms): estimate shown' })
      expect(s.tables.find((x) => x.name === 'players')).toMatchObject({ rows: 12, rowsExact: true, exactUnavailable: null })
      // The partition itself is not watched, and the rest of the probe finished.
      expect(s.tables.find((x) => x.name === 'events_2026')).toMatchObject({ watched: false, totalBytes: null })
      expect(s.probe?.connections?.total).toBeGreaterThanOrEqual(1)
      expect(s.guards.find((g) => g.table === 'events')?.status).toBe('ok')
      await locker.query('ROLLBACK')
      expect((await probe(t)).tables.find((x) => x.name === 'events')).toMatchObject({ rows: 300, rowsExact: true, exactUnavailable: null })
    })

    it('reports the statement timeout (57014) when the count runs longer than allowed', async () => {
      await locker.query('BEGIN; LOCK TABLE events_2026 IN ACCESS EXCLUSIVE MODE')
      const pool = new pg.Pool({ connectionString: db.url, max: 1 })
      try {
        // A statement timeout shorter than the lock timeout ends the wait: the count ran too long.
        const r = await runProbe(pool, {
          expectedDatabase: db.name,
          embedded: false,
          exactCountMaxRows: 100_000,
          watched: () => new Set(['events', 'players']),
          countLockTimeoutMs: 5000,
          countStatementTimeoutMs: 300,
        })
        expect(r.identity.ok).toBe(true)
        expect(r.durationMs).toBeLessThan(4000)
        expect(r.tables?.find((x) => x.name === 'events')).toMatchObject({ exactRows: null, exactUnavailable: 'the count took longer than 300 ms: estimate shown' })
        expect(r.tables?.find((x) => x.name === 'players')).toMatchObject({ exactRows: 12, exactUnavailable: null })
        expect(r.connections).not.toBeNull()
        // The probe's connection went back to the pool in a usable state.
        expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1)
      } finally {
        await pool.end()
      }
    })
  })
})
