/**
 * Alert throughput: Alertmanager-style webhooks (100 alerts each, 4 in flight) stored in the real
 * PostgreSQL for 30 s, with WebSocket clients connected (in a worker thread). Then every client's
 * event ids are checked against the store: none lost, none doubled, in order.
 * Baseline, same run: one alert per webhook, one at a time (what a naive receiver gets).
 * Target: ≥ 1,000 alerts/s stored over the run and in every 5-second window (after a warm-up).
 * `--quick`: 5 s, 10 clients.
 */
import type { AddressInfo } from 'node:net'
import { Worker } from 'node:worker_threads'

const TOKEN = 'bench-webhook-token-0123456789'
const VIEWER = 'viewer-token-0123456789abcdef'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Plain JavaScript (a worker has no TypeScript loader): counts event ids per client. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const WebSocket = require(require.resolve('ws', { paths: [workerData.cwd] }))
;(async () => {
  const clients = []
  for (let i = 0; i < workerData.clients; i++) {
    const c = { ids: [], closed: null }
    const ws = new WebSocket(workerData.wsUrl, { headers: { authorization: 'Bearer ' + workerData.viewer } })
    ws.on('message', (data) => {
      const s = data.toString()
      if (s.startsWith('{"type":"event"')) c.ids.push(Number(/^{"type":"event","id":"(\\d+)"/.exec(s)[1]))
    })
    ws.on('close', (code, reason) => { c.closed = code + ' ' + reason })
    c.ws = ws
    clients.push(c)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  }
  parentPort.postMessage({ type: 'ready' })
  parentPort.on('message', (msg) => {
    if (msg.type !== 'collect') return
    for (const c of clients) c.ws.terminate()
    parentPort.postMessage({ type: 'result', clients: clients.map((c) => ({ ids: c.ids, closed: c.closed })) })
  })
})().catch((err) => { console.error(err); process.exit(1) })
`

function payload (n: number, run: string, offset: number) {
  const startsAt = new Date().toISOString()
  return JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'tovwatch',
    groupKey: 'bench',
    truncatedAlerts: 0,
    alerts: Array.from({ length: n }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'BenchThroughput', severity: 'medium', instance: `host-${(offset + i) % 500}`, job: 'bench' },
      annotations: { summary: 'throughput probe', description: 'an alert like many others' },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: `${run}${(offset + i).toString(16).padStart(10, '0')}`,
    })),
  })
}

async function main () {
  const { createTestDatabase } = await import('../server/fixtures/db.js')
  const { have } = await import('../server/fixtures/services.js')
  if (!(await have('postgres'))) throw new Error('this benchmark needs the real PostgreSQL')
  const db = await createTestDatabase('tw_bench')
  let pass = false
  try {
    pass = await run(db)
  } finally {
    // WITH (FORCE): also after a crash that left the app's pools open.
    await db.drop()
  }
  process.exit(pass ? 0 : 1)
}

async function run (db: { url: string }): Promise<boolean> {
  const quick = process.argv.includes('--quick')
  const seconds = quick ? 5 : 30
  const clientCount = quick ? 10 : 50
  const batch = 100
  const inFlight = 4
  const { buildTestApp } = await import('../server/fixtures/app.js')
  const t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: TOKEN }, { parts: { errors: false, database: false, scheduling: false, web: false } })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (t.app.server.address() as AddressInfo).port
  const hook = `http://127.0.0.1:${port}/logs/api/alerts/webhook`
  const post = async (body: string) => {
    const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body })
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`)
    return (await res.json() as { stored: number }).stored
  }
  const runId = Date.now().toString(16)

  // Baseline: one alert per request, sequential.
  const baseS = quick ? 1 : 3
  let baseN = 0
  const baseEnd = performance.now() + baseS * 1000
  while (performance.now() < baseEnd) baseN += await post(payload(1, 'b' + runId, baseN))
  const baseline = baseN / baseS

  const { max: startId } = await t.app.alerts.store.eventBounds()
  const worker = new Worker(WORKER, { eval: true, workerData: { cwd: process.cwd(), viewer: VIEWER, wsUrl: `ws://127.0.0.1:${port}/logs/api/alerts/stream?lastEventId=${startId}`, clients: clientCount } })
  const inbox: Array<(m: any) => void> = []
  worker.on('message', (m) => inbox.shift()?.(m))
  const next = () => new Promise<any>((resolve) => inbox.push(resolve))
  await next()
  console.log(`store: PostgreSQL; ${clientCount} WebSocket clients in a worker thread; ${batch} alerts per webhook, ${inFlight} in flight, ${seconds} s`)

  let offset = 0
  // Warm-up (JIT, connection pools) at full speed, not measured.
  const warmEnd = performance.now() + (quick ? 1000 : 3000)
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < warmEnd) {
      const mine = offset
      offset += batch
      await post(payload(batch, 't' + runId, mine))
    }
  }))
  const warm = offset
  const perSecond = new Array<number>(seconds).fill(0)
  const started = performance.now()
  const end = started + seconds * 1000
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const mine = offset
      offset += batch
      const stored = await post(payload(batch, 't' + runId, mine))
      const s = Math.floor((performance.now() - started) / 1000)
      if (s < seconds) perSecond[s] = (perSecond[s] ?? 0) + stored
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  const total = offset
  const measured = offset - warm
  await sleep(quick ? 500 : 2000)
  await t.app.alerts.hub.idle()
  await sleep(500)
  worker.postMessage({ type: 'collect' })
  const result = await next() as { clients: Array<{ ids: number[], closed: string | null }> }
  await worker.terminate()

  const stored = await t.deps.pg.store.query<{ id: string }>('SELECT id FROM tw_alert_events WHERE id > $1 ORDER BY id', [startId])
  const expected = stored.rows.map((r) => Number(r.id))
  let lost = 0
  let doubled = 0
  let outOfOrder = 0
  for (const c of result.clients) {
    const seen = new Set<number>()
    for (const [i, id] of c.ids.entries()) {
      if (seen.has(id)) doubled++
      seen.add(id)
      if (i > 0 && id <= (c.ids[i - 1] as number)) outOfOrder++
    }
    for (const id of expected) if (!seen.has(id)) lost++
  }
  const rate = measured / elapsed
  const windows = perSecond.slice(4).map((_, i) => perSecond.slice(i, i + 5).reduce((a, b) => a + b, 0) / 5)
  const minWindow = Math.min(...windows)
  console.log(`\nbaseline, 1 alert per webhook:   ${baseline.toFixed(0).padStart(7)} alerts/s`)
  console.log(`batched webhooks, ${seconds} s:        ${rate.toFixed(0).padStart(7)} alerts/s (${measured} alerts; slowest 5-s window ${minWindow.toFixed(0)}/s)`)
  console.log(`per second: ${perSecond.join(' ')}`)
  console.log(`clients: ${result.clients.length}, each expected ${expected.length} events (warm-up included); lost ${lost}, doubled ${doubled}, out of order ${outOfOrder}; closed early: ${result.clients.filter((c) => c.closed !== null).length}`)
  const ok = rate >= 1000 && minWindow >= 1000 && expected.length === total && lost === 0 && doubled === 0 && outOfOrder === 0
  console.log(`\n${ok ? 'PASS' : 'FAIL'}: ${rate.toFixed(0)} alerts/s (target ≥ 1000, and in every 5-s window; ${(rate / baseline).toFixed(1)}x the baseline), every event reached every client exactly once: ${lost === 0 && doubled === 0 ? 'yes' : 'no'}`)

  await t.close()
  return ok
}

main().catch((err) => { console.error(err); process.exit(1) })
