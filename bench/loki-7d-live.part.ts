/**
 * Part of loki-7d.bench.ts: what keeping the error feed live costs Loki with 50 open pages, on the
 * same realistic double and data, measured in the same run:
 * - before (as the pages did): each page reloads GET /api/errors?range=1h every 60 s; pages opened
 *   at different times do not share a flight, so a minute holds 50 feed computations (closed
 *   chunks from the cache, the open chunk from Loki);
 * - after: the live feed (errors/live/): ONE shared refresh every ERRORS_LIVE_INTERVAL_MS (5 s)
 *   for the 50 subscribers, plus each page's reload every LIVE_REBASE_MS (10 min) so its window
 *   slides: 50 pages / 10 min = 5 feed computations a minute.
 * Also the time from a line reaching Loki to its frame reaching a subscriber (target ≤ 5 s).
 */
import type { Counter } from 'prom-client'
import type { Classifier } from '../server/src/errors/classifier.js'
import { runFeed } from '../server/src/errors/feed.js'
import { parseErrorsQuery } from '../server/src/errors/input.js'
import { createLiveRefresher, type LivePeer } from '../server/src/errors/live/refresher.js'
import type { LiveFrame } from '../server/src/errors/live/schemas.js'
import { parseLiveMessage } from '../server/src/errors/live/subscription.js'
import type { LogSource } from '../server/src/logs/source.js'

const PAGES = 50
const POLL_MS = 60_000
const INTERVAL_MS = 5000
/** LIVE_REBASE_MS of ui/src/components/errors-live.ts (the UI's code is not compiled for Node). */
const LIVE_REBASE_MS = 10 * 60_000

export interface LiveDouble {
  stats: () => Promise<{ queries: number }>
  append: (lines: Array<[ms: number, stream: number, line: string]>) => Promise<true>
}

export interface LiveFigures { beforePerMin: number, afterPerMin: number, refreshPerMin: number, rebasePerMin: number, perRefresh: number, seeMs: number[] }

export async function benchLive (o: { double: LiveDouble, source: LogSource, classifier: Classifier, linesClassified: Counter<'severity'>, maxRangeDays: number, samples: number }): Promise<LiveFigures> {
  const { double, source, classifier } = o
  const feedOnce = async () => {
    const input = parseErrorsQuery({ range: '1h' }, o.maxRangeDays)
    await runFeed({ logSource: source, classifier, linesClassified: o.linesClassified }, input)
  }
  const asked = async () => (await double.stats()).queries
  await feedOnce() // the closed chunks into the cache, as on an instance that has been serving

  // Before: a minute of 50 pages polling (one reload each, at different moments).
  let mark = await asked()
  for (let i = 0; i < PAGES; i++) await feedOnce()
  const beforePerMin = ((await asked()) - mark) * (60_000 / POLL_MS)

  // After: 50 subscribers, a minute of shared refreshes (12 at 5 s), driven without waiting.
  const live = createLiveRefresher({ logSource: source, classifier, intervalMs: 3_600_000 })
  const frames: LiveFrame[][] = []
  const now = Date.now()
  for (let i = 0; i < PAGES; i++) {
    const got: LiveFrame[] = []
    frames.push(got)
    const peer: LivePeer = { send: (f) => { got.push(f) } }
    const p = parseLiveMessage({ type: 'errors.subscribe', id: `p${i}`, since: String(now - i * 1000), minSeverity: 'high' }, now, 3_600_000, o.maxRangeDays)
    if (p.kind !== 'subscribe') throw new Error('subscription refused')
    live.subscribe(peer, p.sub)
  }
  mark = await asked()
  const refreshes = 60_000 / INTERVAL_MS
  for (let i = 0; i < refreshes; i++) await live.refresh()
  const refreshPerMin = (await asked()) - mark
  mark = await asked()
  const rebases = PAGES * 60_000 / LIVE_REBASE_MS
  for (let i = 0; i < rebases; i++) await feedOnce()
  const rebasePerMin = (await asked()) - mark
  await live.stop()

  // Time to see a new event: the shared refresh on its real timer, a line written at a random moment.
  const timed = createLiveRefresher({ logSource: source, classifier, intervalMs: INTERVAL_MS })
  const seeMs: number[] = []
  for (let k = 0; k < o.samples; k++) {
    const marker = `checkout ledger rejected batch ${k}x${Math.random().toString(36).slice(2, 8)}`
    let seen: (() => void) | undefined
    const arrived = new Promise<void>((resolve) => { seen = resolve })
    const peer: LivePeer = { send: (f) => { if (f.type === 'errors.live' && f.groups.some((g) => g.samples.some((s) => s.line.includes(marker)))) seen?.() } }
    const p = parseLiveMessage({ type: 'errors.subscribe', id: `t${k}`, since: String(Date.now()), minSeverity: 'high' }, Date.now(), 3_600_000, o.maxRangeDays)
    if (p.kind !== 'subscribe') throw new Error('subscription refused')
    timed.subscribe(peer, p.sub)
    await new Promise((resolve) => setTimeout(resolve, Math.random() * INTERVAL_MS))
    const written = Date.now()
    await double.append([[written, 0, `level=error msg="${marker}"`]])
    await arrived
    seeMs.push(Date.now() - written)
    timed.unsubscribe(peer, `t${k}`)
  }
  await timed.stop()
  const perRefresh = refreshPerMin / refreshes
  return { beforePerMin, afterPerMin: refreshPerMin + rebasePerMin, refreshPerMin, rebasePerMin, perRefresh, seeMs }
}

export function reportLive (f: LiveFigures) {
  const row = (label: string, ...cells: string[]) => console.log(`  ${label.padEnd(44)}${cells.map((c) => c.padEnd(22)).join('')}`)
  console.log(`\nlive updates, ${PAGES} open pages (requests to the Loki double per minute)`)
  row('', 'before (60 s reloads)', 'after (live)')
  row('requests to Loki per minute', String(f.beforePerMin), `${f.afterPerMin} (${f.refreshPerMin} refresh + ${f.rebasePerMin} reloads)`)
  row(`shared refresh: requests per ${INTERVAL_MS / 1000} s refresh`, '', f.perRefresh.toFixed(2))
  row('time to see a new event', `up to ${POLL_MS / 1000} s`, `median ${(median(f.seeMs) / 1000).toFixed(2)} s, max ${(Math.max(...f.seeMs) / 1000).toFixed(2)} s`)
  return [
    { name: `a live update costs Loki at most one query per refresh for ${PAGES} pages (${f.perRefresh.toFixed(2)})`, ok: f.perRefresh <= 1 },
    { name: `live pages ask Loki less than polling pages (${f.afterPerMin} vs ${f.beforePerMin} requests a minute)`, ok: f.afterPerMin < f.beforePerMin },
    { name: `a new event reaches a subscriber within 5 s (max ${(Math.max(...f.seeMs) / 1000).toFixed(2)} s)`, ok: Math.max(...f.seeMs) <= 5000 },
  ]
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number }
