/**
 * The 7-day error feed against a Loki double that behaves like the team's Loki:
 * ~150 ms per query with jitter, 429 above 4 queries in flight or 10 per second,
 * an entry limit of 5000, and incidents that push some 6-hour chunks past it.
 * Baseline, measured in the same run: the old strategy (28 sequential 6-hour
 * chunks, 0.5 s sleep between them, limit 5000, no paging).
 *
 * Two things are measured: one log query (source.query with a broad error filter),
 * and the error feed as the user gets it: runFeed with the shipped rules for
 * range=7d, as GET /logs/api/errors runs it (its two log queries and its
 * count_over_time series), cold on a fresh instance and warm on a repeat a second
 * later, with the range ending now each time.
 *
 *   npx tsx bench/loki-7d.bench.ts [--quick]
 */
import axios from 'axios'
import pino from 'pino'
import { Counter, Registry } from 'prom-client'
import { loadConfig } from '../server/src/config.js'
import { createClassifier } from '../server/src/errors/classifier.js'
import { runFeed, type ErrorsAnswer } from '../server/src/errors/feed.js'
import { parseErrorsQuery, RANGES } from '../server/src/errors/input.js'
import { loadRules } from '../server/src/errors/rules.js'
import { createMemoryCache } from '../server/src/infra/redis.js'
import { buildLogQuery } from '../server/src/logs/loki/logql.js'
import { normalizeSelector } from '../server/src/logs/loki/selector.js'
import { createLokiSource } from '../server/src/logs/loki/source.js'
import type { LogQuery, LogSource, SeriesOutcome, SeriesQuery } from '../server/src/logs/source.js'
import { M } from '../server/src/metrics/names.js'
import { createMetrics } from '../server/src/metrics/registry.js'
import { Worker } from 'node:worker_threads'
import type { LokiDoubleOptions } from '../server/test/helpers/loki-double.js'

const quick = process.argv.includes('--quick')
const DAYS = quick ? 2 : 7
const WARM_RUNS = quick ? 5 : 15
const COLD_RUNS = 3
const H = 3_600_000
const CHUNK = 6 * H
const NOW = Date.now()
const START = NOW - DAYS * 24 * H
const ns = (ms: number) => BigInt(ms) * 1_000_000n
const fmt = (n: number) => n.toLocaleString('en-US')
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number }

// About 2,000 matching lines per 6 hours, plus incidents of ~8,500 error lines in 2 hours.
const incidents = (quick ? [0.5] : [0.2, 0.55, 0.9]).map((f) => Math.floor((START + f * (NOW - START)) / CHUNK) * CHUNK + H)
/** The double on its own thread (see loki-7d.worker.ts), driven by small RPCs. */
async function startDoubleThread (options: LokiDoubleOptions) {
  // Loader hooks do not reach worker threads on Node 20: the worker registers tsx itself.
  const tsx = import.meta.resolve('tsx/esm/api')
  const entry = new URL('./loki-7d.worker.ts', import.meta.url).href
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`, { eval: true, workerData: options })
  const waiting = new Map<number, (v: unknown) => void>()
  worker.on('message', (m: { id: number, result: unknown }) => { waiting.get(m.id)?.(m.result); waiting.delete(m.id) })
  let next = 1
  const call = <T>(method: string, ...args: string[]) => new Promise<T>((resolve) => {
    const id = next++
    waiting.set(id, resolve as (v: unknown) => void)
    worker.postMessage({ id, method, args })
  })
  const url = await new Promise<string>((resolve, reject) => {
    waiting.set(0, resolve as (v: unknown) => void)
    worker.once('error', reject)
  })
  return {
    url,
    trueCount: (query: string, startNs: bigint, endNs: bigint) => call<number>('trueCount', query, String(startNs), String(endNs)),
    stats: () => call<{ queries: number, rateLimited: number }>('stats'),
    since: (n: number) => call<Array<{ startNs: string, endNs: string, step: string | null, status: number }>>('since', String(n)),
    call,
    close: async () => { const r = await call<true | string>('close'); await worker.terminate(); return r },
  }
}

const double = await startDoubleThread({
  latencyMs: 150,
  jitterMs: 50,
  maxConcurrent: 4,
  maxQueriesPerSecond: 10,
  maxEntriesLimit: 5000,
  data: {
    seed: 42,
    count: DAYS * 4 * 8000,
    startMs: START - CHUNK,
    endMs: NOW,
    errorRatio: 0.25,
    bursts: incidents.map((s) => ({ startMs: s, endMs: s + 2 * H, count: 9000, errorRatio: 0.95 })),
  },
})

const include = '(?i)error|fatal|panic|" 5\\d\\d '
const selector = normalizeSelector('{job=~".+"}')
const logql = buildLogQuery({ selector, include, strategy: 'inline' })
const truth = await double.trueCount(logql, ns(START), ns(NOW))
let busiest = 0
for (let t = Math.floor(START / CHUNK) * CHUNK; t < NOW; t += CHUNK) busiest = Math.max(busiest, await double.trueCount(logql, ns(t), ns(t + CHUNK)))

async function oldStrategy () {
  const started = performance.now()
  let lines = 0
  let userSaw429 = 0
  let failed = 0
  const chunks = DAYS * 4
  for (let i = 0; i < chunks; i++) {
    const end = NOW - i * CHUNK
    const res = await axios.get(`${double.url}/loki/api/v1/query_range`, {
      params: { query: logql, start: String(ns(end - CHUNK)), end: String(ns(end)), limit: 5000, direction: 'backward' },
      validateStatus: () => true,
    })
    if (res.status === 200) {
      for (const s of res.data.data.result as Array<{ values: unknown[] }>) lines += s.values.length
    } else {
      failed++
      if (res.status === 429) userSaw429++
    }
    if (i < chunks - 1) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  return { ms: performance.now() - started, lines, userSaw429, failed, requests: chunks }
}

// (?i) inline, as auto would choose for this 2.8.4 double, so a fresh instance's first query is not a buildinfo probe.
const config = loadConfig({ LOKI_URL: double.url, LOG_LEVEL: 'silent', DATA_DIR: '/tmp/tovwatch-bench', LOKI_CASE_INSENSITIVE: 'inline' })

/** A fresh TovWatch instance: its own metrics, its own (empty) cache. */
function instance () {
  const metrics = createMetrics(new Registry())
  // The shared cache (Redis in production, an LRU of strings here) outlives a source's in-process copy.
  const shared = createMemoryCache('loki', metrics)
  const source = createLokiSource(config.loki, { metrics, cache: shared, logger: pino({ level: 'silent' }) })
  const metric = async (name: string) => ((await metrics.registry.getSingleMetric(name)?.get())?.values ?? []).reduce((sum, v) => sum + v.value, 0)
  return { metrics, shared, source, metric }
}

async function tovwatch (source: ReturnType<typeof instance>['source'], q: Omit<LogQuery, 'maxEntries'>) {
  const before = await double.stats()
  const started = performance.now()
  let lines = 0
  let outcome: Awaited<ReturnType<typeof source.query>> | undefined
  let error: Error | undefined
  try {
    outcome = await source.query({ ...q, maxEntries: 1_000_000 }, (page) => { lines += page.length })
  } catch (err) {
    error = err as Error
  }
  const ms = performance.now() - started
  const after = await double.stats()
  return { ms, lines, outcome, error, requests: after.queries - before.queries, rateLimited: after.rateLimited - before.rateLimited }
}

console.log(`loki-7d${quick ? ' --quick' : ''}: ${DAYS}-day error feed against a Loki double (150 ± 50 ms per query; 429 above 4 in flight or 10/s; entry limit 5000)`)
console.log(`data: ${fmt(truth)} matching lines in ${DAYS} days; busiest 6-hour chunk holds ${fmt(busiest)} (over the limit)`)

const old = await oldStrategy()
// Cold runs, each on a fresh instance and a fresh second of Loki's rate window; the median is reported.
const colds: Array<Awaited<ReturnType<typeof tovwatch>> & { retries: number }> = []
let last = instance()
for (let i = 0; i < COLD_RUNS; i++) {
  if (i > 0) {
    await last.source.close()
    last = instance()
  }
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const r = await tovwatch(last.source, { startNs: ns(START), endNs: ns(NOW), include })
  colds.push({ ...r, retries: await last.metric(M.lokiRetries) })
}
const cold = [...colds].sort((a, b) => a.ms - b.ms)[Math.floor(colds.length / 2)] as (typeof colds)[number]
const source = last.source
const shared = last.shared

await new Promise((resolve) => setTimeout(resolve, 1100)) // a fresh second of Loki's rate window
const closedEnd = Math.floor((Date.now() - 2 * 60_000) / CHUNK) * CHUNK
const warmClosed: number[] = []
const warmNow: number[] = []
let warmOk = true
for (let i = 0; i < WARM_RUNS; i++) {
  const a = await tovwatch(source, { startNs: ns(closedEnd - DAYS * 24 * H), endNs: ns(closedEnd), include })
  warmClosed.push(a.ms)
  warmOk &&= a.requests === 0 && a.outcome?.complete === true
  const b = await tovwatch(source, { startNs: ns(START), endNs: ns(NOW), include })
  warmNow.push(b.ms)
  warmOk &&= b.requests - b.rateLimited === 1 && b.lines === truth
}
// Another instance (empty in-process copy) reading the closed chunks from the shared cache.
const warmShared: number[] = []
for (let i = 0; i < Math.min(WARM_RUNS, 5); i++) {
  const other = createLokiSource(config.loki, { metrics: createMetrics(new Registry()), cache: shared, logger: pino({ level: 'silent' }) })
  const started = performance.now()
  await other.query({ startNs: ns(closedEnd - DAYS * 24 * H), endNs: ns(closedEnd), include, maxEntries: 1_000_000 }, () => {})
  warmShared.push(performance.now() - started)
  await other.close()
}
await source.close()

// The error feed as the user gets it: GET /logs/api/errors?range=7d runs runFeed with the shipped rules.
const RANGE = quick ? '24h' : '7d'
const classifier = createClassifier(loadRules())
const lagMs = config.loki.ingestionLagS * 1000

/** The source as the feed sees it, counting the lines handed over and keeping what was asked. */
function watched (src: LogSource) {
  const seen = { lines: 0, queries: [] as LogQuery[], series: [] as Array<{ q: SeriesQuery, out: SeriesOutcome }> }
  const wrapped: LogSource = {
    kind: src.kind,
    query: async (q, onPage) => {
      seen.queries.push(q)
      return await src.query(q, (page) => { seen.lines += page.length; onPage(page) })
    },
    series: async (q) => {
      const out = await src.series(q)
      seen.series.push({ q, out })
      return out
    },
    health: async () => await src.health(),
    close: async () => await src.close(),
  }
  return { wrapped, seen }
}

async function feed (inst: ReturnType<typeof instance>, raw: { range?: string, start?: string, end?: string } = { range: RANGE }) {
  const { wrapped, seen } = watched(inst.source)
  const linesClassified = new Counter({ name: 'bench_lines_classified_total', help: 'lines classified', labelNames: ['severity'] as const, registers: [] })
  const input = parseErrorsQuery(raw, config.maxRangeDays)
  // Chunks ending before this were closed when the request started: a warm repeat must not ask Loki for them.
  const closedBefore = Math.floor((Date.now() - lagMs) / CHUNK) * CHUNK
  const n = (await double.stats()).queries
  const started = performance.now()
  let answer: ErrorsAnswer | undefined
  let error: Error | undefined
  try {
    answer = await runFeed({ logSource: wrapped, classifier, linesClassified, maxEntries: config.errors.maxEntries, groupLabels: config.errors.groupLabels }, input)
    JSON.stringify(answer)
  } catch (err) {
    error = err as Error
  }
  const ms = performance.now() - started
  const asked = await double.since(n)
  // The truth, from the double: every line each log query matches, and every count of the series.
  let truthLines = 0
  for (const q of seen.queries) {
    truthLines += await double.trueCount(buildLogQuery({ selector, filter: q.filter, include: q.include, exclude: q.exclude, strategy: 'inline' }), q.startNs, q.endNs)
  }
  let seriesExact = seen.series.length === 1
  let seriesCounted = 0
  for (const { q, out } of seen.series) {
    const from = ns(out.timestamps[0] as number) + 1n
    const to = ns((out.timestamps[out.timestamps.length - 1] as number) + q.stepSeconds * 1000) + 1n
    for (const b of q.buckets) {
      const sum = (out.values[b.name] ?? []).reduce((x, y) => x + y, 0)
      seriesCounted += sum
      seriesExact &&= sum === await double.trueCount(buildLogQuery({ selector, filter: q.filter, include: b.include, exclude: b.exclude, strategy: 'inline' }), from, to)
    }
  }
  const reasons = [...(answer?.incompleteReasons ?? []), ...(answer?.failedChunks ?? []).map((f) => f.reason), ...(error !== undefined ? [error.message] : [])]
  return {
    ms,
    answer,
    error,
    lines: seen.lines,
    truthLines,
    seriesExact,
    seriesCounted,
    saw429: reasons.some((r) => /429|rate.?limit/i.test(r)) || error !== undefined,
    requests: asked.length,
    rateLimited: asked.filter((r) => r.status === 429).length,
    closedRequests: asked.filter((r) => BigInt(r.startNs) < ns(closedBefore)).length,
  }
}

const feedColds: Array<Awaited<ReturnType<typeof feed>> & { retries: number }> = []
let feedInst = instance()
for (let i = 0; i < COLD_RUNS; i++) {
  if (i > 0) {
    await feedInst.source.close()
    feedInst = instance()
  }
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const r = await feed(feedInst)
  feedColds.push({ ...r, retries: await feedInst.metric(M.lokiRetries) })
}
const feedCold = [...feedColds].sort((a, b) => a.ms - b.ms)[Math.floor(feedColds.length / 2)] as (typeof feedColds)[number]
// A user's repeat: the same range, ending now, a second later (a fresh second of Loki's rate window).
const feedWarms: Array<Awaited<ReturnType<typeof feed>>> = []
for (let i = 0; i < WARM_RUNS; i++) {
  await new Promise((resolve) => setTimeout(resolve, 1100))
  feedWarms.push(await feed(feedInst))
}
// The same feed over a range that ends on a closed chunk boundary: no Loki at all, so this is TovWatch's own time.
const feedEnd = Math.floor((Date.now() - lagMs) / CHUNK) * CHUNK
const feedLocal: Array<Awaited<ReturnType<typeof feed>>> = []
for (let i = 0; i < WARM_RUNS; i++) {
  feedLocal.push(await feed(feedInst, { start: String(feedEnd - RANGES[RANGE]), end: String(feedEnd) }))
}
await feedInst.source.close()
const doubleClosed = await double.close()

const userSaw429 = colds.filter((c) => c.error !== undefined || (c.outcome?.failedChunks ?? []).some((f) => /429|rate/i.test(f.reason))).length
const speedup = old.ms / cold.ms
const checks = [
  { name: `≥5× faster than the old strategy (${speedup.toFixed(1)}×, median of ${COLD_RUNS} cold runs)`, ok: speedup >= 5 },
  { name: `no 429 reaches the user (${COLD_RUNS} cold runs)`, ok: userSaw429 === 0 },
  { name: `every matching line accounted for in every cold run (${colds.map((c) => fmt(c.lines)).join(', ')} of ${fmt(truth)})`, ok: colds.every((c) => c.lines === truth && c.outcome?.complete === true) },
  { name: `warm repeat, closed chunks, median ≤ 50 ms (${median(warmClosed).toFixed(1)} ms)`, ok: median(warmClosed) <= 50 && warmOk },
]
const feeds = [...feedColds, ...feedWarms, ...feedLocal]
const feedSaw429 = feeds.filter((f) => f.saw429).length
const accounted = (f: (typeof feeds)[number]) => f.error === undefined && f.lines === f.truthLines && f.seriesExact && f.answer?.complete === true
checks.push(
  { name: `feed range=${RANGE}: no 429 reaches the user (${feeds.length} runs: cold, warm, and warm on closed chunks)`, ok: feedSaw429 === 0 },
  { name: `feed range=${RANGE}: every matching line grouped and every count exact in every run (${feeds.filter(accounted).length} of ${feeds.length})`, ok: feeds.every(accounted) },
  { name: `feed range=${RANGE}: a warm repeat asks Loki only about the open chunk (${fmt(feedWarms.reduce((a, f) => a + f.closedRequests, 0))} requests for closed ones)`, ok: feedWarms.every((f) => f.closedRequests === 0) && feedLocal.every((f) => f.requests === 0) },
  { name: `feed range=${RANGE}: warm repeat on closed chunks, median ≤ 50 ms (${median(feedLocal.map((f) => f.ms)).toFixed(1)} ms)`, ok: median(feedLocal.map((f) => f.ms)) <= 50 },
  { name: 'the double received only LogQL that Loki accepts', ok: doubleClosed === true }
)
const row = (label: string, a: string, b: string) => console.log(`  ${label.padEnd(34)}${a.padEnd(24)}${b}`)
row('', 'old (sequential)', 'TovWatch')
row('wall time', secs(old.ms), `${secs(cold.ms)} (runs: ${colds.map((c) => secs(c.ms)).join(', ')})`)
row('requests to Loki', fmt(old.requests), `${fmt(cold.requests)} (${fmt(cold.rateLimited)} 429s absorbed, ${fmt(cold.retries)} retries)`)
row('429s seen by the user', fmt(old.userSaw429), fmt(userSaw429))
row('lines accounted for', `${fmt(old.lines)} / ${fmt(truth)}`, `${fmt(cold.lines)} / ${fmt(truth)}`)
row('lines lost silently', fmt(truth - old.lines), cold.outcome?.complete === true ? '0' : `${fmt(truth - cold.lines)} (reported: ${cold.outcome?.incompleteReasons.join('; ') ?? cold.error?.message ?? ''})`)
row(`warm repeat, closed chunks (median of ${WARM_RUNS})`, '', `${median(warmClosed).toFixed(1)} ms, 0 requests`)
row(`warm, another instance (median of ${warmShared.length})`, '', `${median(warmShared).toFixed(1)} ms (decoding the shared cache's compressed values)`)
row(`warm repeat ending now (median of ${WARM_RUNS})`, '', `${median(warmNow).toFixed(1)} ms, 1 request (the open chunk; ~150 ms is the double's latency)`)
console.log(`the error feed as the user gets it: runFeed(range=${RANGE}) with the shipped rules (${classifier.rules.length} rules), as GET /logs/api/errors runs it`)
const feedSpeedup = old.ms / feedCold.ms
row('wall time, cold', secs(old.ms), `${secs(feedCold.ms)} (${feedSpeedup.toFixed(1)}×; runs: ${feedColds.map((c) => secs(c.ms)).join(', ')})`)
row('requests to Loki, cold', fmt(old.requests), `${fmt(feedCold.requests)} (${fmt(feedCold.rateLimited)} 429s absorbed, ${fmt(feedCold.retries)} retries)`)
row(`warm repeat (median of ${WARM_RUNS}, 1 s apart)`, '', `${median(feedWarms.map((f) => f.ms)).toFixed(1)} ms (min ${Math.min(...feedWarms.map((f) => f.ms)).toFixed(1)}, max ${Math.max(...feedWarms.map((f) => f.ms)).toFixed(1)}), ${median(feedWarms.map((f) => f.requests))} requests, all for the open chunk (~150 ms each at the double)`)
row(`warm, range ending on a closed chunk (median of ${WARM_RUNS})`, '', `${median(feedLocal.map((f) => f.ms)).toFixed(1)} ms, ${Math.max(...feedLocal.map((f) => f.requests))} requests (no Loki: classifying and grouping ${fmt(feedLocal[0]?.lines ?? 0)} cached lines)`)
row('429s seen by the user', fmt(old.userSaw429), `${fmt(feedSaw429)} of ${feeds.length} runs (${fmt(feeds.reduce((a, f) => a + f.rateLimited, 0))} 429s absorbed)`)
row('lines accounted for, cold', '', `${fmt(feedCold.lines)} / ${fmt(feedCold.truthLines)} grouped; series ${feedCold.seriesExact ? 'exact' : 'NOT exact'} (${fmt(feedCold.seriesCounted)} counted)`)
row('lines accounted for, warm', '', `${fmt([...feedWarms, ...feedLocal].filter(accounted).length)} of ${feedWarms.length + feedLocal.length} runs complete and exact`)
if (feedCold.answer !== undefined && !feedCold.answer.complete) console.log(`  cold feed incomplete: ${feedCold.answer.incompleteReasons.join('; ')}`)
if (feedCold.error !== undefined) console.log(`  cold feed failed: ${feedCold.error.message}`)
if (doubleClosed !== true) console.log(`  ${doubleClosed}`)
for (const c of checks) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}`)
const pass = checks.every((c) => c.ok)
console.log(pass ? 'RESULT: PASS' : 'RESULT: FAIL')
process.exit(pass ? 0 : 1)
