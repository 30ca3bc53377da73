import type { Counter } from 'prom-client'
import type { LogEntry, LogSource, QueryOutcome, SeriesOutcome } from '../logs/source.js'
import { LogQueryError } from '../logs/source.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import { CATEGORIES, unionOf, type Category, type Classifier } from './classifier.js'
import { createFeedEvents } from './events/feed-hook.js'
import { createGrouper, type ErrorGroup } from './group.js'
import type { FeedInput } from './input.js'
import type { FeedLifecycle } from './lifecycle/feed-pass.js'
import type { GroupLifecycle } from './lifecycle/rules.js'
import { createTally } from './tally.js'

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
  groups: Array<ErrorGroup & { lifecycle?: GroupLifecycle }>
  /** Muted groups in the range and their events (counted in the series and totals); `shown` when asked for. */
  muted: { groups: number, events: number, shown: boolean }
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
  /** New, regressed, resolved and muted (lifecycle/); without it the groups carry none. */
  lifecycle?: FeedLifecycle
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

/** Every severity rule in one pattern: the lines the feed needs (noise and precedence are decided here, by the classifier). */
export function anySeverity (unions: Classifier['unions']): string {
  return unionOf(SEVERITIES.map((s) => unions[s]))
}

/**
 * One request of the error feed: one log query for every line a severity rule could
 * match (the source narrows with that union only where it fits, e.g. Loki's query-size
 * limit), each line classified here, grouped when at least minSeverity, and counted per
 * step. The series and totals are counted from the same lines, so they are exact when the
 * source proves the lines complete; when the entry cap stops the lines, they come from
 * the source's count series instead (exact where the source can count them).
 */
export async function runFeed (deps: FeedDeps, input: FeedInput, signal?: AbortSignal): Promise<ErrorsAnswer> {
  const { logSource, classifier } = deps
  const measuredAt = new Date().toISOString()
  const startNs = BigInt(input.startMs) * 1_000_000n
  const endNs = BigInt(input.endMs) * 1_000_000n
  const minRank = SEVERITIES.indexOf(input.minSeverity)
  const grouper = createGrouper(startNs, endNs, deps.groupLabels)
  const maxEntries = deps.maxEntries ?? MAX_FEED_ENTRIES
  const counts = categoryCounts()
  const stepSeconds = stepFor(input.endMs - input.startMs)
  const tally = createTally(startNs, endNs, stepSeconds)
  // Multi-line events (events/): lines are collected as they come and grouped once assembled.
  const events = createFeedEvents({ gapMs: deps.eventGapMs, minRank, grouper })

  const onPage = (entries: LogEntry[]) => {
    const codes = classifyMemo(classifier, entries)
    for (let i = 0; i < entries.length; i++) {
      const code = codes[i] as number
      const entry = entries[i] as LogEntry
      counts.add(code)
      tally.add(entry.tsNs, code)
      if (code <= minRank) events.push(entry, code)
    }
  }

  const controller = new AbortController()
  const abort = () => controller.abort()
  signal?.addEventListener('abort', abort, { once: true })
  let outcome: QueryOutcome
  let series: SeriesOutcome | undefined
  try {
    outcome = await logSource.query({ startNs, endNs, filter: input.filter, include: anySeverity(classifier.unions), maxEntries, signal: controller.signal }, onPage)
    if (outcome.entries >= maxEntries) {
      series = await logSource.series({ startNs, endNs, stepSeconds, filter: input.filter, buckets: severityBuckets(classifier.unions), signal: controller.signal })
    }
  } catch (err) {
    controller.abort()
    if (err instanceof LogQueryError) throw err
    throw new LogQueryError('log source failed', 502)
  } finally {
    signal?.removeEventListener('abort', abort)
    counts.flush(deps.linesClassified)
  }

  const reasons = new Set<string>(outcome.incompleteReasons)
  if (series !== undefined) {
    reasons.add(`grouped the newest ${maxEntries} lines a severity rule could match; older lines are counted in the series and totals but not grouped`)
    for (const r of series.incompleteReasons) reasons.add(r)
  }
  const timestamps = series?.timestamps ?? tally.timestamps
  // Lines counted as events: a traceback's frames are part of its one event (events/pipeline.ts).
  const seriesValues = events.finish({ timestamps, values: series !== undefined ? series.values : tally.values(), stepSeconds })
  // After finish: events reach the grouper there.
  if (grouper.ungrouped() > 0) reasons.add(`${grouper.ungrouped()} lines had more distinct messages than can be grouped; they are counted in the totals only`)
  let complete = outcome.complete && (series?.complete ?? true) && reasons.size === 0
  // Lifecycle (lifecycle/): first/last seen ever recorded, muted groups left out unless asked for.
  const showMuted = input.muted === 'include'
  const lc = await deps.lifecycle?.observe(grouper.summaries(), { startMs: input.startMs, endMs: input.endMs, showMuted, complete })
  if (lc?.reason !== undefined) { reasons.add(lc.reason); complete = false }
  const groups = grouper.result(input.limit, lc?.hidden)
  const states = await lc?.describe(groups.map((g) => g.fingerprint))
  const values = (sev: Severity) => {
    const v = seriesValues[sev] ?? []
    return timestamps.map((_, i) => v[i] ?? 0)
  }
  const seriesOut = { stepSeconds, timestamps, critical: values('critical'), high: values('high'), medium: values('medium'), low: values('low') }
  const totals = Object.fromEntries(SEVERITIES.map((s) => [s, seriesOut[s].reduce((a, b) => a + b, 0)])) as Record<Severity, number>

  return {
    source: logSource.kind,
    measuredAt,
    range: { start: new Date(input.startMs).toISOString(), end: new Date(input.endMs).toISOString() },
    complete,
    incompleteReasons: [...reasons],
    failedChunks: outcome.failedChunks.map((c) => ({ start: toIso(c.startNs), end: toIso(c.endNs), reason: c.reason })),
    totals,
    groups: states === undefined ? groups : groups.map((g) => { const l = states.get(g.fingerprint); return l === undefined ? g : { ...g, lifecycle: l } }),
    muted: { ...(lc?.muted ?? { groups: 0, events: 0 }), shown: showMuted },
    series: seriesOut,
  }
}
