import type { LogEntry } from '../../logs/source.js'
import { SEVERITIES, type Severity } from '../../metrics/names.js'
import { CATEGORIES } from '../classifier.js'
import type { createGrouper } from '../group.js'
import type { AssembledEvent } from './assemble.js'
import { countEvents, createEventCollector, type EventStats, type SeriesLike } from './pipeline.js'
import { signatureOf, type EventSignature } from './signature.js'

/**
 * A one-line event's signature, per entry: cached chunks hand the same entry objects to every
 * request, so a warm repeat computes only the signatures of lines it has not seen.
 */
const signatureMemo = new WeakMap<LogEntry, { lines: number, stored: number, last: string | undefined, sig: EventSignature }>()

/** An event's signature; the same head with the same lines (a cached chunk read again) reuses it. */
export function eventSignature (ev: AssembledEvent): EventSignature {
  const m = signatureMemo.get(ev.head)
  const last = ev.lines[ev.lines.length - 1]
  if (m !== undefined && m.lines === ev.lineCount && m.stored === ev.lines.length && m.last === last) return m.sig
  const sig = signatureOf(ev.lines)
  signatureMemo.set(ev.head, { lines: ev.lineCount, stored: ev.lines.length, last, sig })
  return sig
}

export interface FeedEventsOptions {
  /** ERROR_EVENT_GAP_MS. */
  gapMs?: number
  /** Events less severe than this category code are counted, not grouped. */
  minRank: number
  grouper: ReturnType<typeof createGrouper>
}

/**
 * The error feed's event pass: push() every classified entry as pages arrive; finish() assembles
 * multi-line events over the whole answer, groups each event once (severity and signature from the
 * whole event), and returns the series re-counted as events.
 */
export function createFeedEvents (opts: FeedEventsOptions) {
  const collector = createEventCollector({ gapMs: opts.gapMs })
  let stats: EventStats = { events: 0, joined: 0 }
  return {
    push: (entry: LogEntry, code: number) => collector.push(entry, code),
    finish (series: SeriesLike): Record<string, number[]> {
      const { onEvent, values } = countEvents(series, SEVERITIES)
      stats = collector.finish((ev, code) => {
        onEvent(ev, code)
        if (code <= opts.minRank) opts.grouper.addEvent(ev, CATEGORIES[code] as Severity, eventSignature(ev))
      })
      return values
    },
    stats: () => stats,
  }
}
