import { redactText } from '../infra/logger.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import { lineHash } from '../logs/line-hash.js'
import type { LogEntry } from '../logs/source.js'
import type { AssembledEvent } from './events/assemble.js'
import type { EventSignature } from './events/signature.js'
import { fingerprintOf, GROUP_LABELS, groupLabels, templateOf } from './fingerprint.js'

export const SAMPLES_PER_GROUP = 3
export const SPARKLINE_BUCKETS = 24
/** More distinct templates than this in one answer means the grouping is not helping; the rest is counted, not grouped. */
export const MAX_GROUPS = 5000
const MAX_SAMPLE_LENGTH = 2000
/** A multi-line event's sample (a whole stack) may be longer than a line's. */
const MAX_EVENT_SAMPLE_LENGTH = 8000
/** Distinct paths counted per access-error group; past it, further paths count as "other". */
const MAX_PATHS = 200
const TOP_PATHS = 10

const RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi

/** Secrets out (redactText), players' e-mail addresses out, length bounded. */
export function redactSample (line: string, max = MAX_SAMPLE_LENGTH): string {
  const clipped = line.length > max ? line.slice(0, max) + '…' : line
  return redactText(clipped).replace(EMAIL, '<email>')
}

export interface Sample {
  ts: string
  /** The exact time in ns and the hash of the raw (first) line: what finds the lines around it (errors/context/). */
  tsNs: string
  lineHash: string
  /** The event's text: one line, or a whole stack (its lines joined with newlines). */
  line: string
  labels: Record<string, string>
  /** Lines of a multi-line event (absent for one line). */
  lines?: number
  /** The event was longer than what is kept of it. */
  truncated?: boolean
}

/** How a group was keyed (events/signature.ts), with what it was keyed on. */
export interface GroupSignature {
  kind: EventSignature['kind']
  exceptionType?: string
  frame?: { file: string, fn: string }
  endpoint?: string
  /** Access errors: the normalized paths inside the group, most frequent first. */
  paths?: Array<{ path: string, count: number }>
}

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
  /** Set when the group came from assembled events (addEvent). */
  signature?: GroupSignature
  /** Grafana Explore on the group (errors/context/group-links.ts). */
  exploreUrl?: string
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
  samples: RawSample[]
  sparkline: number[]
  sig?: EventSignature
  paths?: Map<string, number>
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

  const accFor = (key: string, labels: Record<string, string>, template: string, fpKey: string, sig: EventSignature | undefined): Acc | undefined => {
    let g = groups.get(key)
    if (g === undefined) {
      if (groups.size >= MAX_GROUPS) { ungrouped++; return undefined }
      g = { fingerprint: fingerprintOf(labels, fpKey), template, labels, rank: 9, count: 0, first: 0n, last: 0n, samples: [], sparkline: new Array<number>(SPARKLINE_BUCKETS).fill(0), ...(sig === undefined ? {} : { sig }) }
      groups.set(key, g)
    }
    return g
  }

  // The group labels of a stream's labels object (Loki shares one per stream), and their JSON.
  const labelMemo = new WeakMap<Record<string, string>, { labels: Record<string, string>, json: string }>()
  const labelsOf = (raw: Record<string, string>) => {
    let l = labelMemo.get(raw)
    if (l === undefined) {
      const labels = groupLabels(raw, labelNames)
      labelMemo.set(raw, l = { labels, json: JSON.stringify(labels) })
    }
    return l
  }

  const bump = (g: Acc, tsNs: bigint, ms: number, severity: Severity, from: LogEntry | AssembledEvent) => {
    if (g.count === 0 || tsNs < g.first) g.first = tsNs
    if (g.count === 0 || tsNs > g.last) g.last = tsNs
    g.count++
    g.rank = Math.min(g.rank, RANK[severity])
    const idx = Math.min(SPARKLINE_BUCKETS - 1, Math.max(0, Math.floor(((ms - startMs) * SPARKLINE_BUCKETS) / spanMs)))
    g.sparkline[idx] = (g.sparkline[idx] as number) + 1
    // A sample is built only when it is kept.
    if (keeps(g.samples, tsNs)) keepNewest(g.samples, 'head' in from ? eventSampleOf(from) : sampleOf(from))
  }

  return {
    add (entry: LogEntry, severity: Severity) {
      const { key, labels, template, ms } = keyedEntry(entry, labelNames, memo)
      const g = accFor(key, labels, template, template, undefined)
      if (g !== undefined) bump(g, entry.tsNs, ms, severity, entry)
    },
    /**
     * One assembled event (events/assemble.ts), keyed by its signature (events/signature.ts):
     * counted once whatever its number of lines.
     */
    addEvent (ev: AssembledEvent, severity: Severity, sig: EventSignature) {
      const { labels, json } = labelsOf(ev.head.labels)
      const key = json + '\u0001' + sig.key
      // A message-keyed group keeps the fingerprint it had before events (links and lifecycle stay valid).
      const g = accFor(key, labels, sig.template, sig.kind === 'message' ? sig.template : sig.key, sig)
      if (g === undefined) return
      if (sig.path !== undefined) {
        const paths = g.paths ??= new Map()
        const p = paths.has(sig.path) || paths.size < MAX_PATHS ? sig.path : '(other)'
        paths.set(p, (paths.get(p) ?? 0) + 1)
      }
      bump(g, ev.head.tsNs, Number(ev.head.tsNs / 1_000_000n), severity, ev)
    },
    /** Lines that were counted but not grouped because MAX_GROUPS was reached. */
    ungrouped: () => ungrouped,
    size: () => groups.size,
    /** Every group, cheaply (templates not yet redacted): what the lifecycle pass needs before the answer is cut. */
    summaries: () => [...groups.values()].map((g) => ({ fingerprint: g.fingerprint, template: g.template, severity: SEVERITIES[g.rank] as Severity, count: g.count, firstNs: g.first, lastNs: g.last })),
    /** Most severe first, then most frequent, then most recent; at most `limit`, leaving out `hidden` fingerprints. */
    result (limit: number, hidden?: ReadonlySet<string>): ErrorGroup[] {
      return [...groups.values()]
        .filter((g) => hidden === undefined || !hidden.has(g.fingerprint))
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
            .map((s) => ({
              ts: nsToIso(s.tsNs),
              tsNs: String(s.tsNs),
              lineHash: lineHash(s.head),
              line: redactSample(s.line, s.lines === undefined ? MAX_SAMPLE_LENGTH : MAX_EVENT_SAMPLE_LENGTH),
              labels: s.labels,
              ...(s.lines === undefined ? {} : { lines: s.lines }),
              ...(s.truncated === true ? { truncated: true } : {}),
            })),
          sparkline: g.sparkline,
          ...(g.sig === undefined ? {} : { signature: signatureOut(g.sig, g.paths) }),
        }))
    },
  }
}

interface RawSample { tsNs: bigint, line: string, labels: Record<string, string>, head: string, lines?: number, truncated?: boolean }

function signatureOut (sig: EventSignature, paths: Map<string, number> | undefined): GroupSignature {
  const out: GroupSignature = { kind: sig.kind }
  if (sig.exceptionType !== undefined) out.exceptionType = sig.exceptionType
  if (sig.frame !== undefined) out.frame = sig.frame
  if (sig.endpoint !== undefined) out.endpoint = redactSample(sig.endpoint)
  if (paths !== undefined) {
    out.paths = [...paths].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_PATHS).map(([path, count]) => ({ path: redactSample(path), count }))
  }
  return out
}

// Clipped on the way in, so a group never holds a huge line.
const sampleOf = (entry: LogEntry): RawSample => ({ tsNs: entry.tsNs, line: entry.line.slice(0, MAX_SAMPLE_LENGTH + 1), labels: entry.labels, head: entry.line })

function eventSampleOf (ev: AssembledEvent): RawSample {
  if (ev.lineCount === 1) return { ...sampleOf(ev.head), ...(ev.truncated ? { truncated: true } : {}) }
  let text = ''
  for (const l of ev.lines) {
    text += (text === '' ? '' : '\n') + l
    if (text.length > MAX_EVENT_SAMPLE_LENGTH) break
  }
  const truncated = ev.truncated || ev.lines.length < ev.lineCount
  return { tsNs: ev.head.tsNs, line: text.slice(0, MAX_EVENT_SAMPLE_LENGTH + 1), labels: ev.head.labels, head: ev.head.line, lines: ev.lineCount, ...(truncated ? { truncated } : {}) }
}

function keeps (samples: RawSample[], tsNs: bigint): boolean {
  if (samples.length < SAMPLES_PER_GROUP) return true
  for (const s of samples) if (s.tsNs < tsNs) return true
  return false
}

function keepNewest (samples: RawSample[], sample: RawSample) {
  if (samples.length < SAMPLES_PER_GROUP) {
    samples.push(sample)
    return
  }
  let oldest = 0
  for (let i = 1; i < samples.length; i++) if ((samples[i] as RawSample).tsNs < (samples[oldest] as RawSample).tsNs) oldest = i
  if (sample.tsNs > (samples[oldest] as RawSample).tsNs) samples[oldest] = sample
}
