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
  /** A cached snapshot is read again after this long (quiet updates of internal alerts send no event). */
  maxAgeMs?: number
  maxTail?: number
}

/**
 * One snapshot for every client that connects meanwhile: computed once (one query, one JSON
 * encoding), shared by every client that asks until the next event. Events delivered while it is
 * read are kept with it (the tail), so its clients get the snapshot and then those, in order.
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
    /**
     * An event was delivered to live clients: the next client gets a newer snapshot. A read already
     * under way keeps the event in its tail, for the clients that share that read.
     */
    delivered (id: number, frame: Frame) {
      if (current === undefined) return
      if (current.tail.length < (o.maxTail ?? 1000)) current.tail.push({ id, frame })
      current = undefined
    },
  }
}
