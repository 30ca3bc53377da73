import { redactText } from '../infra/logger.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import type { LogEntry } from '../logs/source.js'
import { fingerprintOf, GROUP_LABELS, groupLabels, templateOf } from './fingerprint.js'

export const SAMPLES_PER_GROUP = 3
export const SPARKLINE_BUCKETS = 24
/** More distinct templates than this in one answer means the grouping is not helping; the rest is counted, not grouped. */
export const MAX_GROUPS = 5000
const MAX_SAMPLE_LENGTH = 2000

const RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi

/** Secrets out (redactText), players' e-mail addresses out, length bounded. */
export function redactSample (line: string): string {
  const clipped = line.length > MAX_SAMPLE_LENGTH ? line.slice(0, MAX_SAMPLE_LENGTH) + '…' : line
  return redactText(clipped).replace(EMAIL, '<email>')
}

export interface Sample { ts: string, line: string, labels: Record<string, string> }

export interface ErrorGroup {
  fingerprint: string
  template: string
  labels: Record<string, string>
  severity: Severity
  count: number
  firstSeen: string
  lastSeen: string
  samples: Sample[]
  sparkline: number[]
}

interface Acc {
  fingerprint: string
  template: string
  labels: Record<string, string>
  rank: number
  count: number
  first: bigint
  last: bigint
  // Raw until the answer is built: only the kept ones are redacted.
  samples: Array<{ tsNs: bigint, line: string, labels: Record<string, string> }>
  sparkline: number[]
}

const nsToIso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString()

interface Keyed { key: string, labels: Record<string, string>, template: string, ms: number }

/**
 * Each entry's group key, per set of group labels: cached chunks hand the same entry objects to
 * every request (see feed.ts), so a warm repeat normalizes only lines it has not seen.
 */
const keyMemos = new WeakMap<readonly string[], WeakMap<LogEntry, Keyed>>()

function keyMemoFor (labelNames: readonly string[]): WeakMap<LogEntry, Keyed> {
  let memo = keyMemos.get(labelNames)
  if (memo === undefined) keyMemos.set(labelNames, memo = new WeakMap())
  return memo
}

function keyedEntry (entry: LogEntry, labelNames: readonly string[], memo: WeakMap<LogEntry, Keyed>): Keyed {
  let k = memo.get(entry)
  if (k === undefined) {
    const labels = groupLabels(entry.labels, labelNames)
    const template = templateOf(entry.line)
    memo.set(entry, k = { key: JSON.stringify(labels) + '\u0000' + template, labels, template, ms: Number(entry.tsNs / 1_000_000n) })
  }
  return k
}

/** Groups classified entries by labels + template, with bounded memory (MAX_GROUPS, SAMPLES_PER_GROUP). */
export function createGrouper (startNs: bigint, endNs: bigint, labelNames: readonly string[] = GROUP_LABELS) {
  const memo = keyMemoFor(labelNames)
  const groups = new Map<string, Acc>()
  // Sparkline buckets in milliseconds: plain number arithmetic on the hot path.
  const startMs = Number(startNs / 1_000_000n)
  const spanMs = Math.max(1, Number((endNs - startNs) / 1_000_000n))
  let ungrouped = 0

  return {
    add (entry: LogEntry, severity: Severity) {
      const { key, labels, template, ms } = keyedEntry(entry, labelNames, memo)
      let g = groups.get(key)
      if (g === undefined) {
        if (groups.size >= MAX_GROUPS) { ungrouped++; return }
        g = { fingerprint: fingerprintOf(labels, template), template, labels, rank: 9, count: 0, first: entry.tsNs, last: entry.tsNs, samples: [], sparkline: new Array<number>(SPARKLINE_BUCKETS).fill(0) }
        groups.set(key, g)
      }
      g.count++
      g.rank = Math.min(g.rank, RANK[severity])
      if (entry.tsNs < g.first) g.first = entry.tsNs
      if (entry.tsNs > g.last) g.last = entry.tsNs
      const idx = Math.min(SPARKLINE_BUCKETS - 1, Math.max(0, Math.floor(((ms - startMs) * SPARKLINE_BUCKETS) / spanMs)))
      g.sparkline[idx] = (g.sparkline[idx] as number) + 1
      keepNewest(g.samples, entry)
    },
    /** Lines that were counted but not grouped because MAX_GROUPS was reached. */
    ungrouped: () => ungrouped,
    size: () => groups.size,
    /** Most severe first, then most frequent, then most recent; at most `limit`. */
    result (limit: number): ErrorGroup[] {
      return [...groups.values()]
        .sort((a, b) => a.rank - b.rank || b.count - a.count || (b.last > a.last ? 1 : b.last < a.last ? -1 : 0))
        .slice(0, limit)
        .map((g) => ({
          fingerprint: g.fingerprint,
          template: redactSample(g.template),
          labels: g.labels,
          severity: (Object.keys(RANK) as Severity[])[g.rank] as Severity,
          count: g.count,
          firstSeen: nsToIso(g.first),
          lastSeen: nsToIso(g.last),
          samples: [...g.samples].sort((a, b) => (b.tsNs > a.tsNs ? 1 : -1))
            .map((s) => ({ ts: nsToIso(s.tsNs), line: redactSample(s.line), labels: s.labels })),
          sparkline: g.sparkline,
        }))
    },
  }
}

type RawSample = Acc['samples'][number]

// Clipped on the way in, so a group never holds a huge line.
const sampleOf = (entry: LogEntry): RawSample => ({ tsNs: entry.tsNs, line: entry.line.slice(0, MAX_SAMPLE_LENGTH + 1), labels: entry.labels })

function keepNewest (samples: RawSample[], entry: LogEntry) {
  if (samples.length < SAMPLES_PER_GROUP) {
    samples.push(sampleOf(entry))
    return
  }
  let oldest = 0
  for (let i = 1; i < samples.length; i++) if ((samples[i] as RawSample).tsNs < (samples[oldest] as RawSample).tsNs) oldest = i
  if (entry.tsNs > (samples[oldest] as RawSample).tsNs) samples[oldest] = sampleOf(entry)
}
