/**
 * Alert latency: webhook POST → receipt by every one of 1,000 WebSocket clients (p50, p99),
 * next to a client that polls GET /api/alerts every second, in the same run.
 * Target: p99 ≤ 100 ms. Clients and the poller run in worker threads so they do not
 * share the server's event loop. `--quick`: 200 clients, 8 alerts.
 */
import type { AddressInfo } from 'node:net'
import { Worker } from 'node:worker_threads'

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const TOKEN = 'bench-webhook-token-0123456789'
const VIEWER = 'viewer-token-0123456789abcdef'

/** The clients' side, in plain JavaScript: a worker thread evaluates it (no TypeScript loader there). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const WebSocket = require(require.resolve('ws', { paths: [workerData.cwd] }))
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
;(async () => {
  const { wsUrl, listUrl, clients, viewer, poll } = workerData
  const receipts = new Map()
  const polled = new Map()
  const sockets = []
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(wsUrl, { headers: { authorization: 'Bearer ' + viewer } })
    ws.on('message', (data) => {
      const at = now()
      // What a browser does with it is its own time; find the probe's number without parsing it all.
      const m = /"bench_seq":"(\\d+)"/.exec(data.toString())
      const seq = m === null ? undefined : m[1]
      if (seq === undefined) return
      let list = receipts.get(seq)
      if (list === undefined) receipts.set(seq, (list = []))
      list.push(at)
    })
    sockets.push(ws)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  }
  let polling = poll
  const poller = (async () => {
    while (polling) {
      const started = now()
      const res = await fetch(listUrl, { headers: { authorization: 'Bearer ' + viewer } })
      const body = await res.json()
      const at = now()
      for (const a of body.alerts) if (a.labels.bench_seq !== undefined && !polled.has(a.labels.bench_seq)) polled.set(a.labels.bench_seq, at)
      await sleep(Math.max(0, 1000 - (now() - started)))
    }
  })()
  parentPort.postMessage({ type: 'ready' })
  parentPort.on('message', async (msg) => {
    if (msg.type !== 'collect') return
    polling = false
    await poller
    for (const s of sockets) s.terminate()
    parentPort.postMessage({ type: 'result', receipts: [...receipts], polled: [...polled] })
  })
})().catch((err) => { console.error(err); process.exit(1) })
`

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN
}

async function main () {
  const { createTestDatabase } = await import('../server/fixtures/db.js')
  const { have } = await import('../server/fixtures/services.js')
  const db = (await have('postgres')) ? await createTestDatabase('tw_bench') : undefined
  let pass = false
  try {
    pass = await run(db)
  } finally {
    // WITH (FORCE): also after a crash that left the app's pools open.
    await db?.drop()
  }
  process.exit(pass ? 0 : 1)
}

async function run (db: { url: string } | undefined): Promise<boolean> {
  const quick = process.argv.includes('--quick')
  const clients = quick ? 200 : 1000
  const alerts = quick ? 8 : 40
  const threads = 2
  const { buildTestApp } = await import('../server/fixtures/app.js')
  const t = await buildTestApp({ DATABASE_URL: db?.url, ALERT_WEBHOOK_TOKEN: TOKEN },
    { parts: { errors: false, database: false, scheduling: false, web: false } })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (t.app.server.address() as AddressInfo).port
  const base = `http://127.0.0.1:${port}/logs/api/alerts`
  console.log(`store: ${db === undefined ? 'embedded PGlite' : 'PostgreSQL'}; ${clients} WebSocket clients in ${threads} worker threads; ${alerts} alerts`)

  // Browsers do not share a thread: the clients are split over two workers (the poller runs in the first).
  const workers = Array.from({ length: threads }, (_, i) => {
    const w = new Worker(WORKER, { eval: true, workerData: { cwd: process.cwd(), viewer: VIEWER, poll: i === 0, wsUrl: `ws://127.0.0.1:${port}/logs/api/alerts/stream`, listUrl: `${base}?state=firing&label=bench=latency&limit=1000`, clients: clients / threads } })
    const inbox: Array<(m: any) => void> = []
    w.on('message', (m) => inbox.shift()?.(m))
    return { w, next: () => new Promise<any>((resolve) => inbox.push(resolve)) }
  })
  await Promise.all(workers.map((x) => x.next()))
  console.log(`${clients} clients connected`)
  await sleep(500)

  const sent = new Map<string, number>()
  const posts: number[] = []
  // When each probe's COMMIT returned (same clock): splits the latency into storing and pushing.
  const committedAt = new Map<string, number>()
  const store = t.app.alerts.store
  const write = store.write.bind(store)
  store.write = async (inputs) => {
    const out = await write(inputs)
    const at = now()
    for (const i of inputs) if (i.labels.bench_seq !== undefined) committedAt.set(i.labels.bench_seq, at)
    return out
  }
  for (let i = 0; i < alerts; i++) {
    const seq = String(i)
    const body = JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'tovwatch',
      groupKey: 'bench',
      truncatedAlerts: 0,
      alerts: [{ status: 'firing', labels: { alertname: 'BenchLatency', severity: 'high', bench: 'latency', bench_seq: seq }, annotations: { summary: 'latency probe' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: `bench${Date.now().toString(16)}${i}` }],
    })
    sent.set(seq, now())
    const t0 = now()
    const res = await fetch(`${base}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body })
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`)
    posts.push(now() - t0)
    // Spread over the poll period so the poller's latency is measured fairly.
    await sleep(quick ? 300 : 250)
  }
  await sleep(quick ? 1200 : 2500)
  const results = await Promise.all(workers.map(async (x) => {
    const done = x.next()
    x.w.postMessage({ type: 'collect' })
    const r = await done as { receipts: Array<[string, number[]]>, polled: Array<[string, number]> }
    await x.w.terminate()
    return r
  }))

  const afterCommit: number[] = []
  const all: number[] = []
  const lastClient: number[] = []
  let missing = 0
  const receipts = new Map<string, number[]>()
  for (const r of results) for (const [seq, times] of r.receipts) receipts.set(seq, [...(receipts.get(seq) ?? []), ...times])
  for (const [seq, t0] of sent) {
    const r = receipts.get(seq) ?? []
    missing += clients - r.length
    for (const at of r) all.push(at - t0)
    const c = committedAt.get(seq)
    if (c !== undefined) for (const at of r) afterCommit.push(at - c)
    if (r.length > 0) lastClient.push(Math.max(...r) - t0)
  }
  const polled = new Map(results[0]?.polled ?? [])
  const pollLat = [...sent].filter(([seq]) => polled.has(seq)).map(([seq, t0]) => (polled.get(seq) as number) - t0)

  const f = (x: number) => `${x.toFixed(1)} ms`
  console.log('\n                              p50          p99          max')
  console.log(`push, every receipt       ${f(pct(all, 50)).padStart(10)}   ${f(pct(all, 99)).padStart(10)}   ${f(Math.max(...all)).padStart(10)}   (${all.length} receipts)`)
  console.log(`push, last of ${String(clients).padEnd(4)} clients ${f(pct(lastClient, 50)).padStart(10)}   ${f(pct(lastClient, 99)).padStart(10)}   ${f(Math.max(...lastClient)).padStart(10)}`)
  console.log(`baseline: poll every 1 s  ${f(pct(pollLat, 50)).padStart(10)}   ${f(pct(pollLat, 99)).padStart(10)}   ${f(Math.max(...pollLat)).padStart(10)}   (${pollLat.length}/${sent.size} alerts seen)`)
  console.log(`  of which COMMIT → client ${f(pct(afterCommit, 50)).padStart(10)}   ${f(pct(afterCommit, 99)).padStart(10)}   ${f(Math.max(...afterCommit)).padStart(10)}`)
  console.log(`webhook answer (stored)   ${f(pct(posts, 50)).padStart(10)}   ${f(pct(posts, 99)).padStart(10)}   ${f(Math.max(...posts)).padStart(10)}`)
  if (process.argv.includes('--verbose')) console.log('last client per alert:', lastClient.map((x) => x.toFixed(0)).join(' '))
  console.log(`missing receipts: ${missing}`)
  const p99 = pct(all, 99)
  const ok = p99 <= 100 && missing === 0
  console.log(`\n${ok ? 'PASS' : 'FAIL'}: p99 ${f(p99)} (target ≤ 100 ms), ${(pct(pollLat, 50) / pct(all, 50)).toFixed(0)}x faster than polling at p50; ${missing} receipts missing`)

  await t.close()
  return ok
}

main().catch((err) => { console.error(err); process.exit(1) })
