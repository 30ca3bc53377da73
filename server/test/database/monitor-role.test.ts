import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pgErrorCode } from '../../src/infra/postgres.js'
import { ADMIN_TOKEN, auth, type TestApp } from '../helpers/app.js'
import { havePgBin, pgBin } from './helpers/pgbin.js'
import { have } from '../helpers/services.js'
import { startPrivateCluster, type PrivateCluster } from './helpers/cluster.js'
import { buildWatchApp, CORE_SCHEMA, probe, sql } from './helpers/watch.js'

const run = promisify(execFile)
const SCRIPT = path.resolve('server/sql/monitor-role.sql')
const PASSWORD = 'monitor-secret-123'

let cluster: PrivateCluster
let t: TestApp | undefined

const psql = () => path.join(pgBin(), 'psql')

async function applyScript (extra: string[] = []) {
  return await run(psql(), [cluster.url('TovPlay'), '-X', '-q', '-v', `monitor_password=${PASSWORD}`, ...extra, '-f', SCRIPT])
}

async function asMonitor<T> (fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: cluster.url('TovPlay', 'tovwatch_monitor', PASSWORD) })
  await c.connect()
  try { return await fn(c) } finally { await c.end() }
}

// Roles are cluster-wide: this runs on a private cluster, not the shared one.
describe.skipIf(!(await have('postgres')) || !havePgBin())('server/sql/monitor-role.sql', () => {
  beforeAll(async () => {
    cluster = await startPrivateCluster()
    await sql(cluster.url(), 'CREATE DATABASE "TovPlay"')
    await sql(cluster.url('TovPlay'), CORE_SCHEMA + "INSERT INTO \"User\" (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 22) g")
    await applyScript()
    await applyScript() // idempotent
  })
  afterAll(async () => { await cluster?.destroy() })
  afterEach(async () => { await t?.close(); t = undefined })

  it('refuses to run without a password variable, and keeps the password out of the file', async () => {
    const r = await run(psql(), [cluster.url('TovPlay'), '-X', '-q', '-f', SCRIPT])
    expect(r.stdout).toContain('Set the password')
    const { readFile } = await import('node:fs/promises')
    expect(await readFile(SCRIPT, 'utf8')).not.toMatch(/PASSWORD\s+'[^']/)
  })

  it('cannot read rows or write, but reads every backend in pg_stat_activity', async () => {
    const other = new pg.Client({ connectionString: cluster.url('TovPlay'), application_name: 'someone-else' })
    await other.connect()
    try {
      await other.query("SELECT 'visible query text'")
      await asMonitor(async (c) => {
        await expect(c.query('SELECT email FROM "User"')).rejects.toMatchObject({ code: '42501' })
        const write = await c.query('CREATE TABLE tw_x (id int)').catch((err: unknown) => err)
        expect(pgErrorCode(write)).toBe('25006')
        const rows = (await c.query("SELECT query FROM pg_stat_activity WHERE application_name = 'someone-else'")).rows
        expect(rows[0]?.query).toBe("SELECT 'visible query text'")
        expect((await c.query('SELECT tovwatch.row_count(\'"User"\'::regclass)::int AS n')).rows[0].n).toBe(22)
        await expect(c.query("SELECT tovwatch.row_count('pg_authid'::regclass)")).rejects.toMatchObject({ code: '42501' })
      })
    } finally {
      await other.end()
    }
  })

  it('gives TovWatch exact counts of watched tables through the role', async () => {
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), MONITOR_DATABASE_URL: cluster.url('TovPlay', 'tovwatch_monitor', PASSWORD) })
    const s = await probe(t)
    expect(s.probe?.identity.ok).toBe(true)
    expect(s.tables.find((x) => x.name === 'User')).toMatchObject({ rows: 22, rowsExact: true })
    expect(s.probe?.connections?.total).toBeGreaterThanOrEqual(1)
  })

  it('falls back to the estimate, and says why, when the count function is not installed', async () => {
    await sql(cluster.url('TovPlay'), 'ANALYZE "User"; DROP FUNCTION tovwatch.row_count(regclass)')
    try {
      t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), MONITOR_DATABASE_URL: cluster.url('TovPlay', 'tovwatch_monitor', PASSWORD) })
      const s = await probe(t)
      const user = s.tables.find((x) => x.name === 'User')
      expect(user).toMatchObject({ rows: 22, rowsExact: false, exactRows: null })
      expect(user?.exactUnavailable).toContain('may not count this table')
      expect(s.guards.find((g) => g.table === 'User')?.status).toBe('ok')
    } finally {
      await applyScript()
    }
  })

  it('grants pg_signal_backend only when allow_terminate is on: off and unset revoke it, a bad value stops the script', async () => {
    const member = async () => (await sql(cluster.url('TovPlay'), "SELECT pg_has_role('tovwatch_monitor', 'pg_signal_backend', 'MEMBER') AS m")).rows[0].m
    try {
      await applyScript(['-v', 'allow_terminate=on'])
      expect(await member()).toBe(true)
      await applyScript(['-v', 'allow_terminate=off'])
      expect(await member()).toBe(false)
      await applyScript(['-v', 'allow_terminate=true'])
      expect(await member()).toBe(true)
      await applyScript()
      expect(await member()).toBe(false)
      await applyScript(['-v', 'allow_terminate=yes'])
      const bad = await applyScript(['-v', 'allow_terminate=maybe']).catch((err: unknown) => err as { code: number, stderr: string })
      expect(bad).toMatchObject({ code: 3 })
      expect((bad as { stderr: string }).stderr).toContain('invalid input syntax for type boolean: "maybe"')
      // It stopped before changing anything.
      expect(await member()).toBe(true)
    } finally {
      await applyScript()
    }
  })

  it('may terminate idle connections only with allow_terminate (pg_signal_backend)', async () => {
    await sql(cluster.url(), 'CREATE ROLE tovplay LOGIN')
    const idle = new pg.Client({ connectionString: cluster.url('TovPlay', 'tovplay'), application_name: 'tovplay-idle' })
    idle.on('error', () => {})
    await idle.connect()
    try {
      t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), MONITOR_DATABASE_URL: cluster.url('TovPlay', 'tovwatch_monitor', PASSWORD), ALLOW_TERMINATE_IDLE: 'true' })
      const req = { method: 'POST' as const, url: '/logs/api/connections/terminate-idle', headers: auth(ADMIN_TOKEN), payload: { idleMinutes: 0, dryRun: false } }
      const denied = await t.app.inject(req)
      expect(denied.statusCode).toBe(403)
      expect(denied.json().message).toContain('pg_signal_backend')
      await applyScript(['-v', 'allow_terminate=on'])
      const ok = await t.app.inject(req)
      expect(ok.statusCode).toBe(200)
      expect(ok.json().connections).toEqual([expect.objectContaining({ application: 'tovplay-idle', terminated: true })])
    } finally {
      await idle.end().catch(() => {})
      await applyScript()
    }
  })
})
