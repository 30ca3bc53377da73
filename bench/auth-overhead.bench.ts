/**
 * What the security checks cost a successful request (issue 11: "successful requests are not
 * slowed"): GET /logs/api/me with a bearer token (one throttle read, in-process or in Redis) and
 * with a session cookie (one store read), next to a route with no authentication in the same app
 * and run, and next to a route (also without authentication) that makes the same one round trip to
 * Redis (PING) or to the store (SELECT 1). Targets: p50 overhead ≤ 0.5 ms for a bearer token
 * in-process; through Redis or the session store, no more than that one round trip costs a route
 * (p50 ≤ 1.5 × the round-trip route's + 0.3 ms).
 *   npx tsx bench/auth-overhead.bench.ts [--quick]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import pino from 'pino'
import { Registry } from 'prom-client'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../server/src/app.js'
import { loadConfig } from '../server/src/config.js'
import { createDeps } from '../server/src/deps.js'
import { createMetrics } from '../server/src/metrics/registry.js'

const quick = process.argv.includes('--quick')
const N = quick ? 500 : 3000
const ADMIN = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const TOKEN = 'bench-admin-token-0123456789abcdef'
const DB = `tw_bench_auth_${process.pid}`
const urlFor = (db: string) => { const u = new URL(ADMIN); u.pathname = '/' + db; return u.toString() }
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN }

async function time (app: FastifyInstance, url: string, headers: Record<string, string>): Promise<number[]> {
  for (let i = 0; i < 100; i++) await app.inject({ url, headers })
  const out: number[] = []
  for (let i = 0; i < N; i++) {
    const started = performance.now()
    const res = await app.inject({ url, headers, remoteAddress: '10.9.8.7' })
    out.push(performance.now() - started)
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`)
  }
  return out
}

async function run (redis: boolean): Promise<Record<string, number[]>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-auth-'))
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: urlFor(DB), TOVWATCH_TOKENS: `bench:admin:${TOKEN}`, ...(redis ? { REDIS_URL: REDIS } : {}) })
  const metrics = createMetrics(new Registry())
  const deps = await createDeps(config, pino({ level: 'silent' }), metrics)
  const app = await buildApp(config, deps, { logger: false, metrics, parts: { errors: false, database: false, alerts: false, scheduling: false, web: false } })
  app.get('/bench/plain', { config: { auth: 'public' } }, async () => ({ name: 'bench', role: 'admin', via: 'none' }))
  // The same external round trip the checks make, done by a route without them: what I/O inside a request costs.
  app.get('/bench/io', { config: { auth: 'public' } }, async () => {
    if (redis) await deps.rateLimitRedis!.ping()
    else await deps.pg.store.query('SELECT 1')
    return { name: 'bench', role: 'admin', via: 'none' }
  })
  await app.ready()
  if (redis) while (deps.rateLimitRedis?.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 20))
  const login = await app.inject({ method: 'POST', url: '/logs/api/login', payload: { token: TOKEN } })
  const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ')
  const rtt: number[] = []
  for (let i = 0; i < N; i++) {
    const started = performance.now()
    if (redis) await deps.rateLimitRedis!.ping()
    else await deps.pg.store.query('SELECT 1')
    rtt.push(performance.now() - started)
  }
  const out = {
    rtt,
    plain: await time(app, '/bench/plain', {}),
    io: await time(app, '/bench/io', {}),
    bearer: await time(app, '/logs/api/me', { authorization: `Bearer ${TOKEN}` }),
    session: await time(app, '/logs/api/me', { cookie }),
  }
  await app.close()
  await deps.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
  return out
}

const admin = new pg.Client({ connectionString: ADMIN })
await admin.connect()
await admin.query(`CREATE DATABASE ${DB}`)
let ok = true
try {
  const local = await run(false)
  const shared = await run(true)
  const row = (name: string, xs: number[], base: number[]) => {
    const over = pct(xs, 50) - pct(base, 50)
    console.log(`${name.padEnd(36)} p50 ${pct(xs, 50).toFixed(3).padStart(7)} ms  p99 ${pct(xs, 99).toFixed(3).padStart(7)} ms  overhead p50 ${over.toFixed(3).padStart(7)} ms`)
    return over
  }
  console.log(`${N} requests each through inject; baseline: the same app's unauthenticated route`)
  row('baseline (no auth), in-process', local.plain!, local.plain!)
  const b = row('bearer, throttle in-process', local.bearer!, local.plain!)
  const s = row('session cookie (store read)', local.session!, local.plain!)
  const pgIo = row('route with one store query, no auth', local.io!, local.plain!)
  console.log(`${'store round trip (SELECT 1), bare'.padEnd(36)} p50 ${pct(local.rtt!, 50).toFixed(3).padStart(7)} ms  p99 ${pct(local.rtt!, 99).toFixed(3).padStart(7)} ms`)
  row('baseline (no auth), Redis app', shared.plain!, shared.plain!)
  const r = row('bearer, throttle in Redis', shared.bearer!, shared.plain!)
  const redisIo = row('route with one Redis PING, no auth', shared.io!, shared.plain!)
  console.log(`${'Redis round trip (PING), bare'.padEnd(36)} p50 ${pct(shared.rtt!, 50).toFixed(3).padStart(7)} ms  p99 ${pct(shared.rtt!, 99).toFixed(3).padStart(7)} ms`)
  const checks: Array<[string, boolean]> = [
    ['bearer in-process: overhead ≤ 0.5 ms', b <= 0.5],
    [`session: overhead ≤ 1.5 × the store round-trip route's + 0.3 ms (${(1.5 * pgIo + 0.3).toFixed(3)} ms)`, s <= 1.5 * pgIo + 0.3],
    [`bearer through Redis: overhead ≤ 1.5 × the Redis round-trip route's + 0.3 ms (${(1.5 * redisIo + 0.3).toFixed(3)} ms)`, r <= 1.5 * redisIo + 0.3],
  ]
  for (const [name, pass] of checks) { console.log(`${pass ? 'PASS' : 'FAIL'} ${name}`); ok &&= pass }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin.end()
}
process.exit(ok ? 0 : 1)
