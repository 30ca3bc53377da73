/**
 * The one interface every log source implements (Loki, local files). The error
 * feed talks only to this, so a source can be swapped without touching errors/.
 */

export interface LogEntry {
  /** Nanoseconds since the epoch, as Loki gives them. */
  tsNs: bigint
  /** Stream labels (Loki) or derived labels (files: { source: 'file', file: basename, level? }). */
  labels: Record<string, string>
  line: string
}

/**
 * A user's search after validation (see logs/filter.ts): plain text, or a regex that
 * RE2 has already compiled. Sources translate it to their own dialect.
 */
export type LineFilter =
  | { kind: 'text', text: string, caseInsensitive: boolean }
  | { kind: 'regex', pattern: string, caseInsensitive: boolean }

export interface LogQuery {
  startNs: bigint
  endNs: bigint
  filter?: LineFilter
  /**
   * Extra server-side narrowing, already RE2-valid: lines must match `include`
   * (if given) and must not match `exclude` (if given). The error feed passes the
   * union of its severity patterns and of its noise patterns here.
   */
  include?: string
  exclude?: string
  /** The most entries the caller wants in total; the source reports if more existed. */
  maxEntries: number
  /**
   * The open end only (the live feed, errors/live/): fetched as asked, not widened to whole
   * windows to prove them. Exact all the same: it lies within one split interval, paged backward.
   */
  tail?: boolean
  signal?: AbortSignal
}

export interface FailedChunk {
  startNs: string
  endNs: string
  reason: string
}

export interface QueryOutcome {
  /** false when anything may be missing: a cap reached, the deadline passed, a chunk failed, a file unreadable. */
  complete: boolean
  /** Human-readable reasons when incomplete, e.g. "chunk 2026-11-20T06:00Z..12:00Z hit the entry cap". */
  incompleteReasons: string[]
  failedChunks: FailedChunk[]
  /** How many entries were delivered to onPage in total. */
  entries: number
}

export interface SeriesQuery {
  startNs: bigint
  endNs: bigint
  stepSeconds: number
  filter?: LineFilter
  /** Named buckets, each an RE2 pattern for lines that count towards it, with a shared exclusion. */
  buckets: Array<{ name: string, include: string, exclude?: string }>
  signal?: AbortSignal
}

export interface SeriesOutcome {
  /** Step start times in ms. */
  timestamps: number[]
  /** One array per bucket name, aligned with timestamps. */
  values: Record<string, number[]>
  complete: boolean
  incompleteReasons: string[]
}

export interface SourceHealth {
  status: 'up' | 'degraded' | 'down'
  latencyMs: number | null
  message: string
}

/** The lines around one entry of one stream (errors/context/). */
export interface ContextQuery {
  /** The entry's stream: Loki's stream labels, or the file source's { source: 'file', file }. */
  labels: Record<string, string>
  tsNs: bigint
  /** lineHash() of the entry's raw line, to tell apart entries of the same instant. */
  lineHash?: string
  before: number
  after: number
  signal?: AbortSignal
}

export interface ContextOutcome {
  /** Oldest first: `before` lines at most, the entry, `after` lines at most. */
  lines: LogEntry[]
  /** Index of the entry in `lines`; -1 when no line of the stream is at its time. */
  sampleIndex: number
  /** exact: same time and same hash; time: same time only (no hash given, or the line changed since). */
  match: 'exact' | 'time' | 'none'
  /** There may be more lines on that side (the count was reached before the span searched ended). */
  moreBefore: boolean
  moreAfter: boolean
}

export interface LogSource {
  readonly kind: 'loki' | 'files'
  /**
   * Delivers matching entries newest first, in pages, then says whether the
   * result is complete. Never throws for a partial failure: that goes into the outcome.
   * Throws LogQueryError for a query the source refuses (bad regex, bad selector).
   */
  query: (q: LogQuery, onPage: (entries: LogEntry[]) => void) => Promise<QueryOutcome>
  /** Counts per step and bucket (Loki: count_over_time, exact whatever the line limit). */
  series: (q: SeriesQuery) => Promise<SeriesOutcome>
  health: () => Promise<SourceHealth>
  /** The lines around one entry in its own stream; a source without it has no context to give. */
  context?: (q: ContextQuery) => Promise<ContextOutcome>
  /** The LogQL this source would send for a stream (label matchers ANDed with its selector) and a search: what Grafana Explore is given. */
  logqlFor?: (q: { labels: Record<string, string>, filter?: LineFilter, contains?: string }) => Promise<string>
  close: () => Promise<void>
}

/** A query the source refused because of its input (maps to 400), or upstream failure (502). */
export class LogQueryError extends Error {
  constructor (message: string, readonly statusCode: 400 | 502 | 503 | 504) {
    super(message)
    this.name = 'LogQueryError'
  }
}
