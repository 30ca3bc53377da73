import crypto from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, auth, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ROOT } from './expressions.js'
import { freePort, start, waitFor, type Proc } from './procs.js'

/**
 * The real PgBouncer (Debian's) with deploy/pgbouncer as shipped: start.sh renders the
 * userlist from secret files, pgbouncer.ini pools transactions and lets the stats user in.
 * Only what a test machine cannot have is changed: addresses, paths, and the upstream
 * login (the shared test PostgreSQL has no tovplay_app role, so PgBouncer logs in as postgres).
 */
describe.skipIf(!(await have('postgres', 'pgbouncer')))('deploy/pgbouncer with the real PgBouncer', () => {
  let db: TestDatabase
  let dir: string
  let bouncer: Proc
  let port: number
  const appPw = crypto.randomBytes(12).toString('hex')
  const statsPw = crypto.randomBytes(12).toString('hex')
  const url = (user: string, pw: string, database: string) => `postgresql://${user}:${pw}@127.0.0.1:${port}/${database}`

  beforeAll(async () => {
    db = await createTestDatabase('tw_deploy_pgb')
    port = await freePort()
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-pgbouncer-'))
    for (const f of ['pgbouncer.ini', 'start.sh', 'userlist.txt.template']) fs.copyFileSync(path.join(ROOT, 'deploy/pgbouncer', f), path.join(dir, f))
    fs.mkdirSync(path.join(dir, 'secrets'))
    fs.writeFileSync(path.join(dir, 'secrets/tovplay_app_password'), appPw + '\n')
    fs.writeFileSync(path.join(dir, 'secrets/pgbouncer_stats_password'), statsPw + '\n')
    const iniPath = path.join(dir, 'pgbouncer.ini')
    const ini = fs.readFileSync(iniPath, 'utf8')
    const replaced = ini
      .replace(/^tovplay = host=postgres port=5432 dbname=tovplay$/m, `tovplay = host=127.0.0.1 port=5432 dbname=${db.name} user=postgres`)
      .replace(/^listen_addr = 0\.0\.0\.0$/m, 'listen_addr = 127.0.0.1')
      .replace(/^listen_port = 6432$/m, `listen_port = ${port}`)
      .replace(/^auth_file = \/tmp\/pgbouncer\/userlist\.txt$/m, `auth_file = ${dir}/run/userlist.txt`)
    expect(replaced.split('\n').filter((l, i) => l !== ini.split('\n')[i]).length, 'the lines this test adapts are where it expects them').toBe(4)
    fs.writeFileSync(iniPath, replaced)
    execFileSync('chown', ['-R', 'postgres:postgres', dir])
    // PgBouncer refuses to run as root.
    bouncer = start('runuser', ['-u', 'postgres', '--', 'env', `TOVWATCH_SECRETS_DIR=${dir}/secrets`, `PGBOUNCER_USERLIST=${dir}/run/userlist.txt`, `PGBOUNCER_INI=${iniPath}`, 'sh', path.join(dir, 'start.sh')])
    await waitFor('PgBouncer to accept the app role', async () => {
      const c = new pg.Client({ connectionString: url('tovplay_app', appPw, 'tovplay') })
      await c.connect()
      await c.end()
      return true
    }, 15_000, bouncer.output)
  })

  afterAll(async () => {
    await bouncer?.stop()
    await db?.drop()
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('renders the userlist from the secret files, readable by PgBouncer only', () => {
    const list = fs.readFileSync(path.join(dir, 'run/userlist.txt'), 'utf8')
    expect(list).toBe(`"tovplay_app" "${appPw}"\n"tovwatch_stats" "${statsPw}"\n`)
    expect(fs.statSync(path.join(dir, 'run/userlist.txt')).mode & 0o077).toBe(0)
  })

  it('lets the app role in with its password, with the statement_timeout node-postgres sends, and refuses a wrong one', async () => {
    const pool = new pg.Pool({ connectionString: url('tovplay_app', appPw, 'tovplay'), statement_timeout: 5000, max: 2 })
    try {
      const r = await pool.query<{ db: string }>('SELECT current_database() AS db')
      expect(r.rows[0]?.db).toBe(db.name)
    } finally {
      await pool.end()
    }
    const bad = new pg.Client({ connectionString: url('tovplay_app', 'wrong-password', 'tovplay') })
    await expect(bad.connect()).rejects.toThrow(/authentication failed/)
  })

  it('pools transactions, and the stats user reads SHOW POOLS but may not PAUSE', async () => {
    const c = new pg.Client({ connectionString: url('tovwatch_stats', statsPw, 'pgbouncer') })
    await c.connect()
    try {
      const pools = (await c.query<{ database: string, pool_mode: string }>({ text: 'SHOW POOLS' })).rows
      expect(pools.find((p) => p.database === 'tovplay')?.pool_mode).toBe('transaction')
      await expect(c.query({ text: 'PAUSE tovplay' })).rejects.toThrow(/admin/i)
    } finally {
      await c.end()
    }
  })

  describe('TovWatch wired as in docker-compose.monitoring.yml', () => {
    let t: TestApp
    beforeAll(async () => {
      t = await buildTestApp({
        DATABASE_URL: url('tovplay_app', appPw, 'tovplay'),
        MONITOR_DATABASE_URL: db.url,
        TOVWATCH_DATABASE_URL: db.url,
        PGBOUNCER_ADMIN_URL: url('tovwatch_stats', statsPw, 'pgbouncer'),
        EXPECTED_DATABASE: db.name,
        PROBE_INTERVAL_S: '1',
      })
    })
    afterAll(async () => { await t?.close() })

    // (The pool's user is postgres here: this test's [databases] line forces the upstream login.)
    it('sees PgBouncer up through the stats user, with the pool the scheduling core uses', async () => {
      const body = await waitFor('a PgBouncer probe with pools', async () => {
        const res = await t.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth(ADMIN_TOKEN) })
        const b = res.json()
        return b.pgbouncer?.status === 'up' && b.pgbouncer.pools.length > 0 ? b : undefined
      }, 20_000)
      expect(body.pgbouncer.pools).toEqual(expect.arrayContaining([expect.objectContaining({ database: 'tovplay', poolMode: 'transaction' })]))
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
      expect(metrics).toMatch(/^tovwatch_pgbouncer_up 1$/m)
    })

    it('runs the scheduling core through PgBouncer: its health check reports the migrations applied', async () => {
      const health = await waitFor('the scheduling health check', async () => {
        const res = await t.app.inject({ method: 'GET', url: '/logs/api/health' })
        const dep = res.json().dependencies?.scheduling
        return dep?.status === 'up' ? dep : undefined
      }, 20_000)
      expect(health.status).toBe('up')
    })
  })
})
