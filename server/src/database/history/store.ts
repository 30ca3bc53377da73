import { LRUCache } from 'lru-cache'
import type pg from 'pg'

/** Every probe, kept 24 h (+1 h so a 24 h read is always full), in hour buckets. */
export const RAW = { res: 0, bucketMs: 3_600_000, keepMs: 25 * 3_600_000 } as const
/** The last probe of each 5 minutes, kept 30 days (+1 day), in day buckets. */
export const FIVE_MIN = { res: 300, bucketMs: 86_400_000, keepMs: 31 * 86_400_000, slotMs: 300_000 } as const

export interface Point { t: number, v: number }

export interface SeriesStore {
  /** One probe's values (series → value) at time t, written at both resolutions in two statements. */
  append: (ns: string, t: number, values: Array<[string, number]>) => Promise<void>
  /** Points of one series in [from, to], oldest first. */
  read: (ns: string, series: string, res: 0 | 300, from: number, to: number) => Promise<Point[]>
  /** Points of every series with a prefix in [from, to] (for loading the in-memory views at start). */
  readPrefix: (ns: string, prefix: string, res: 0 | 300, from: number, to: number) => Promise<Map<string, Point[]>>
  /** Drops buckets older than what is kept. */
  prune: (now: number) => Promise<number>
}

// A 5-minute point is replaced while the same 5 minutes go on, so it holds the last probe of its slot.
const appendSql = (slotMs: number) => `
INSERT INTO db_history AS h (ns, res, series, bucket, ts, vals)
SELECT $1, $2, s, $3, ARRAY[$4::int], ARRAY[v] FROM unnest($5::text[], $6::bigint[]) AS u(s, v)
ON CONFLICT (ns, res, series, bucket) DO UPDATE SET
  ts = CASE WHEN h.ts[cardinality(h.ts)] / ${slotMs} = EXCLUDED.ts[1] / ${slotMs} THEN h.ts[1:cardinality(h.ts) - 1] || EXCLUDED.ts ELSE h.ts || EXCLUDED.ts END,
  vals = CASE WHEN h.ts[cardinality(h.ts)] / ${slotMs} = EXCLUDED.ts[1] / ${slotMs} THEN h.vals[1:cardinality(h.vals) - 1] || EXCLUDED.vals ELSE h.vals || EXCLUDED.vals END`

/** `ts` and `vals` come as JSON text: JSON.parse reads a bucket several times faster than pg's array parser. */
interface BucketRow { series: string, bucket: string, ts: string, vals: string }
const COLUMNS = 'series, bucket::text AS bucket, array_to_json(ts)::text AS ts, array_to_json(vals)::text AS vals'

export function createSeriesStore (pool: pg.Pool): SeriesStore {
  // ~300 points a bucket: 20,000 buckets are 400 tables x 50 days at most, a few tens of MB.
  const closed = new LRUCache<string, Point[]>({ max: 20_000 })
  function flatten (rows: BucketRow[], from: number, to: number, into: Map<string, Point[]>, slotMs: number) {
    for (const r of rows) {
      const base = Number(r.bucket)
      let list = into.get(r.series)
      if (list === undefined) { list = []; into.set(r.series, list) }
      const ts = JSON.parse(r.ts) as number[]
      const vals = JSON.parse(r.vals) as number[]
      for (let i = 0; i < ts.length; i++) {
        const t = base + (ts[i] as number)
        if (t >= from && t <= to) list.push({ t, v: vals[i] as number })
      }
    }
    // Writes arrive in time order; a late one (another instance, a clock step) is put in its place.
    for (const [k, list] of into) into.set(k, ordered(list, slotMs))
    return into
  }
  const span = (res: 0 | 300) => res === 0 ? RAW : FIVE_MIN

  return {
    async append (ns, t, values) {
      if (values.length === 0) return
      const series = values.map(([s]) => s)
      const vals = values.map(([, v]) => Math.round(v))
      // The raw write may use a 1 ms slot: two probes in the same millisecond are one point.
      const rawBucket = Math.floor(t / RAW.bucketMs) * RAW.bucketMs
      const dayBucket = Math.floor(t / FIVE_MIN.bucketMs) * FIVE_MIN.bucketMs
      await pool.query(appendSql(1), [ns, RAW.res, rawBucket, t - rawBucket, series, vals])
      await pool.query(appendSql(FIVE_MIN.slotMs), [ns, FIVE_MIN.res, dayBucket, t - dayBucket, series, vals])
    },
    async read (ns, series, res, from, to) {
      // A bucket that ended over 5 minutes ago no longer changes: it is read once, then from memory.
      const b = span(res).bucketMs
      const first = Math.floor(from / b) * b
      const open = Math.floor((Date.now() - 5 * 60_000) / b) * b
      const cached: Point[][] = []
      const missing: number[] = []
      for (let k = first; k <= to && k < open; k += b) {
        const hit = closed.get(`${ns}|${res}|${series}|${k}`)
        if (hit === undefined) missing.push(k)
        else cached.push(hit)
      }
      const r = await pool.query<BucketRow>(
        `SELECT ${COLUMNS} FROM db_history WHERE ns = $1 AND res = $2 AND series = $3 AND (bucket = ANY($4::bigint[]) OR (bucket >= $5 AND bucket <= $6)) ORDER BY bucket`,
        [ns, res, series, missing, Math.max(first, open), to])
      for (const row of r.rows) {
        const k = Number(row.bucket)
        if (k < open) closed.set(`${ns}|${res}|${series}|${k}`, flatten([row], -Infinity, Infinity, new Map(), 1).get(series) ?? [])
      }
      const all = [...cached.flat(), ...(flatten(r.rows, -Infinity, Infinity, new Map(), 1).get(series) ?? [])].filter((p) => p.t >= from && p.t <= to)
      return ordered(all, res === 0 ? 1 : FIVE_MIN.slotMs)
    },
    async readPrefix (ns, prefix, res, from, to) {
      const b = span(res).bucketMs
      const r = await pool.query<BucketRow>(
        `SELECT ${COLUMNS} FROM db_history WHERE ns = $1 AND res = $2 AND starts_with(series, $3) AND bucket >= $4 AND bucket <= $5 ORDER BY bucket`,
        [ns, res, prefix, Math.floor(from / b) * b, to])
      return flatten(r.rows, from, to, new Map(), res === 0 ? 1 : FIVE_MIN.slotMs)
    },
    async prune (now) {
      const r = await pool.query('DELETE FROM db_history WHERE (res = $1 AND bucket < $2) OR (res = $3 AND bucket < $4)',
        [RAW.res, now - RAW.keepMs - RAW.bucketMs, FIVE_MIN.res, now - FIVE_MIN.keepMs - FIVE_MIN.bucketMs])
      return r.rowCount ?? 0
    },
  }
}

/** Sorted by time, one point per slot (the latest). */
function ordered (list: Point[], slotMs: number): Point[] {
  const sorted = list.every((p, i) => i === 0 || (list[i - 1] as Point).t < p.t) ? list : [...list].sort((a, b) => a.t - b.t)
  const out: Point[] = []
  for (const p of sorted) {
    const last = out.at(-1)
    if (last !== undefined && Math.floor(last.t / slotMs) === Math.floor(p.t / slotMs)) out[out.length - 1] = p
    else out.push(p)
  }
  return out
}

/** Points with a null where two neighbours are further apart than `maxGapMs`: uPlot draws a gap, never a zero. */
export function withGaps (points: Point[], minGapMs: number): { timestamps: number[], values: Array<number | null> } {
  // A gap is a pause well beyond the series' own spacing (a changed PROBE_INTERVAL_S is no gap).
  const deltas = points.slice(1).map((p, i) => p.t - (points[i] as Point).t).sort((a, b) => a - b)
  const maxGapMs = Math.max(minGapMs, Math.min(4 * minGapMs, 2.5 * (deltas[(deltas.length - 1) >> 1] ?? 0)))
  const timestamps: number[] = []
  const values: Array<number | null> = []
  let prev: number | undefined
  for (const p of points) {
    if (prev !== undefined && p.t - prev > maxGapMs) {
      timestamps.push(Math.round((prev + p.t) / 2))
      values.push(null)
    }
    timestamps.push(p.t)
    values.push(p.v)
    prev = p.t
  }
  return { timestamps, values }
}
