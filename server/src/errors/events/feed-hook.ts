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
const signatureMemo = new WeakMap<LogEntry, EventSignature>()

export function eventSignature (ev: AssembledEvent): EventSignature {
  if (ev.lineCount > 1) return signatureOf(ev.lines)
  let s = signatureMemo.get(ev.head)
  if (s === undefined) signatureMemo.set(ev.head, s = signatureOf(ev.lines))
  return s
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
