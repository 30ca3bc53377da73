/**
 * The double's log store and a deterministic generator of realistic TovPlay lines:
 * access-log and health-check noise, INFO/DEBUG chatter, and errors in several
 * spellings (error, Error, ERROR) so case-insensitive search is exercised.
 */

export interface StoredEntry { tsNs: bigint, stream: number, line: string }

export interface GenerateOptions {
  /** PRNG seed; the same seed gives the same lines (default 1). */
  seed?: number
  /** Lines spread uniformly over [startMs, endMs). */
  count: number
  startMs: number
  endMs: number
  /** Share of error lines (default 0.1) and of noise lines (default 0.6); the rest is info. */
  errorRatio?: number
  noiseRatio?: number
  /** Stream label sets the lines are spread over (default: api, web, scheduler of job tovplay/*). */
  streams?: Array<Record<string, string>>
  /** Extra lines packed into a window, e.g. an incident that overflows one 6-hour chunk. */
  bursts?: Array<{ startMs: number, endMs: number, count: number, errorRatio?: number }>
}

export const DEFAULT_STREAMS: Array<Record<string, string>> = [
  { job: 'tovplay/api', app: 'api', env: 'prod' },
  { job: 'tovplay/web', app: 'web', env: 'prod' },
  { job: 'tovplay/scheduler', app: 'scheduler', env: 'prod' },
]

export function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T

function noiseLine (rnd: () => number): string {
  const n = Math.floor(rnd() * 250)
  return pick(rnd, [
    () => `10.0.0.${n} - - "GET /health HTTP/1.1" 200 12 "-" "kube-probe/1.27"`,
    () => `10.0.1.${n} - - "GET /static/app.${(n * 7919).toString(16)}.js HTTP/1.1" 304 0 "-" "Mozilla/5.0"`,
    () => `level=debug msg="cache hit" key=player:${n * 13}`,
    () => `"GET /api/games?page=${n} HTTP/1.1" 200 ${n * 31} "-" "Googlebot/2.1"`,
  ])()
}

function infoLine (rnd: () => number): string {
  const n = Math.floor(rnd() * 100000)
  return pick(rnd, [
    () => `level=info msg="session scheduled" session_id=${n} duration_ms=${n % 900}`,
    () => `INFO availability window saved player=${n % 5000}`,
    () => `level=info msg="request completed" status=201 path=/api/sessions took=${n % 300}ms`,
  ])()
}

function errorLine (rnd: () => number): string {
  const n = Math.floor(rnd() * 100000)
  return pick(rnd, [
    () => `level=error msg="database query failed" err="pq: sorry, too many clients already" request_id=${n}`,
    () => `ERROR Traceback (most recent call last): KeyError: 'player_${n % 400}'`,
    () => `Error: connect ECONNREFUSED 10.0.0.${n % 250}:5432`,
    () => `"POST /api/sessions HTTP/1.1" 500 ${n % 2000} "-" "TovPlay/1.4"`,
    () => `FATAL: database "TovPlay" does not exist (attempt ${n % 9})`,
    () => `panic: runtime error: index out of range [${n % 50}] with length ${n % 50}`,
  ])()
}

function oneLine (rnd: () => number, errorRatio: number, noiseRatio: number): string {
  const r = rnd()
  if (r < errorRatio) return errorLine(rnd)
  if (r < errorRatio + noiseRatio) return noiseLine(rnd)
  return infoLine(rnd)
}

/** Deterministic lines sorted by time; label sets in `streams` (index = StoredEntry.stream). */
export function generateEntries (o: GenerateOptions): { streams: Array<Record<string, string>>, entries: StoredEntry[] } {
  const rnd = mulberry32(o.seed ?? 1)
  const streams = o.streams ?? DEFAULT_STREAMS
  const entries: StoredEntry[] = []
  const add = (count: number, startMs: number, endMs: number, errorRatio: number) => {
    for (let i = 0; i < count; i++) {
      const ms = startMs + Math.floor(rnd() * (endMs - startMs))
      const tsNs = BigInt(ms) * 1_000_000n + BigInt(Math.floor(rnd() * 1_000_000))
      entries.push({ tsNs, stream: Math.floor(rnd() * streams.length), line: oneLine(rnd, errorRatio, o.noiseRatio ?? 0.6) })
    }
  }
  add(o.count, o.startMs, o.endMs, o.errorRatio ?? 0.1)
  for (const b of o.bursts ?? []) add(b.count, b.startMs, b.endMs, b.errorRatio ?? o.errorRatio ?? 0.1)
  entries.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0))
  return { streams, entries }
}

/** First index whose tsNs >= ts (entries sorted ascending). */
export function lowerBound (entries: StoredEntry[], ts: bigint): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((entries[mid] as StoredEntry).tsNs < ts) lo = mid + 1
    else hi = mid
  }
  return lo
}
