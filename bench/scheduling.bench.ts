/**
 * Scheduling core: session bookings through the HTTP API against the real PostgreSQL, and
 * the availability search for a pair over 4 weeks.
 *
 * A "booking" is measured as the accept of a pending request (POST /api/requests/:id/accept):
 * the moment a session comes to exist — auth, idempotency key, row lock, friendship and both
 * players' availability checked, session + participants under the exclusion constraint, request
 * update, two audit rows, commit. The requests are prepared beforehand in SQL. Baselines in the
 * same run: the same booking as bare SQL on the same pool (no HTTP, no checks, no audit), and a
 * naive check-then-insert without the exclusion constraint, to count the double bookings it lets through.
 *
 * The HTTP load comes from a child process (this file with --client), like wrk would: on a small
 * machine a client in the server's own process takes the CPU the server needs. Each side's CPU
 * per booking is reported on its own.
 *
 *   npx tsx bench/scheduling.bench.ts [--quick]
 */
import { fork } from 'node:child_process'
import crypto from 'node:crypto'
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { availableIntervals } from '../server/src/scheduling/availability.js'
import { busyIntervals, loadAvailability } from '../server/src/scheduling/availability-store.js'
import { intersect } from '../server/src/scheduling/intervals.js'
import { newPlayerToken } from '../server/src/scheduling/tokens.js'
import { buildTestApp } from '../server/fixtures/app.js'
import { createTestDatabase } from '../server/fixtures/db.js'
import { have } from '../server/fixtures/services.js'

const quick = process.argv.includes('--quick')
const PAIRS = quick ? 100 : 400
const PER_PAIR = quick ? 8 : 12 // bookings per pair, at distinct times (half of them go through HTTP, the first WARMUP of those as warm-up)
const CONCURRENCY = 16
const WARMUP = 200 // bookings before the measurement, at the same concurrency (a cold server is not what the target is about, even in a quick run)
const SEARCHES = quick ? 100 : 500
const TARGET = { bookingsPerS: 500, p99Ms: 50, searchMs: 10 }

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] ?? NaN }
const f1 = (n: number) => n.toFixed(1)
const f2 = (n: number) => n.toFixed(2)

async function pool (n: number, items: number, fn: (i: number) => Promise<number>): Promise<{ seconds: number, latencies: number[] }> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items) {
      const i = next++
      latencies.push(await fn(i))
    }
  }))
  return { seconds: (performance.now() - started) / 1000, latencies }
}

interface ClientJob { port: number, concurrency: number, warmup: number, calls: Array<{ method: 'GET' | 'POST', path: string, token: string }> }
interface ClientResult { seconds: number, latencies: number[], cpuMs: number, failures: string[], warmLatencies: number[] }

/** The load generator, in its own process: a plain keep-alive HTTP client, a fresh Idempotency-Key per POST. */
async function runClient (job: ClientJob): Promise<ClientResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency })
  const failures: string[] = []
  const call = (c: ClientJob['calls'][number]) => new Promise<number>((resolve, reject) => {
    const t0 = performance.now()
    const headers: Record<string, string> = { authorization: `Bearer ${c.token}` }
    if (c.method === 'POST') headers['idempotency-key'] = crypto.randomUUID()
    const req = http.request({ host: '127.0.0.1', port: job.port, path: c.path, method: c.method, agent, headers }, (res) => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode !== 200 && failures.length < 5) failures.push(`${c.method} ${c.path} answered ${res.statusCode ?? 0}`)
        resolve(performance.now() - t0)
      })
    })
    req.on('error', reject)
    req.end()
  })
  // Warm-up at the same concurrency, so that every pooled connection and the JIT are warm (not counted).
  const warm = job.calls.slice(0, job.warmup)
  const warmRun = await pool(job.concurrency, warm.length, (i) => call(warm[i] as ClientJob['calls'][number]))
  const calls = job.calls.slice(job.warmup)
  const cpu0 = process.cpuUsage()
  const run = await pool(job.concurrency, calls.length, (i) => call(calls[i] as ClientJob['calls'][number]))
  const cpu = process.cpuUsage(cpu0)
  agent.destroy()
  return { ...run, cpuMs: (cpu.user + cpu.system) / 1000, failures, warmLatencies: warmRun.latencies }
}

/** Runs a job in a child process (this file with --client) and measures this process's CPU meanwhile. */
function drive (job: ClientJob): Promise<ClientResult & { serverCpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--client'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let cpu0: NodeJS.CpuUsage | undefined
    child.on('message', (m: { ready?: true } & Partial<ClientResult>) => {
      if (m.ready === true) { cpu0 = process.cpuUsage(); child.send(job); return }
      const cpu = process.cpuUsage(cpu0)
      child.disconnect()
      resolve({ ...(m as ClientResult), serverCpuMs: (cpu.user + cpu.system) / 1000 })
    })
    child.on('error', reject)
    child.on('exit', (code) => { if (code !== 0) reject(new Error(`the load client exited with ${code}`)) })
  })
}

async function seed (db: pg.Pool) {
  const players: Array<{ id: string, token: string }> = []
  const ids: string[] = []; const lookups: string[] = []; const hashes: Buffer[] = []
  for (let i = 0; i < PAIRS * 2; i++) {
    const t = newPlayerToken()
    const id = crypto.randomUUID()
    players.push({ id, token: t.token }); ids.push(id); lookups.push(t.lookup); hashes.push(t.hash)
  }
  const zones = ['Europe/London', 'Asia/Jerusalem', 'America/New_York']
  await db.query(`INSERT INTO players (id, display_name, time_zone) SELECT id, 'Bench ' || n, ($2::text[])[1 + n % 3]
    FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)`, [ids, zones])
  await db.query('INSERT INTO api_tokens (player_id, name, lookup, token_hash, expires_at) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[])',
    [ids, ids.map(() => 'bench'), lookups, hashes, ids.map(() => new Date(Date.now() + 86_400_000))])
  // Realistic availability: two windows a day, every day, and a few exceptions.
  await db.query(`INSERT INTO availability_windows (player_id, day_of_week, start_time, end_time)
    SELECT p, d, s::time, e::time FROM unnest($1::uuid[]) p, generate_series(1, 7) d, (VALUES ('00:00', '12:00'), ('12:00', '24:00')) w(s, e)`, [ids])
  await db.query(`INSERT INTO availability_exceptions (player_id, starts_at, ends_at, kind)
    SELECT p, now() + (k || ' days')::interval, now() + (k || ' days')::interval + interval '2 hours', 'available' FROM unnest($1::uuid[]) p, generate_series(1, 3) k`, [ids])
  const game = (await db.query<{ id: string }>('INSERT INTO games (name) VALUES (\'Bench game\') RETURNING id')).rows[0]?.id
  const orgs = ids.filter((_, i) => i % 2 === 0)
  const invs = ids.filter((_, i) => i % 2 === 1)
  await db.query('INSERT INTO friendships (requester_id, addressee_id, status) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])', [orgs, invs, orgs.map(() => 'accepted')])
  const reqs = await db.query<{ id: string, invitee_id: string }>(`INSERT INTO session_requests (organizer_id, invitee_id, game_id, starts_at, ends_at)
    SELECT o, i, $3, date_trunc('hour', now()) + make_interval(days => 1 + k), date_trunc('hour', now()) + make_interval(days => 1 + k, hours => 1)
    FROM unnest($1::uuid[], $2::uuid[]) AS x(o, i), generate_series(0, $4 - 1) k RETURNING id, invitee_id`, [orgs, invs, game, PER_PAIR])
  const tokenOf = new Map(players.map((p) => [p.id, p.token]))
  return { players, tokenOf, requests: reqs.rows.sort(() => Math.random() - 0.5), game, orgs, invs }
}

async function main () {
  if (!(await have('postgres'))) { console.log('SKIP: no PostgreSQL'); return }
  const dbInfo = await createTestDatabase('tw_bench_sched')
  const t = await buildTestApp({ DATABASE_URL: dbInfo.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
  try {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' })
    const pgPool = t.deps.pg.app
    const s = await seed(pgPool)
    const half = Math.floor(s.requests.length / 2)
    const httpSet = s.requests.slice(0, half)
    const sqlSet = s.requests.slice(half)

    const { port } = new URL(address)
    const job = drive({
      port: Number(port),
      concurrency: CONCURRENCY,
      warmup: WARMUP,
      calls: httpSet.map((r) => ({ method: 'POST' as const, path: `/api/requests/${r.id}/accept`, token: s.tokenOf.get(r.invitee_id) as string })),
    })
    const api = await job
    if (api.failures.length > 0) throw new Error(`bookings failed: ${api.failures.join('; ')}`)
    const booked = httpSet.length - WARMUP
    const apiRate = booked / api.seconds

    // Baseline 1: the same booking as bare SQL on the same pool (no HTTP, no checks, no audit, no idempotency).
    const bare = await pool(CONCURRENCY, sqlSet.length, async (i) => {
      const r = sqlSet[i] as { id: string }
      const t0 = performance.now()
      const c = await pgPool.connect()
      try {
        await c.query('BEGIN')
        const q = (await c.query('SELECT * FROM session_requests WHERE id = $1 FOR UPDATE', [r.id])).rows[0]
        const sid = (await c.query('INSERT INTO sessions (request_id, organizer_id, invitee_id, game_id, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [q.id, q.organizer_id, q.invitee_id, q.game_id, q.starts_at, q.ends_at])).rows[0].id
        await c.query('UPDATE session_requests SET status = \'accepted\', session_id = $2 WHERE id = $1', [r.id, sid])
        await c.query('COMMIT')
      } finally { c.release() }
      return performance.now() - t0
    })
    const bareRate = sqlSet.length / bare.seconds

    // Baseline 2: naive check-then-insert without the exclusion constraint, all for one player at overlapping times.
    await pgPool.query('CREATE TABLE bench_naive (player_id uuid, during tstzrange)')
    const hub = s.invs[0] as string
    await pool(CONCURRENCY, 50, async (i) => {
      const c = await pgPool.connect()
      try {
        await c.query('BEGIN')
        const during = `[${new Date(Date.now() + 86_400_000 + i * 60_000).toISOString()},${new Date(Date.now() + 86_400_000 + 3600_000 + i * 60_000).toISOString()})`
        const clash = await c.query('SELECT 1 FROM bench_naive WHERE player_id = $1 AND during && $2::tstzrange', [hub, during])
        if (clash.rowCount === 0) await c.query('INSERT INTO bench_naive VALUES ($1, $2::tstzrange)', [hub, during])
        await c.query('COMMIT')
      } finally { c.release() }
      return 0
    })
    const naiveDoubles = Number((await pgPool.query('SELECT count(*) AS n FROM bench_naive')).rows[0].n)
    const exclusionSessions = Number((await pgPool.query(`SELECT count(*) AS n FROM session_participants a JOIN session_participants b
      ON a.player_id = b.player_id AND a.session_id < b.session_id AND a.during && b.during AND a.status = 'scheduled' AND b.status = 'scheduled'`)).rows[0].n)

    // Availability search: a pair with two windows a day, exceptions and scheduled sessions, over 4 weeks.
    const me = s.players[0] as { id: string, token: string }
    const friend = s.players[1] as { id: string }
    const searchPath = `/api/availability/free?with=${friend.id}&weeks=4&limit=500`
    const search = await drive({ port: Number(port), concurrency: 1, warmup: 20, calls: Array.from({ length: SEARCHES + 20 }, () => ({ method: 'GET' as const, path: searchPath, token: me.token })) })
    if (search.failures.length > 0) throw new Error(`searches failed: ${search.failures.join('; ')}`)
    const searchLat = search.latencies
    const slots = (await (await fetch(`${address}${searchPath}`, { headers: { authorization: `Bearer ${me.token}` } })).json() as { items: unknown[] }).items.length
    // Baseline: the search's two queries alone, on the pool (no HTTP, no arithmetic).
    const queryLat: number[] = []
    for (let i = 0; i < SEARCHES; i++) {
      const t0 = performance.now()
      const from = Date.now(); const to = from + 28 * 86_400_000
      await Promise.all([loadAvailability(pgPool, [me.id, friend.id], from, to, [me.id, friend.id], false, false), busyIntervals(pgPool, [me.id, friend.id], from, to, false)])
      queryLat.push(performance.now() - t0)
    }
    // Baseline: the interval arithmetic alone, in process (no HTTP, no database).
    const win = [1, 2, 3, 4, 5, 6, 7].flatMap((d) => [{ dayOfWeek: d, startMinute: 0, endMinute: 720 }, { dayOfWeek: d, startMinute: 720, endMinute: 1440 }])
    const computeLat: number[] = []
    for (let i = 0; i < SEARCHES; i++) {
      const t0 = performance.now()
      const from = Date.now(); const to = from + 28 * 86_400_000
      intersect(availableIntervals(win, [], 'Europe/London', from, to), availableIntervals(win, [], 'Asia/Jerusalem', from, to))
      computeLat.push(performance.now() - t0)
    }

    const pass = {
      bookings: apiRate >= TARGET.bookingsPerS && pct(api.latencies, 99) <= TARGET.p99Ms,
      search: pct(searchLat, 95) <= TARGET.searchMs,
    }
    console.log(`scheduling bench${quick ? ' (quick)' : ''}: ${booked} bookings over HTTP from a client process after ${WARMUP} warm-up, ${CONCURRENCY} in flight, ${PAIRS} pairs; ` +
      `${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (client, server and PostgreSQL share them)`)
    console.log(`  bookings (accept via API)  ${f1(apiRate)}/s   p50 ${f1(pct(api.latencies, 50))} ms  p99 ${f1(pct(api.latencies, 99))} ms   target >= ${TARGET.bookingsPerS}/s, p99 <= ${TARGET.p99Ms} ms; CPU per booking: server ${f2(api.serverCpuMs / booked)} ms, client ${f2(api.cpuMs / booked)} ms`)
    console.log(`  (warm-up, not counted: ${WARMUP} bookings from a cold server, p50 ${f1(pct(api.warmLatencies, 50))} ms  p99 ${f1(pct(api.warmLatencies, 99))} ms)`)
    console.log(`  baseline: bare SQL booking ${f1(bareRate)}/s (API reaches ${f1(100 * apiRate / bareRate)}% of it)   p50 ${f1(pct(bare.latencies, 50))} ms  p99 ${f1(pct(bare.latencies, 99))} ms   (no HTTP, checks, audit or idempotency)`)
    console.log(`  baseline: naive check-then-insert, 50 overlapping bookings for one player -> ${naiveDoubles} rows (1 is correct); with the exclusion constraint: ${exclusionSessions} overlapping pairs`)
    console.log(`  availability search, pair, 4 weeks (${slots} slots)  p50 ${f1(pct(searchLat, 50))} ms  p95 ${f1(pct(searchLat, 95))} ms  p99 ${f1(pct(searchLat, 99))} ms   target p95 <= ${TARGET.searchMs} ms`)
    console.log(`  baseline: its two queries alone (no HTTP)     p50 ${f1(pct(queryLat, 50))} ms  p95 ${f1(pct(queryLat, 95))} ms`)
    console.log(`  baseline: interval arithmetic alone           p50 ${f1(pct(computeLat, 50))} ms  p95 ${f1(pct(computeLat, 95))} ms`)
    console.log(`${pass.bookings ? 'PASS' : 'FAIL'} bookings  ${pass.search ? 'PASS' : 'FAIL'} availability search`)
    process.exitCode = pass.bookings && pass.search ? 0 : 1
  } finally {
    await t.close()
    await dbInfo.drop()
  }
}

if (process.argv.includes('--client')) {
  process.once('message', (job: ClientJob) => {
    runClient(job).then((r) => process.send?.(r, () => process.exit(0)), (err) => { console.error(err); process.exit(1) })
  })
  process.send?.({ ready: true })
} else {
  await main()
}
