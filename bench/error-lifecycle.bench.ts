/**
 * What the error lifecycle costs the feed (issue 13: "updating first/last seen must not slow the
 * feed noticeably"): the same feed over the same lines (1,000 groups of 5 events, from memory, so
 * the store is all that differs) without the lifecycle pass, and with it on the embedded PGlite
 * (the default store) and on the real PostgreSQL when there is one, in the same run: the first
 * answer (every group new: one read, one batched insert), a repeat with nothing changed (one read,
 * no write) and a repeat where every group was seen again later (one read, one batched update).
 * Target: with nothing changed, the pass (timed on its own, interleaved with the feed without it)
 * takes at most 25 ms or 20% of the feed's time, whichever is more (medians).
 *
 *   npx tsx bench/error-lifecycle.bench.ts [--quick]
 */
import { Counter, Registry } from 'prom-client'
import type pg from 'pg'
import { createAlertSink } from '../server/src/alerts/sink.js'
import { createClassifier } from '../server/src/errors/classifier.js'
import { runFeed, type FeedDeps } from '../server/src/errors/feed.js'
import { createFeedLifecycle } from '../server/src/errors/lifecycle/feed-pass.js'
import { migrateLifecycleStore } from '../server/src/errors/lifecycle/migrate.js'
import { createNewGroupAlerts } from '../server/src/errors/lifecycle/new-group-alert.js'
import { createLifecycleStore } from '../server/src/errors/lifecycle/store.js'
import { loadRules } from '../server/src/errors/rules.js'
import { createPool, startEmbeddedPostgres } from '../server/src/infra/postgres.js'
import type { LogEntry, LogSource } from '../server/src/logs/source.js'
import { createTestDatabase } from '../server/fixtures/db.js'
import { have } from '../server/fixtures/services.js'

const quick = process.argv.includes('--quick')
const GROUPS = 1000
const PER_GROUP = 5
const RUNS = quick ? 5 : 15
const HOUR = 3600_000

function entries (endMs: number, shiftMs: number): LogEntry[] {
  const out: LogEntry[] = []
  for (let g = 0; g < GROUPS; g++) {
    for (let k = 0; k < PER_GROUP; k++) {
      const ms = endMs - HOUR + 60_000 + ((g * PER_GROUP + k) * 600) % (HOUR - 120_000) + shiftMs
      out.push({ tsNs: BigInt(ms) * 1_000_000n, labels: { job: 'tovplay/api', level: 'error' }, line: `{"level":50,"time":${ms},"msg":"handler ${g.toString(36)}x failed","err":{"type":"Error${g}","message":"step ${k} broke"}}` })
    }
  }
  return out.sort((a, b) => (a.tsNs > b.tsNs ? -1 : 1))
}

function memorySource (lines: () => LogEntry[]): LogSource {
  return {
    kind: 'files',
    query: async (_q, onPage) => { const e = lines(); onPage(e); return { complete: true, incompleteReasons: [], failedChunks: [], entries: e.length } },
    series: async () => { throw new Error('not used') },
    health: async () => ({ status: 'ok' }) as never,
    close: async () => {},
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number }

async function main () {
  const classifier = createClassifier(loadRules('rules/noise.yml'))
  const counter = () => new Counter({ name: 'bench_lines', help: 'x', labelNames: ['severity'] as const, registers: [new Registry()] })
  const endMs = Date.now()
  let shift = 0
  const base: FeedDeps = { logSource: memorySource(() => entries(endMs, shift)), classifier, linesClassified: counter() }
  const input = { startMs: endMs - HOUR, endMs: endMs + HOUR, minSeverity: 'high' as const, filter: undefined, limit: 100, muted: 'hide' as const }
  const time = async (deps: FeedDeps) => { const t = performance.now(); const a = await runFeed(deps, input); if (a.groups.length !== 100) throw new Error(`expected 100 groups, got ${a.groups.length}`); return performance.now() - t }

  for (let i = 0; i < 3; i++) await time(base) // warm up the classifier's and grouper's memos
  const stores: Array<[string, () => Promise<{ pool: pg.Pool, close: () => Promise<void> }>]> = [
    ['PGlite', async () => { const e = await startEmbeddedPostgres(undefined); const pool = createPool(e.connectionString, { max: 2, applicationName: 'bench', statementTimeoutMs: 60_000 }); return { pool, close: async () => { await pool.end(); await e.close() } } }],
  ]
  if (await have('postgres')) stores.push(['PostgreSQL', async () => { const db = await createTestDatabase('tw_bench_lc'); const pool = createPool(db.url, { max: 2, applicationName: 'bench', statementTimeoutMs: 60_000 }); return { pool, close: async () => { await pool.end(); await db.drop() } } }])

  let ok = true
  for (const [name, open] of stores) {
    const { pool, close } = await open()
    try {
      await migrateLifecycleStore(pool, () => {})
      const store = createLifecycleStore(pool)
      const alerts = createNewGroupAlerts({ sink: createAlertSink(() => {}), limit: 5, windowMs: HOUR, counter: new Counter({ name: 'bench_new', help: 'x', labelNames: ['severity', 'alerted'] as const, registers: [new Registry()] }) })
      const inner = createFeedLifecycle({ store: () => store, alerts, alertWindowMs: HOUR, onError: (err) => { throw err } })
      let inPass = 0
      const timed = {
        observe: async (...a: Parameters<typeof inner.observe>) => {
          const t0 = performance.now()
          const v = await inner.observe(...a)
          inPass += performance.now() - t0
          return { ...v, describe: async (fps: string[]) => { const t1 = performance.now(); const d = await v.describe(fps); inPass += performance.now() - t1; return d } }
        },
      }
      const deps: FeedDeps = { ...base, lifecycle: timed }
      shift = 0
      const first = await time(deps)
      // Interleaved with the feed without the pass, so both see the same load on the machine.
      const without = []
      const same = []
      const passes = []
      for (let i = 0; i < RUNS; i++) {
        without.push(await time(base))
        inPass = 0
        same.push(await time(deps))
        passes.push(inPass)
      }
      const moved = []
      for (let i = 0; i < RUNS; i++) { shift += 1000; moved.push(await time(deps)) }
      const baseline = median(without)
      const pass = median(passes)
      const within = pass <= Math.max(25, 0.2 * baseline)
      ok &&= within
      console.log(`${name}: feed without the pass ${baseline.toFixed(1)} ms, with it (nothing changed) ${median(same).toFixed(1)} ms; the pass itself ${pass.toFixed(1)} ms (medians of ${RUNS}, ${GROUPS} groups, ${GROUPS * PER_GROUP} events)`)
      console.log(`${name}: first answer (all new) ${first.toFixed(1)} ms; every group seen later ${median(moved).toFixed(1)} ms`)
      console.log(`${within ? 'PASS' : 'FAIL'} ${name}: the pass with nothing changed takes ≤ max(25 ms, 20% of the feed)`)
    } finally {
      await close()
    }
  }
  process.exit(ok ? 0 : 1)
}

main().catch((err: unknown) => { console.error(err); process.exit(1) })
