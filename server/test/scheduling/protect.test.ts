import crypto from 'node:crypto'
import fs from 'node:fs'
import pg from 'pg'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPool } from '../../src/infra/postgres.js'
import { migrate } from '../../src/scheduling/migrate.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, PG_ADMIN_URL } from '../helpers/services.js'
import { adminHeaders } from './helpers.js'

const PROTECT_SQL = fs.readFileSync(new URL('../../sql/protect.sql', import.meta.url), 'utf8')
const urlAs = (dbUrl: string, user: string) => { const u = new URL(dbUrl); u.username = user; return u.toString() }

describe.skipIf(!(await have('postgres')))('server/sql/protect.sql on the real PostgreSQL', () => {
  let db: TestDatabase
  let owner: pg.Client
  let appRole: pg.Client
  let superRole: pg.Client
  const superName = `tw_test_super_${crypto.randomBytes(4).toString('hex')}`
  const asApp = (sql: string) => appRole.query(sql).then(() => 'ok', (e: Error) => e.message)

  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_protect')
    const pool = createPool(db.url, { max: 2, applicationName: 'test', statementTimeoutMs: 10_000 })
    await migrate(pool, pino({ level: 'silent' }))
    await pool.end()
    owner = new pg.Client({ connectionString: db.url })
    await owner.connect()
    await owner.query(PROTECT_SQL)
    await owner.query(PROTECT_SQL) // re-running is safe
    appRole = new pg.Client({ connectionString: urlAs(db.url, 'tovplay_app') })
    await appRole.connect()
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
    await admin.connect()
    await admin.query(`CREATE ROLE ${superName} LOGIN SUPERUSER`)
    await admin.end()
    superRole = new pg.Client({ connectionString: urlAs(db.url, superName) })
    await superRole.connect()
  })
  afterAll(async () => {
    await appRole?.end()
    await superRole?.end()
    await owner?.end()
    await db?.drop()
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
    await admin.connect()
    await admin.query(`DROP ROLE IF EXISTS ${superName}`)
    await admin.end()
  })

  it('lets the application role read and write rows', async () => {
    expect(await asApp('INSERT INTO games (name) VALUES (\'Chess\')')).toBe('ok')
    expect(await asApp('UPDATE games SET name = \'Chess 2\' WHERE name = \'Chess\'')).toBe('ok')
    expect(await asApp('INSERT INTO audit_log (actor, action, entity, entity_id) VALUES (\'t\', \'t\', \'games\', \'x\')')).toBe('ok')
    expect(await asApp('SELECT count(*) FROM audit_log')).toBe('ok')
    expect(await asApp('DELETE FROM games WHERE name = \'Chess 2\'')).toBe('ok')
  })

  it('keeps audit_log append-only for the application role', async () => {
    expect(await asApp('DELETE FROM audit_log')).toMatch(/permission denied for table audit_log/)
    expect(await asApp('UPDATE audit_log SET actor = \'x\'')).toMatch(/permission denied for table audit_log/)
  })

  it('refuses DROP, TRUNCATE, ALTER and CREATE to the application role', async () => {
    expect(await asApp('DROP TABLE players')).toMatch(/DROP TABLE refused for role tovplay_app/)
    expect(await asApp('DROP TABLE IF EXISTS audit_log CASCADE')).toMatch(/refused for role tovplay_app/)
    expect(await asApp('TRUNCATE players')).toMatch(/permission denied for table players/)
    expect(await asApp('ALTER TABLE players ADD COLUMN x int')).toMatch(/must be owner of table players/)
    expect(await asApp('ALTER TABLE sessions DROP CONSTRAINT sessions_duration')).toMatch(/must be owner/)
    expect(await asApp('CREATE TABLE mine (id int)')).toMatch(/permission denied for schema public/)
    const tables = await owner.query('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = \'public\'')
    expect(tables.rows[0].n).toBe(13)
  })

  it('refuses DROP TABLE and TRUNCATE even to a superuser who is not the owner', async () => {
    const drop = await superRole.query('DROP TABLE sessions CASCADE').then(() => 'ok', (e: Error) => e.message)
    expect(drop).toMatch(new RegExp(`DROP TABLE refused for role ${superName}`))
    const trunc = await superRole.query('TRUNCATE audit_log').then(() => 'ok', (e: Error) => e.message)
    expect(trunc).toMatch(new RegExp(`TRUNCATE audit_log refused for role ${superName}: only the owner \\(postgres\\)`))
    const schema = await superRole.query('DROP SCHEMA public CASCADE').then(() => 'ok', (e: Error) => e.message)
    expect(schema).toMatch(/DROP SCHEMA refused/)
  })

  it('still lets the owner truncate and drop', async () => {
    await owner.query('TRUNCATE idempotency_keys')
    await owner.query('CREATE TABLE scratch (id int)')
    await owner.query('DROP TABLE scratch')
    const r = await owner.query('SELECT to_regclass(\'public.scratch\') AS t')
    expect(r.rows[0].t).toBeNull()
  })

  it('runs the API as the application role', async () => {
    const t = await buildTestApp({ DATABASE_URL: urlAs(db.url, 'tovplay_app') }, { parts: { errors: false, database: false, alerts: false, web: false } })
    try {
      const res = await t.app.inject({ method: 'POST', url: '/api/players', headers: adminHeaders(), payload: { displayName: 'Least privilege', timeZone: 'Asia/Jerusalem' } })
      expect(res.statusCode, res.body).toBe(201)
      const health = await t.app.inject({ method: 'GET', url: '/logs/api/health' })
      expect(health.json().dependencies.scheduling).toMatchObject({ status: 'up' })
    } finally {
      await t.close()
    }
  })
})
