import type { LogEntry } from '../../logs/source.js'
import { createAssembler, type AssembledEvent, type AssembleOptions } from './assemble.js'

/** Category codes as in classifier.ts (CATEGORIES): 0..3 severities, 4 noise, 5 none. */
const NOISE = 4
const SEVERITY_CODES = 4

/**
 * The category of a whole event from its lines' codes: critical if any line is; noise when its
 * first line is (a noise rule names the event, not its frames); otherwise the most severe line.
 */
export function eventCode (ev: AssembledEvent): number {
  if (ev.tags === undefined) return ev.tag < 0 ? NOISE + 1 : ev.tag
  const tags = ev.tags
  const head = tags[0] as number
  let best = head
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i] as number
    if (t === 0) return 0
    if (t < best) best = t
  }
  return head === NOISE ? NOISE : best
}

export interface EventStats {
  /** Events assembled. */
  events: number
  /** Lines that joined an event as its continuation (lines − events). */
  joined: number
}

/**
 * Collects classified entries as the source pages them (newest first, chunks in any order), then
 * assembles events per stream in time order. Assembly runs once over the whole answer, so an
 * event cut by a chunk or page edge is one event. Lines with the same time keep the source's
 * order (newest first, so reversed).
 */
export function createEventCollector (opts: AssembleOptions = {}) {
  const entries: LogEntry[] = []
  const codes: number[] = []
  return {
    push (entry: LogEntry, code: number) { entries.push(entry); codes.push(code) },
    size: () => entries.length,
    finish (onEvent: (ev: AssembledEvent, code: number) => void): EventStats {
      const order = Array.from(entries.keys())
      order.sort((a, b) => {
        const x = (entries[a] as LogEntry).tsNs
        const y = (entries[b] as LogEntry).tsNs
        return x < y ? -1 : x > y ? 1 : b - a
      })
      let events = 0
      const asm = createAssembler((ev) => { events++; onEvent(ev, eventCode(ev)) }, opts)
      for (const i of order) asm.push(entries[i] as LogEntry, codes[i] as number)
      asm.flush()
      const stats = { events, joined: entries.length - events }
      entries.length = 0
      codes.length = 0
      return stats
    },
  }
}

export interface SeriesLike { timestamps: number[], stepSeconds: number, values: Record<string, number[]> }

/**
 * Re-counts a per-severity line series as events: each line that joined an event is taken out of
 * its own severity's step, and an event whose severity differs from its first line's moves there.
 * Exact for the lines that were assembled (a severity's series counts the lines its rules match,
 * which is how the lines were classified); lines not fetched are left as they were.
 */
export function countEvents (series: SeriesLike, severities: readonly string[]) {
  // A copy: the source may cache the arrays it answered with.
  const values: Record<string, number[]> = {}
  for (const [k, v] of Object.entries(series.values)) values[k] = [...v]
  // The buckets of errors/tally.ts (and of Loki's count_over_time read at a step's end):
  // step i covers (first + i·step, first + (i+1)·step].
  const stepNs = BigInt(series.stepSeconds) * 1_000_000_000n
  const first = series.timestamps[0]
  const firstNs = first === undefined ? 0n : BigInt(first) * 1_000_000n
  const n = series.timestamps.length
  const at = (tsNs: bigint): number => {
    if (first === undefined) return -1
    const i = Number((tsNs - firstNs + stepNs - 1n) / stepNs) - 1
    return i >= 0 && i < n ? i : -1
  }
  const add = (code: number, tsNs: bigint, d: number) => {
    if (code < 0 || code >= SEVERITY_CODES) return
    const i = at(tsNs)
    const v = values[severities[code] as string]
    if (i < 0 || v === undefined || v[i] === undefined) return
    v[i] = Math.max(0, (v[i] as number) + d)
  }
  const onEvent = (ev: AssembledEvent, code: number) => {
    const head = ev.tag
    if (ev.tags !== undefined && ev.times !== undefined) for (let k = 1; k < ev.tags.length; k++) add(ev.tags[k] as number, ev.times[k] as bigint, -1)
    if (head !== code) {
      add(head, ev.head.tsNs, -1)
      add(code, ev.head.tsNs, +1)
    }
  }
  return { onEvent, values }
}
