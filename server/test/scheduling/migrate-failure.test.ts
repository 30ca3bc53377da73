import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from '../../src/scheduling/migrate.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'

describe.skipIf(!(await have('postgres')))('scheduling migrations that fail', () => {
  let db: TestDatabase
  beforeAll(async () => { db = await createTestDatabase('tw_sched_migfail') })
  afterAll(async () => { await db?.drop() })

  it('say which migration failed and leave no pooled connection inside the aborted transaction', async () => {
    // A table in the way: the first migration's CREATE TABLE players fails inside its transaction.
    const setup = new pg.Client({ connectionString: db.url })
    await setup.connect()
    await setup.query('CREATE TABLE players (id int)')
    await setup.end()

    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    try {
      await expect(migrate(pool, { info: () => {}, warn: () => {} })).rejects.toThrow(/migration\(s\) pending .*1763769600000_schema.* failed: .*players/)
      // The pool's only connection must still answer: a connection handed back in an aborted
      // transaction would fail every later query with "current transaction is aborted".
      const { rows } = await pool.query<{ one: number, tx: string }>('SELECT 1 AS one, now()::text AS tx')
      expect(rows[0]?.one).toBe(1)
      const again = await pool.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()')
      expect(again.rows[0]?.state).toBe('active')
    } finally {
      await pool.end()
    }
  })
})
