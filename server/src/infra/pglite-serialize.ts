/**
 * pglite-socket 0.2.17 queues single protocol messages from all connections in one FIFO.
 * Outside a transaction, another connection's message can run between this one's
 * Parse/Bind and its Execute/Sync, so concurrent parameterized queries fail or even
 * receive each other's rows (seen: 235 of 400 failed over 8 connections). It also stops
 * processing for good after a failed message. This keeps the queue on one connection
 * from its first extended-protocol message until its Sync, and survives failures.
 * It reaches into the library's private queue, so the package version is pinned.
 */

interface QueueItem {
  handlerId: number
  message: Uint8Array
  resolve: (bytes: number) => void
  reject: (err: unknown) => void
  onData: (data: Uint8Array) => void
}

interface QueryQueue {
  queue: QueueItem[]
  processing: boolean
  lastHandlerId: number | null
  db: {
    isInTransaction: () => boolean
    runExclusive: <T>(fn: () => Promise<T>) => Promise<T>
    execProtocolRawStream: (message: Uint8Array, opts: { onRawData: (data: Uint8Array) => void }) => Promise<unknown>
  }
  processQueue: () => Promise<void>
  clearQueueForHandler: (handlerId: number) => void
}

// Parse, Bind, Describe, Execute, Close, Flush: a Sync (or a simple Query) ends the run.
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48])

export function serializeExtendedProtocol (server: unknown): void {
  const q = (server as { queryQueue?: QueryQueue }).queryQueue
  if (q === undefined || typeof q.processQueue !== 'function' || !Array.isArray(q.queue)) {
    throw new Error('pglite-socket internals changed: review server/src/infra/pglite-serialize.ts before upgrading')
  }
  let sticky: number | null = null
  const clear = q.clearQueueForHandler.bind(q)
  q.clearQueueForHandler = (id) => {
    if (sticky === id) sticky = null
    clear(id)
  }
  q.processQueue = async function processQueue (this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return
    this.processing = true
    try {
      while (this.queue.length > 0) {
        const owner = sticky ?? (this.db.isInTransaction() ? this.lastHandlerId : null)
        const idx = owner === null ? 0 : this.queue.findIndex((x) => x.handlerId === owner)
        if (idx === -1) break // wait for the owner's next message; enqueue restarts processing
        const item = this.queue.splice(idx, 1)[0] as QueueItem
        let bytes = 0
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(item.message, {
            onRawData: (d) => { bytes += d.length; item.onData(d) },
          }))
        } catch (err) {
          sticky = null
          item.reject(err)
          continue
        }
        sticky = EXTENDED.has(item.message[0] as number) ? item.handlerId : null
        this.lastHandlerId = item.handlerId
        item.resolve(bytes)
      }
    } finally {
      this.processing = false
    }
  }.bind(q)
}
