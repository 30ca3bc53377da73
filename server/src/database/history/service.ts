import type { FastifyBaseLogger } from 'fastify'
import { Counter, type Registry } from 'prom-client'
import type { AlertSink } from '../../alerts/sink.js'
import { trusted } from '../rows.js'
import type { WatchSnapshot } from '../snapshot.js'
import { changes, dropWithin, type ChangeWindow, type Drop, type DropRule } from './changes.js'
import { FIVE_MIN, RAW, withGaps, type Point, type SeriesStore } from './store.js'

/** Tables recorded per probe at most (watched ones first): the store stays bounded. */
export const MAX_TABLES = 500
const CONN_KEYS = ['active', 'idle', 'idle_in_transaction', 'other', 'total', 'maxConnections'] as const
const CHANGE_KEEP_MS = 7 * 86_400_000 + 3_600_000

export interface TableTrend { changes: Record<ChangeWindow, number | null>, drop: Drop | null }
export type ConnectionColumns = { timestamps: number[] } & Record<typeof CONN_KEYS[number], Array<number | null>>

export interface DatabaseHistory {
  /** Loads what the store kept (before a restart) into the in-memory views. */
  load: () => Promise<void>
  /** Called after every probe: stores it, updates the changes and the drop warnings. */
  record: (s: WatchSnapshot) => Promise<void>
  trends: () => Map<string, TableTrend>
  /** A table is known when it is in the last probe or has a history. */
  knows: (table: string, current: readonly string[]) => boolean
  tableHistory: (table: string, rangeMs: number, now?: number) => Promise<{ resolutionS: number, timestamps: number[], rows: Array<number | null> }>
  connectionColumns: () => ConnectionColumns
  /** The write in flight, if any (tests and shutdown wait for it). */
  flush: () => Promise<void>
}

export interface HistoryOptions {
  store: SeriesStore
  ns: string
  probeIntervalS: number
  drop: DropRule
  sink: AlertSink
  registry: Registry
  log: FastifyBaseLogger
}

/** Stored points, then the points recorded in memory since (same time: the one in memory). */
function merged (stored: Point[], live: Point[] | undefined): Point[] {
  if (live === undefined || live.length === 0) return stored
  const from = (live[0] as Point).t
  return [...stored.filter((p) => p.t < from), ...live]
}

export function createDatabaseHistory (o: HistoryOptions): DatabaseHistory {
  const writes = new Counter({ name: 'tovwatch_db_history_writes_total', help: 'Probe results written to the history store, by outcome', labelNames: ['outcome'] as const, registers: [o.registry] })
  /** Per table: 5-minute points (7 days) for the changes, every probe within the drop window. */
  const fiveMin = new Map<string, Point[]>()
  const recent = new Map<string, Point[]>()
  const conn: Point[][] = CONN_KEYS.map(() => [])
  const trendsByTable = new Map<string, TableTrend>()
  const raised = new Set<string>()
  const rawGapMs = Math.max(30_000, 2.5 * o.probeIntervalS * 1000)
  let pending: Promise<void> = Promise.resolve()
  let lastPrune = 0
  const slotMs = 1000

  function push (list: Point[], p: Point, slotMs: number, keepMs: number) {
    const last = list.at(-1)
    if (last !== undefined && last.t > p.t) return
    if (last !== undefined && Math.floor(last.t / slotMs) === Math.floor(p.t / slotMs)) list[list.length - 1] = p
    else list.push(p)
    let cut = 0
    while (cut < list.length && (list[cut] as Point).t < p.t - keepMs) cut++
    if (cut > 0) list.splice(0, cut)
  }

  function evaluate (s: WatchSnapshot, now: number) {
    const badGuard = new Set(s.guards.filter((g) => g.status !== 'ok').map((g) => g.table))
    const still = new Set<string>()
    trendsByTable.clear()
    for (const t of s.tables) {
      const drop = dropWithin(recent.get(t.key) ?? [], now, o.drop)
      trendsByTable.set(t.key, { changes: changes(fiveMin.get(t.key) ?? [], now, t.rows), drop })
      // A collapse is the guard's (critical) alert; the warning is for smaller losses.
      if (drop === null || !t.watched || badGuard.has(t.key)) continue
      const key = `db:drop:${t.key}`
      still.add(key)
      raised.add(key)
      o.sink.raise(key, {
        alertname: 'TovWatchRowDrop',
        severity: 'high',
        labels: { table: t.key },
        summary: `Rows of ${t.key} fell ${drop.pct} % within ${windowText(o.drop.windowMs)} (${drop.from} → ${drop.to})`,
        description: `${t.key} lost ${drop.rows} rows since ${new Date(drop.fromAt).toISOString()} (ROW_DROP_WARN_PCT=${o.drop.pct}${o.drop.rows !== undefined ? `, ROW_DROP_WARN_ROWS=${o.drop.rows}` : ''}, ROW_DROP_WINDOW=${windowText(o.drop.windowMs)}). Read the audit trail for deletes; the table's history is in the Database view.`,
        view: 'database',
      })
    }
    for (const key of raised) {
      if (still.has(key)) continue
      o.sink.resolve(key)
      raised.delete(key)
    }
  }

  return {
    async load () {
      const now = Date.now()
      // One after the other: one store connection (PGlite is one session anyway).
      const five = await o.store.readPrefix(o.ns, 't:', 300, now - CHANGE_KEEP_MS, now)
      const raw = await o.store.readPrefix(o.ns, 't:', 0, now - o.drop.windowMs, now)
      const c = await o.store.readPrefix(o.ns, 'c:', 0, now - 24 * 3_600_000, now)
      // A probe may have been recorded while these reads ran: keep it, after what was stored.
      for (const [series, points] of five) fiveMin.set(series.slice(2), merged(points, fiveMin.get(series.slice(2))))
      for (const [series, points] of raw) recent.set(series.slice(2), merged(points, recent.get(series.slice(2))))
      CONN_KEYS.forEach((k, i) => { conn[i] = merged(c.get(`c:${k}`) ?? [], conn[i]) })
    },
    async record (s) {
      const p = s.probe
      // An untrusted probe (wrong database, unreachable) records nothing: a gap, not a zero.
      if (p === null || !trusted(p)) return
      // One point per second: two instances probing the same database in the same second write it once.
      const at = p.measuredAt.getTime()
      const now = Math.floor(at / slotMs) * slotMs
      const values: Array<[string, number]> = []
      const tables = [...s.tables].sort((a, b) => Number(b.watched) - Number(a.watched)).slice(0, MAX_TABLES)
      for (const t of tables) {
        if (t.rows === null) continue
        values.push([`t:${t.key}`, t.rows])
        const point = { t: at, v: t.rows }
        push(getOrNew(fiveMin, t.key), point, FIVE_MIN.slotMs, CHANGE_KEEP_MS)
        push(getOrNew(recent, t.key), point, 1, o.drop.windowMs)
      }
      const c = p.connections
      if (c !== null) {
        const v = [c.byState.active, c.byState.idle, c.byState.idle_in_transaction + c.byState.idle_in_transaction_aborted, c.byState.other, c.total, c.maxConnections]
        CONN_KEYS.forEach((k, i) => {
          values.push([`c:${k}`, v[i] as number])
          push(conn[i] as Point[], { t: now, v: v[i] as number }, slotMs, RAW.keepMs - 3_600_000)
        })
      }
      evaluate(s, at)
      pending = pending.then(async () => {
        try {
          await o.store.append(o.ns, now, values)
          if (now - lastPrune > 3_600_000) { lastPrune = now; await o.store.prune(now) }
          writes.inc({ outcome: 'ok' })
        } catch (err) {
          writes.inc({ outcome: 'error' })
          o.log.warn({ err: { message: (err as Error).message } }, 'database history not stored for this probe (the store is unavailable): the chart will show a gap')
        }
      })
      await pending
    },
    trends: () => trendsByTable,
    knows: (table, current) => current.includes(table) || fiveMin.has(table),
    async tableHistory (table, rangeMs, now = Date.now()) {
      // What the last probe wrote is read back.
      await pending
      const raw = rangeMs <= 24 * 3_600_000
      const points = await o.store.read(o.ns, `t:${table}`, raw ? 0 : 300, now - rangeMs, now)
      const g = withGaps(points, raw ? rawGapMs : 2 * FIVE_MIN.slotMs + rawGapMs)
      return { resolutionS: raw ? o.probeIntervalS : 300, timestamps: g.timestamps, rows: g.values }
    },
    connectionColumns () {
      const base = conn[0] as Point[]
      const g = withGaps(base, rawGapMs)
      const out = { timestamps: g.timestamps } as ConnectionColumns
      CONN_KEYS.forEach((k, i) => {
        const list = conn[i] as Point[]
        // Every key is written on the same probes, so the lists line up with `active`.
        let j = 0
        out[k] = g.values.map((v) => v === null ? null : (list[j++]?.v ?? null))
      })
      return out
    },
    flush: () => pending,
  }
}

function getOrNew (m: Map<string, Point[]>, k: string): Point[] {
  let l = m.get(k)
  if (l === undefined) { l = []; m.set(k, l) }
  return l
}

export function windowText (ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`
}
