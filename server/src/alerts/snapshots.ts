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
  /** Bytes of tail beyond which a fresh snapshot is cheaper for the next client than the events since. */
  maxTailBytes?: number
  /** How long after its read began a snapshot stays shared across events; after that, the next event retires it. */
  shareMs?: number
}

/**
 * One snapshot for every client that connects meanwhile: computed once (one query, one JSON
 * encoding) and shared. Events delivered from the moment its read begins are kept with it (the
 * tail), so a client gets the snapshot and then those, in order, like a client that was connected
 * all along. Clients connecting within a short window (`shareMs` from the read) share it even as
 * events arrive, unless its tail is full (`maxTail` events or `maxTailBytes`); after the window
 * the next event retires it. So under a steady flow of webhooks a storm of clients connecting costs
 * one read, not one per webhook (each read is 1,000 alerts parsed and encoded again: with two
 * webhooks in flight, 500 clients cost 99 reads and 21 s to sync).
 * Bounded: the newest `limit` firing alerts, `truncated` says how many more there are, and
 * `nextCursor` pages them with GET /api/alerts?state=firing&cursor=.
 */
export function createSnapshots (o: SnapshotOptions) {
  let current: { at: number, promise: Promise<Snapshot>, tail: Snapshot['tail'], tailBytes: number } | undefined
  const maxTail = o.maxTail ?? 1000
  const maxTailBytes = o.maxTailBytes ?? 1024 * 1024
  const shareMs = o.shareMs ?? 2000

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
        const entry = { at: Date.now(), promise: compute(tail), tail, tailBytes: 0 }
        current = entry
        // A failed read is not kept: the next client (or the retry) reads again.
        entry.promise.catch(() => { if (current === entry) current = undefined })
      }
      return current.promise
    },
    /**
     * An event was delivered to live clients: it joins the tail of the current snapshot (read or
     * being read), for the clients that get that snapshot later. A full tail is closed (its clients
     * read what it lacks from the store, see clients.ts); a full tail or the end of the sharing
     * window retires the snapshot, and the next client gets a newer one.
     */
    delivered (id: number, frame: Frame) {
      if (current === undefined) return
      const full = current.tail.length >= maxTail || current.tailBytes + frame.length > maxTailBytes
      if (!full) {
        current.tail.push({ id, frame })
        current.tailBytes += frame.length
      }
      if (full || Date.now() - current.at > shareMs) current = undefined
    },
  }
}
