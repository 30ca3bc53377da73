import type { Counter } from 'prom-client'
import type { LogEntry, LogSource, QueryOutcome, SeriesOutcome } from '../logs/source.js'
import { LogQueryError } from '../logs/source.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import { CATEGORIES, unionOf, type Category, type Classifier } from './classifier.js'
import { createFeedEvents } from './events/feed-hook.js'
import { createGrouper, type ErrorGroup } from './group.js'
import type { FeedInput } from './input.js'

/** Lines pulled per query for grouping (ERRORS_MAX_ENTRIES); the series stays exact beyond it. */
export const MAX_FEED_ENTRIES = 50_000
const STEPS_S = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400]
const MAX_POINTS = 120

export interface ErrorsAnswer {
  source: 'loki' | 'files'
  measuredAt: string
  range: { start: string, end: string }
  complete: boolean
  incompleteReasons: string[]
  failedChunks: Array<{ start: string, end: string, reason: string }>
  totals: Record<Severity, number>
  groups: ErrorGroup[]
  series: { stepSeconds: number, timestamps: number[] } & Record<Severity, number[]>
}

export interface FeedDeps {
  logSource: LogSource
  classifier: Classifier
  linesClassified: Counter<'severity'>
  /** ERRORS_MAX_ENTRIES; default MAX_FEED_ENTRIES. */
  maxEntries?: number
  /** ERROR_GROUP_LABELS; default GROUP_LABELS. */
  groupLabels?: readonly string[]
  /** ERROR_EVENT_GAP_MS; default 1 s. */
  eventGapMs?: number
}

export function stepFor (spanMs: number): number {
  return STEPS_S.find((s) => spanMs / 1000 / s <= MAX_POINTS) ?? (STEPS_S[STEPS_S.length - 1] as number)
}

/**
 * The series buckets, one per severity, with the classifier's precedence so a line
 * counts once: critical beats noise; every other severity excludes noise and the
 * severities above it.
 */
export function severityBuckets (unions: Classifier['unions']) {
  return SEVERITIES.map((sev, i) => ({
    name: sev,
    include: unions[sev],
    exclude: i === 0 ? undefined : unionOf([unions.noise, ...SEVERITIES.slice(0, i).map((s) => unions[s])]),
  }))
}

/** Counts per category, flushed to the metric once per request rather than per line. */
function categoryCounts () {
  const counts = new Array<number>(CATEGORIES.length).fill(0)
  return {
    add: (code: number) => { counts[code] = (counts[code] as number) + 1 },
    flush (counter: Counter<'severity'>) {
      counts.forEach((n, code) => {
        if (n === 0) return
        const cat = CATEGORIES[code] as Category
        counter.inc({ severity: cat === 'none' ? 'noise' : cat }, n)
      })
    },
  }
}

/**
 * Each entry's category, per classifier. A cached chunk hands the same entry objects to every
 * request, so a warm repeat classifies only the lines it has not seen; entries freed with their
 * chunk leave the map by themselves.
 */
const codeMemos = new WeakMap<Classifier, WeakMap<LogEntry, number>>()

function classifyMemo (classifier: Classifier, entries: LogEntry[]): Uint8Array {
  let memo = codeMemos.get(classifier)
  if (memo === undefined) codeMemos.set(classifier, memo = new WeakMap())
  const codes = new Uint8Array(entries.length)
  const missing: number[] = []
  for (let i = 0; i < entries.length; i++) {
    const c = memo.get(entries[i] as LogEntry)
    if (c === undefined) missing.push(i)
    else codes[i] = c
  }
  if (missing.length === 0) return codes
  const fresh = classifier.classifyBatch(missing.map((i) => (entries[i] as LogEntry).line))
  for (let j = 0; j < missing.length; j++) {
    const i = missing[j] as number
    codes[i] = fresh[j] as number
    memo.set(entries[i] as LogEntry, fresh[j] as number)
  }
  return codes
}

const toIso = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString()

/** One request of the error feed: grouped lines from query(), exact counts from series(). */
export async function runFeed (deps: FeedDeps, input: FeedInput, signal?: AbortSignal): Promise<ErrorsAnswer> {
  const { logSource, classifier } = deps
  const measuredAt = new Date().toISOString()
  const startNs = BigInt(input.startMs) * 1_000_000n
  const endNs = BigInt(input.endMs) * 1_000_000n
  const minRank = SEVERITIES.indexOf(input.minSeverity)
  const grouper = createGrouper(startNs, endNs, deps.groupLabels)
  const maxEntries = deps.maxEntries ?? MAX_FEED_ENTRIES
  const counts = categoryCounts()
  const u = classifier.unions
  // Multi-line events (events/): lines are collected as they come and grouped once assembled.
  const events = createFeedEvents({ gapMs: deps.eventGapMs, minRank, grouper })

  const onPage = (entries: LogEntry[]) => {
    const codes = classifyMemo(classifier, entries)
    for (let i = 0; i < entries.length; i++) {
      const code = codes[i] as number
      counts.add(code)
      if (code <= minRank) events.push(entries[i] as LogEntry, code)
    }
  }

  // Two disjoint queries, because LogQL cannot say "not noise unless critical".
  const queries = [{ include: u.critical, exclude: undefined as string | undefined }]
  if (minRank > 0) {
    queries.push({ include: unionOf(SEVERITIES.slice(1, minRank + 1).map((s) => u[s])), exclude: unionOf([u.noise, u.critical]) })
  }
  const stepSeconds = stepFor(input.endMs - input.startMs)
  const controller = new AbortController()
  const abort = () => controller.abort()
  signal?.addEventListener('abort', abort, { once: true })

  let outcomes: QueryOutcome[]
  let series: SeriesOutcome
  try {
    [series, ...outcomes] = await Promise.all([
      logSource.series({ startNs, endNs, stepSeconds, filter: input.filter, buckets: severityBuckets(u), signal: controller.signal }),
      ...queries.map((q) => logSource.query({ startNs, endNs, filter: input.filter, ...q, maxEntries, signal: controller.signal }, onPage)),
    ])
  } catch (err) {
    controller.abort()
    if (err instanceof LogQueryError) throw err
    throw new LogQueryError('log source failed', 502)
  } finally {
    signal?.removeEventListener('abort', abort)
    counts.flush(deps.linesClassified)
  }

  const seriesValues = events.finish({ ...series, stepSeconds })
  const reasons = new Set<string>()
  for (const o of outcomes) for (const r of o.incompleteReasons) reasons.add(r)
  for (const r of series.incompleteReasons) reasons.add(r)
  for (const o of outcomes) {
    if (o.entries >= maxEntries) reasons.add(`grouped the newest ${maxEntries} matching lines of a query; older lines are counted in the series and totals but not grouped`)
  }
  if (grouper.ungrouped() > 0) reasons.add(`${grouper.ungrouped()} lines had more distinct messages than can be grouped; they are counted in the totals only`)
  const complete = series.complete && outcomes.every((o) => o.complete) && reasons.size === 0

  const values = (sev: Severity) => {
    const v = seriesValues[sev] ?? []
    return series.timestamps.map((_, i) => v[i] ?? 0)
  }
  const seriesOut = { stepSeconds, timestamps: series.timestamps, critical: values('critical'), high: values('high'), medium: values('medium'), low: values('low') }
  const totals = Object.fromEntries(SEVERITIES.map((s) => [s, seriesOut[s].reduce((a, b) => a + b, 0)])) as Record<Severity, number>

  return {
    source: logSource.kind,
    measuredAt,
    range: { start: new Date(input.startMs).toISOString(), end: new Date(input.endMs).toISOString() },
    complete,
    incompleteReasons: [...reasons],
    failedChunks: outcomes.flatMap((o) => o.failedChunks).map((c) => ({ start: toIso(c.startNs), end: toIso(c.endNs), reason: c.reason })),
    totals,
    groups: grouper.result(input.limit),
    series: seriesOut,
  }
}
