import type { AlertMetrics } from './metrics.js'
import { rowToAlert } from './rows.js'
import type { AlertStore } from './store.js'
import { encode, type Frame } from './clients.js'

export interface Snapshot {
  lastEventId: number
  /** The `snapshot` message, encoded once for every client that gets it. */
  frame: Frame
  /** Events delivered since the read began, in id order: a client sends those past lastEventId after the frame. */
  tail: Array<{ id: number, frame: Frame }>
}

export interface SnapshotOptions {
  store: AlertStore
  metrics: AlertMetrics
  /** Firing alerts in one snapshot; the others are counted in `truncated`. */
  limit: number
  /** A cached snapshot is read again after this long, or once this many events followed it. */
  maxAgeMs?: number
  maxTail?: number
}

/**
 * One snapshot for every client that connects meanwhile: computed once (one query, one
 * JSON encoding) and shared. Events delivered after it are kept with it (the tail), so a client
 * gets the snapshot and then the tail, in order, and nothing is read again for each event:
 * a webhook every few milliseconds during a storm of connections does not mean a query each.
 * Bounded: the newest `limit` firing alerts, `truncated` says how many more there are, and
 * `nextCursor` pages them with GET /api/alerts?state=firing&cursor=.
 */
export function createSnapshots (o: SnapshotOptions) {
  let current: { at: number, promise: Promise<Snapshot>, tail: Snapshot['tail'] } | undefined

  async function compute (tail: Snapshot['tail']): Promise<Snapshot> {
    const s = await o.store.snapshot(o.limit)
    o.metrics.snapshotsComputed.inc()
    const truncated = Math.max(0, s.total - s.alerts.length)
    return {
      lastEventId: s.lastEventId,
      tail,
      frame: encode({
        type: 'snapshot',
        lastEventId: String(s.lastEventId),
        alerts: s.alerts.map(rowToAlert),
        truncated,
        nextCursor: truncated > 0 && s.cursor !== null ? Buffer.from(s.cursor).toString('base64url') : null,
      }),
    }
  }

  return {
    get (): Promise<Snapshot> {
      if (current === undefined || Date.now() - current.at > (o.maxAgeMs ?? 10_000)) {
        // The tail starts before the read: an event it misses was committed before, so is in the snapshot.
        const tail: Snapshot['tail'] = []
        const entry = { at: Date.now(), promise: compute(tail), tail }
        current = entry
        // A failed read is not kept: the next client (or the retry) reads again.
        entry.promise.catch(() => { if (current === entry) current = undefined })
      }
      return current.promise
    },
    /** An event was delivered to live clients: kept in the tail, or, past maxTail, a newer snapshot is read. */
    delivered (id: number, frame: Frame) {
      if (current === undefined) return
      if (current.tail.length >= (o.maxTail ?? 1000)) current = undefined
      else current.tail.push({ id, frame })
    },
  }
}
