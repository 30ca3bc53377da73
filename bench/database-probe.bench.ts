/**
 * A full database probe and GET /api/database against 50 tables, one of them 10 M
 * rows (1 M with --quick), next to the naive way (COUNT(*) of every table) in the
 * same run. Targets (issue 3): probe ≤ 100 ms on one connection, API p95 ≤ 20 ms.
 * Then table history (issue 15, database-history.part.ts): 30-day history p95 ≤ 20 ms, store < 50 MB.
 *   npx tsx bench/database-probe.bench.ts [--quick]
 * TEST_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres) picks the server.
 */
import os from 'node:os'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import pino from 'pino'
import { Registry } from 'prom-client'
import { buildApp } from '../server/src/app.js'
import { loadConfig } from '../server/src/config.js'
import { createDeps } from '../server/src/deps.js'
import { createMetrics } from '../server/src/metrics/registry.js'
import { runProbe } from '../server/src/database/probe.js'
import { CORE_TABLES } from '../server/src/database/watched.js'
import { benchHistory, reportHistory } from './database-history.part.js'

const quick = process.argv.includes('--quick')
const BIG_ROWS = quick ? 1_000_000 : 10_000_000
const DB = quick ? 'tw_bench_probe_quick' : 'tw_bench_probe'
const ADMIN = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const PROBES = quick ? 15 : 60
const NAIVE = quick ? 2 : 3
const REQUESTS = quick ? 300 : 2000
const TOKEN = 'bench-viewer-token-0123456789'

const urlFor = (db: string) => { const u = new URL(ADMIN); u.pathname = '/' + db; return u.toString() }
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN }
const ms = (x: number) => x.toFixed(1).padStart(8) + ' ms'

async function prepare (): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN })
  await admin.connect()
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB])).rowCount === 1
  if (!exists) await admin.query(`CREATE DATABASE ${DB}`)
  await admin.end()
  const c = new pg.Client({ connectionString: urlFor(DB) })
  await c.connect()
  const ready = await c.query("SELECT to_regclass('public.tw_bench_meta') IS NOT NULL AS ok").then((r) => r.rows[0].ok as boolean)
  const rows = ready ? (await c.query('SELECT big_rows FROM tw_bench_meta')).rows[0]?.big_rows : null
  if (Number(rows) !== BIG_ROWS) {
    console.log(`preparing ${DB}: 50 tables, audit_log with ${BIG_ROWS.toLocaleString()} rows (once; reused next time)...`)
    const started = performance.now()
    await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
    for (const name of CORE_TABLES) {
      await c.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, note text, at timestamptz DEFAULT now())`)
      if (name !== 'audit_log') await c.query(`INSERT INTO ${name} (note) SELECT 'row ' || g FROM generate_series(1, 500 + 100 * length('${name}')) g`)
    }
    await c.query(`INSERT INTO audit_log (note) SELECT 'event ' || g FROM generate_series(1, ${BIG_ROWS}) g`)
    for (let i = 1; i <= 50 - CORE_TABLES.length - 1; i++) {
      await c.query(`CREATE TABLE extra_${String(i).padStart(2, '0')} (id int, v text); INSERT INTO extra_${String(i).padStart(2, '0')} SELECT g, md5(g::text) FROM generate_series(1, ${i * 200}) g`)
    }
    await c.query(`CREATE TABLE tw_bench_meta (big_rows bigint); INSERT INTO tw_bench_meta VALUES (${BIG_ROWS})`)
    await c.query('VACUUM ANALYZE')
    console.log(`prepared in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  // The API part of a previous run leaves TovWatch's audit table here (its store is this database).
  await c.query('DROP TABLE IF EXISTS tovwatch_admin_audit, db_history, pgmigrations_db_history')
  const n = (await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n
  await c.end()
  if (n !== 50) throw new Error(`expected 50 tables in ${DB}, found ${n}`)
}

async function benchProbe (): Promise<number[]> {
  // max: 1 proves the probe needs a single connection.
  const pool = new pg.Pool({ connectionString: urlFor(DB), max: 1, application_name: 'tovwatch-bench' })
  const times: number[] = []
  const watched = new Set(CORE_TABLES)
  for (let i = 0; i < PROBES + 3; i++) {
    const r = await runProbe(pool, { expectedDatabase: DB, embedded: false, exactCountMaxRows: 100_000, watched: () => watched })
    if (!r.identity.ok) throw new Error(`probe failed: ${r.identity.message}`)
    if (r.tables?.length !== 50) throw new Error(`probe saw ${r.tables?.length} tables`)
    if (i >= 3) times.push(r.durationMs)
  }
  if (pool.totalCount > 1) throw new Error('the probe used more than one connection')
  await pool.end()
  return times
}

async function benchNaive (): Promise<number[]> {
  const c = new pg.Client({ connectionString: urlFor(DB) })
  await c.connect()
  const tables = (await c.query<{ q: string }>("SELECT format('%I.%I', schemaname, tablename) AS q FROM pg_tables WHERE schemaname = 'public'")).rows
  const times: number[] = []
  for (let i = 0; i < NAIVE; i++) {
    const started = performance.now()
    for (const t of tables) await c.query(`SELECT count(*) FROM ${t.q}`)
    times.push(performance.now() - started)
  }
  await c.end()
  return times
}

async function benchApi (): Promise<{ api: number[], metrics: number[] }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-'))
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: urlFor(DB), TOVWATCH_TOKENS: `bench:viewer:${TOKEN}`, PROBE_INTERVAL_S: '3600' })
  const metrics = createMetrics(new Registry())
  const deps = await createDeps(config, pino({ level: 'silent' }), metrics)
  const app = await buildApp(config, deps, { logger: false, metrics, parts: { errors: false, alerts: false, scheduling: false, web: false } })
  await app.ready()
  await app.databaseWatch.probeNow()
  const api: number[] = []
  const scrape: number[] = []
  const headers = { authorization: `Bearer ${TOKEN}` }
  for (let i = 0; i < 50; i++) await app.inject({ method: 'GET', url: '/logs/api/database', headers })
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now()
    const res = await app.inject({ method: 'GET', url: '/logs/api/database', headers })
    api.push(performance.now() - started)
    if (res.statusCode !== 200) throw new Error(`GET /api/database answered ${res.statusCode}`)
  }
  for (let i = 0; i < 100; i++) {
    const started = performance.now()
    await app.inject({ method: 'GET', url: '/metrics' })
    scrape.push(performance.now() - started)
  }
  await app.close()
  await deps.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
  return { api, metrics: scrape }
}

await prepare()
const probe = await benchProbe()
const naive = await benchNaive()
const { api, metrics } = await benchApi()
const history = await benchHistory({ adminUrl: ADMIN, monitorDb: DB, urlFor, token: TOKEN, requests: quick ? 200 : 1000 })
const probeP95 = pct(probe, 95)
const apiP95 = pct(api, 95)
console.log(`\ndatabase probe: 50 tables, audit_log ${BIG_ROWS.toLocaleString()} rows${quick ? ' (--quick)' : ''}`)
console.log('                                   p50        p95        max')
console.log(`full probe (1 connection)    ${ms(pct(probe, 50))} ${ms(probeP95)} ${ms(Math.max(...probe))}   n=${probe.length}`)
console.log(`baseline: COUNT(*) all 50    ${ms(pct(naive, 50))} ${ms(pct(naive, 95))} ${ms(Math.max(...naive))}   n=${naive.length}`)
console.log(`GET /api/database (inject)   ${ms(pct(api, 50))} ${ms(apiP95)} ${ms(Math.max(...api))}   n=${api.length}`)
console.log(`GET /metrics (inject)        ${ms(pct(metrics, 50))} ${ms(pct(metrics, 95))} ${ms(Math.max(...metrics))}   n=${metrics.length}`)
console.log(`probe is ${(pct(naive, 50) / pct(probe, 50)).toFixed(0)}x faster than counting every table`)
const probeOk = probeP95 <= 100
const apiOk = apiP95 <= 20
console.log(`${probeOk ? 'PASS' : 'FAIL'} full probe p95 ${probeP95.toFixed(1)} ms (target ≤ 100 ms)`)
console.log(`${apiOk ? 'PASS' : 'FAIL'} GET /api/database p95 ${apiP95.toFixed(1)} ms (target ≤ 20 ms)`)
const historyOk = reportHistory(history, ms)
process.exit(probeOk && apiOk && historyOk ? 0 : 1)
