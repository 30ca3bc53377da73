import type { AlertMetrics } from './metrics.js'
import { rowToAlert } from './rows.js'
import type { AlertStore } from './store.js'
import { encode, type Frame } from './clients.js'

export interface Snapshot {
  lastEventId: number
  /** The `snapshot` message, encoded once for every client that gets it. */
  frame: Frame
}

export interface SnapshotOptions {
  store: AlertStore
  metrics: AlertMetrics
  /** Firing alerts in one snapshot; the others are counted in `truncated`. */
  limit: number
  /** A cached snapshot is dropped at the next event, and at the latest after this long. */
  maxAgeMs?: number
}

/**
 * One snapshot for every client that connects meanwhile: computed once (one query, one
 * JSON encoding), shared by all clients that ask while it is read, and kept until the next event.
 * Bounded: the newest `limit` firing alerts, `truncated` says how many more there are, and
 * `nextCursor` pages them with GET /api/alerts?state=firing&cursor=.
 */
export function createSnapshots (o: SnapshotOptions) {
  let current: { at: number, promise: Promise<Snapshot> } | undefined

  async function compute (): Promise<Snapshot> {
    const s = await o.store.snapshot(o.limit)
    o.metrics.snapshotsComputed.inc()
    const truncated = Math.max(0, s.total - s.alerts.length)
    return {
      lastEventId: s.lastEventId,
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
        const entry = { at: Date.now(), promise: compute() }
        current = entry
        // A failed read is not kept: the next client (or the retry) reads again.
        entry.promise.catch(() => { if (current === entry) current = undefined })
      }
      return current.promise
    },
    /** An event was delivered: the next client gets a newer snapshot. */
    invalidate () { current = undefined },
  }
}
