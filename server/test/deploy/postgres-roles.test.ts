import crypto from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { have } from '../helpers/services.js'
import { havePgBin, pgBin } from '../database/helpers/pgbin.js'
import { ROOT } from './expressions.js'
import { freePort, start, waitFor, type Proc } from './procs.js'

const INIT = path.join(ROOT, 'deploy/postgres/initdb/10-tovwatch-roles.sh')
const MIGRATE = path.join(ROOT, 'deploy/migrate.sh')

/**
 * The database side of the compose stack on a PRIVATE PostgreSQL cluster (the installed
 * server: PG_BIN, or the newest /usr/lib/postgresql/<version>/bin) (roles are
 * cluster-wide: never on the shared one), passwords checked (SCRAM) as in the postgres image:
 * the init script (with server/sql/monitor-role.sql), then deploy/migrate.sh (migrations as
 * the owner, server/sql/protect.sql as the superuser), then what each role may do.
 */
describe.skipIf(!(await have('postgres', 'pg_dump')) || !havePgBin())('the postgres init script and deploy/migrate.sh on a private cluster', () => {
  let dir: string
  let server: Proc
  let port: number
  const names = ['postgres_password', 'tovplay_owner_password', 'tovplay_app_password', 'tovwatch_monitor_password', 'tovwatch_store_password']
  const pw: Record<string, string> = Object.fromEntries(names.map((n) => [n, crypto.randomBytes(12).toString('hex')]))
  const ownerUrl = () => `postgresql://tovplay_owner:${pw.tovplay_owner_password}@127.0.0.1:${port}/tovplay`
  const asPostgres = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', stdio: 'pipe' })
  const connect = async (user: string, password: string, database: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user, password, database })
    await c.connect()
    return c
  }
  const env = () => ({ ...process.env, PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'tovplay', POSTGRES_USER: 'postgres', TOVWATCH_SECRETS_DIR: path.join(dir, 'secrets'), TOVWATCH_SQL_DIR: path.join(ROOT, 'server/sql') })
  const runInit = () => execFileSync('bash', [INIT], { encoding: 'utf8', stdio: 'pipe', env: env() })
  const runMigrate = () => execFileSync('sh', [MIGRATE], { encoding: 'utf8', stdio: 'pipe', env: { ...env(), DATABASE_URL: ownerUrl() }, timeout: 120_000 })
  const as = async <T> (user: string, password: string, database: string, fn: (c: pg.Client) => Promise<T>) => {
    const c = await connect(user, password, database)
    try { return await fn(c) } finally { await c.end() }
  }
  let migrateOutput = ''
  let BIN: string

  beforeAll(async () => {
    BIN = pgBin()
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-pgroles-'))
    fs.mkdirSync(path.join(dir, 'secrets'))
    for (const [k, v] of Object.entries(pw)) fs.writeFileSync(path.join(dir, 'secrets', k), v + '\n')
    execFileSync('chown', ['-R', 'postgres:postgres', dir])
    asPostgres(`${BIN}/initdb`, ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8'])
    // As the image: the superuser by password too (migrate.sh sends it), every role by SCRAM.
    fs.writeFileSync(path.join(dir, 'data/pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n')
    port = await freePort()
    server = start('runuser', ['-u', 'postgres', '--', `${BIN}/postgres`, '-D', path.join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=30'])
    await waitFor('the private PostgreSQL', async () => { fs.statSync(path.join(dir, `.s.PGSQL.${port}`)); return true }, 20_000, server.output)
    // What the postgres image does before its init scripts: the superuser's password, POSTGRES_DB=tovplay.
    asPostgres(`${BIN}/psql`, ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-c', `ALTER ROLE postgres PASSWORD '${pw.postgres_password}'`, '-c', 'CREATE DATABASE tovplay'])
    process.env.PGPASSWORD = pw.postgres_password
    try {
      runInit()
    } finally {
      delete process.env.PGPASSWORD
    }
    migrateOutput = runMigrate()
  }, 180_000)

  afterAll(async () => {
    await server?.stop()
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('migrates as the owner and protects the tables (deploy/migrate.sh)', async () => {
    expect(migrateOutput).toContain('scheduling migrations applied')
    expect(migrateOutput).toContain('tovplay is migrated and protected')
    const owner = await as('tovplay_owner', pw.tovplay_owner_password!, 'tovplay', async (c) => (await c.query("SELECT pg_get_userbyid(relowner) AS o FROM pg_class WHERE oid = 'public.players'::regclass")).rows[0].o)
    expect(owner).toBe('tovplay_owner')
  })

  it('leaves the app role rows only: no CREATE, DROP, TRUNCATE, no audit rewrites, no DROP DATABASE', async () => {
    await as('tovplay_app', pw.tovplay_app_password!, 'tovplay', async (c) => {
      const priv = (t: string, p: string) => c.query(`SELECT has_table_privilege('${t}', '${p}') AS ok`).then((r) => r.rows[0].ok)
      expect(await priv('players', 'INSERT')).toBe(true)
      expect(await priv('audit_log', 'INSERT')).toBe(true)
      expect(await priv('audit_log', 'UPDATE')).toBe(false)
      await expect(c.query('CREATE TABLE scratch (id int)')).rejects.toThrow(/permission denied/)
      await expect(c.query('DROP TABLE players')).rejects.toThrow(/must be owner|refused/)
      await expect(c.query('TRUNCATE players')).rejects.toThrow(/permission denied|refused/)
      expect((await c.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('10s')
    })
    await as('tovplay_app', pw.tovplay_app_password!, 'postgres', async (c) => {
      await expect(c.query('DROP DATABASE tovplay')).rejects.toThrow(/must be owner/)
      await expect(c.query('CREATE DATABASE other')).rejects.toThrow(/permission denied/)
    })
  })

  it('gives the monitoring role statistics and exact counts, never rows, read-only', async () => {
    await as('tovwatch_monitor', pw.tovwatch_monitor_password!, 'tovplay', async (c) => {
      expect((await c.query("SELECT tovwatch.row_count('public.players') AS n")).rows[0].n).toBe('0')
      await expect(c.query('SELECT * FROM players')).rejects.toThrow(/permission denied/)
      // Another role's query text is visible (pg_monitor), not "<insufficient privilege>".
      const other = await connect('tovplay_owner', pw.tovplay_owner_password!, 'tovplay')
      const busy = other.query('SELECT pg_sleep(1.5) /* tw-visible */')
      try {
        const seen = await waitFor('the other session in pg_stat_activity', async () => {
          const r = await c.query<{ query: string }>("SELECT query FROM pg_stat_activity WHERE usename = 'tovplay_owner' AND state = 'active'")
          return r.rows.length > 0 ? r.rows.map((x) => x.query) : undefined
        }, 5000)
        expect(seen.some((q) => q.includes('tw-visible'))).toBe(true)
      } finally {
        await busy
        await other.end()
      }
      await expect(c.query('CREATE TEMP TABLE x (id int)')).rejects.toThrow(/read-only transaction|permission denied/)
    })
  })

  it('gives TovWatch its own database, closed to the app role', async () => {
    await as('tovwatch', pw.tovwatch_store_password!, 'tovwatch', (c) => c.query('CREATE TABLE tw_alerts (id int)'))
    await expect(connect('tovplay_app', pw.tovplay_app_password!, 'tovwatch')).rejects.toThrow(/permission denied/)
  })

  it('refuses a wrong password', async () => {
    await expect(connect('tovwatch_monitor', 'not-the-password', 'tovplay')).rejects.toThrow(/password authentication failed/)
  })

  it('lets the backup service (the owner) pg_dump the whole database', () => {
    const file = path.join(dir, 'tovplay.dump')
    execFileSync('pg_dump', ['--format=custom', `--file=${file}`, `--dbname=${ownerUrl()}`], { stdio: 'pipe' })
    const list = execFileSync('pg_restore', ['--list', file], { encoding: 'utf8' })
    expect(list).toContain('TABLE public players')
    expect(list).toContain('TABLE public audit_log')
  })

  it('can run both again on an existing volume without changing what works', async () => {
    process.env.PGPASSWORD = pw.postgres_password
    try {
      expect(runInit()).toContain('tovwatch roles and databases are ready')
    } finally {
      delete process.env.PGPASSWORD
    }
    expect(runMigrate()).toContain('scheduling migrations: up to date')
    await as('tovplay_app', pw.tovplay_app_password!, 'tovplay', async (c) => {
      expect((await c.query("SELECT has_table_privilege('players', 'SELECT') AS ok")).rows[0].ok).toBe(true)
    })
  })
})
