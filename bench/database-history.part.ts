/**
 * Part of database-probe.bench.ts: table history of 50 tables x 30 days in TovWatch's
 * store (every probe for 24 h, 5-minute points for 30 days), against the baseline of one
 * row per point (ns, series, t, v) with its primary key, in the same run.
 * Targets (issue 15): GET .../history?range=30d p95 <= 20 ms; the store under 50 MB.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import pino from 'pino'
import { Registry } from 'prom-client'
import { buildApp } from '../server/src/app.js'
import { loadConfig } from '../server/src/config.js'
import { migrateHistoryStore } from '../server/src/database/history/migrate.js'
import { historyNamespace } from '../server/src/database/history/setup.js'
import { createSeriesStore } from '../server/src/database/history/store.js'
import { createDeps } from '../server/src/deps.js'
import { createMetrics } from '../server/src/metrics/registry.js'

const DAY = 86_400_000
const HOUR = 3_600_000
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN }

export interface HistoryFigures { storeMb: number, naiveMb: number, api: number[], naive: number[], append: number[], points: number }

export async function benchHistory (o: { adminUrl: string, monitorDb: string, urlFor: (db: string) => string, token: string, requests: number }): Promise<HistoryFigures> {
  const storeDb = `${o.monitorDb}_store`
  const admin = new pg.Client({ connectionString: o.adminUrl })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${storeDb}`)
  await admin.end()
  const storeUrl = o.urlFor(storeDb)
  const monitorUrl = o.urlFor(o.monitorDb)
  const pool = new pg.Pool({ connectionString: storeUrl, max: 2 })
  await migrateHistoryStore(pool, () => {})
  const mon = new pg.Client({ connectionString: monitorUrl })
  await mon.connect()
  const tables = (await mon.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t)
  await mon.end()
  const ns = historyNamespace(monitorUrl, undefined)
  const now = Date.now()
  const today = Math.floor(now / DAY) * DAY
  const hour = Math.floor(now / HOUR) * HOUR
  const c = await pool.connect()
  // 30 days of 5-minute points and 24 h of 15-second probes per table, as the watch writes them.
  await c.query(`INSERT INTO db_history (ns, res, series, bucket, ts, vals)
    SELECT $1, 300, 't:' || s, b, array_agg(off ORDER BY off), array_agg(1000 + (off / 300000) % 97 ORDER BY off)
    FROM unnest($2::text[]) s, generate_series($3::bigint - 30 * 86400000::bigint, $3::bigint, 86400000::bigint) b, generate_series(0, 86400000 - 300000, 300000) off
    WHERE b + off <= $4::bigint GROUP BY s, b`, [ns, tables, today, now])
  await c.query(`INSERT INTO db_history (ns, res, series, bucket, ts, vals)
    SELECT $1, 0, 't:' || s, b, array_agg(off ORDER BY off), array_agg(1000 + (off / 15000) % 97 ORDER BY off)
    FROM unnest($2::text[]) s, generate_series($3::bigint - 24 * 3600000::bigint, $3::bigint, 3600000::bigint) b, generate_series(0, 3600000 - 15000, 15000) off
    WHERE b + off <= $4::bigint - 60000 GROUP BY s, b`, [ns, tables, hour, now])
  // The baseline: the same points, one row each.
  await c.query('CREATE TABLE naive_history (ns text, series text, res int, t timestamptz, v bigint, PRIMARY KEY (ns, series, res, t))')
  await c.query('INSERT INTO naive_history SELECT ns, series, res, to_timestamp((bucket + u.o) / 1000.0), u.v FROM db_history, unnest(ts, vals) AS u(o, v)')
  const points = Number((await c.query('SELECT count(*) AS n FROM naive_history')).rows[0].n)
  c.release()
  // A probe's write of 50 tables (both resolutions), 60 times: the churn an hour of probes adds.
  const store = createSeriesStore(pool)
  const append: number[] = []
  for (let i = 0; i < 60; i++) {
    const started = performance.now()
    await store.append(ns, now - 59_000 + i * 1000, tables.map((t) => [`t:${t}`, 1000 + i]))
    append.push(performance.now() - started)
  }
  await pool.query('VACUUM ANALYZE db_history')
  await pool.query('VACUUM ANALYZE naive_history')
  const size = async (t: string) => Number((await pool.query('SELECT pg_total_relation_size($1::regclass) AS b', [t])).rows[0].b) / 1024 / 1024
  const storeMb = await size('db_history')
  const naiveMb = await size('naive_history')
  const naive: number[] = []
  for (let i = 0; i < Math.min(o.requests, 300); i++) {
    const started = performance.now()
    await pool.query('SELECT extract(epoch FROM t) * 1000 AS t, v FROM naive_history WHERE ns = $1 AND series = $2 AND res = 300 AND t >= now() - interval \'30 days\' ORDER BY t', [ns, `t:${tables[i % tables.length]}`])
    naive.push(performance.now() - started)
  }
  await pool.end()

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-hist-'))
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: monitorUrl, TOVWATCH_DATABASE_URL: storeUrl, TOVWATCH_TOKENS: `bench:viewer:${o.token}`, PROBE_INTERVAL_S: '3600' })
  const metrics = createMetrics(new Registry())
  const deps = await createDeps(config, pino({ level: 'silent' }), metrics)
  const app = await buildApp(config, deps, { logger: false, metrics, parts: { errors: false, alerts: false, scheduling: false, web: false } })
  await app.ready()
  await app.databaseWatch.probeNow()
  const headers = { authorization: `Bearer ${o.token}` }
  const api: number[] = []
  for (let i = 0; i < 30; i++) await app.inject({ method: 'GET', url: `/logs/api/database/tables/${tables[i % tables.length]}/history?range=30d`, headers })
  for (let i = 0; i < o.requests; i++) {
    const started = performance.now()
    const res = await app.inject({ method: 'GET', url: `/logs/api/database/tables/${encodeURIComponent(tables[i % tables.length] as string)}/history?range=30d`, headers })
    api.push(performance.now() - started)
    if (res.statusCode !== 200) throw new Error(`history answered ${res.statusCode}: ${res.body}`)
    if (i === 0 && res.json().timestamps.length < 8000) throw new Error(`history of 30 d has ${res.json().timestamps.length} points, expected ~8640`)
  }
  await app.close()
  await deps.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
  const drop = new pg.Client({ connectionString: o.adminUrl })
  await drop.connect()
  await drop.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`)
  await drop.end()
  return { storeMb, naiveMb, api, naive, append, points }
}

export function reportHistory (f: HistoryFigures, ms: (x: number) => string): boolean {
  console.log(`\ntable history: 50 tables x 30 days (${f.points.toLocaleString()} points: every probe for 24 h, 5-minute points for 30 days)`)
  console.log('                                   p50        p95        max')
  console.log(`GET history?range=30d         ${ms(pct(f.api, 50))} ${ms(pct(f.api, 95))} ${ms(Math.max(...f.api))}   n=${f.api.length}`)
  console.log(`baseline: row-per-point SQL   ${ms(pct(f.naive, 50))} ${ms(pct(f.naive, 95))} ${ms(Math.max(...f.naive))}   n=${f.naive.length} (the query alone, no HTTP)`)
  console.log(`one probe's write (50 tables) ${ms(pct(f.append, 50))} ${ms(pct(f.append, 95))} ${ms(Math.max(...f.append))}   n=${f.append.length}`)
  console.log(`store: ${f.storeMb.toFixed(1)} MB (bucketed arrays) vs baseline ${f.naiveMb.toFixed(1)} MB (row per point)`)
  const apiOk = pct(f.api, 95) <= 20
  const sizeOk = f.storeMb < 50
  console.log(`${apiOk ? 'PASS' : 'FAIL'} GET .../history?range=30d p95 ${pct(f.api, 95).toFixed(1)} ms (target ≤ 20 ms)`)
  console.log(`${sizeOk ? 'PASS' : 'FAIL'} history store ${f.storeMb.toFixed(1)} MB (target < 50 MB)`)
  return apiOk && sizeOk
}
