import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import type { Bus, Unsubscribe } from '../infra/redis.js'
import { createClients, encode, eventFrame, PAGE, type Corkable, type StreamChannel } from './clients.js'
import type { AlertMetrics } from './metrics.js'
import { createPacer } from './pacer.js'
import type { BusMessage } from './pipeline.js'
import { createSnapshots } from './snapshots.js'
import type { AlertStore } from './store.js'
import type { AlertEvent, StreamMessage } from './types.js'

export { CLOSE_STORE_DOWN, CLOSE_TOO_SLOW, type Frame, type StreamChannel, type StreamPeer } from './clients.js'

export interface HubOptions {
  store: AlertStore
  bus: Bus
  metrics: AlertMetrics
  log: FastifyBaseLogger
  queueLimit: number
  heartbeatMs?: number
  catchUpMs?: number
  maxReplay?: number
  /** Bytes queued for one client beyond which it is closed at once (memory guard). */
  maxBufferedBytes?: number
  /** How often backlogs are checked; a backlog over queueLimit on two checks in a row closes the client. */
  sweepMs?: number
  /** Firing alerts in a snapshot (ALERT_SNAPSHOT_LIMIT). */
  snapshotLimit?: number
  syncRetries?: number
  /** Longest run of snapshot sends before webhooks and other requests get a turn, in ms. */
  sliceMs?: number
}

export type Hub = ReturnType<typeof createHub>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * One per instance. Delivers every committed event exactly once and in id order to
 * every client: events come from the bus, and any gap in the ids (an instance whose
 * publish was lost, Redis down) is filled from the store, which is the source of truth.
 */
export function createHub (o: HubOptions) {
  const snapshots = createSnapshots({ store: o.store, metrics: o.metrics, limit: o.snapshotLimit ?? 1000 })
  const pacer = createPacer({ sliceMs: o.sliceMs })
  const clients = createClients({ ...o, snapshots, pacer })
  let last = 0
  let chain: Promise<void> = Promise.resolve()
  const state = { stopped: false }
  let catchUpQueued = false
  let unsubscribe: Unsubscribe | undefined
  let stopping: Promise<void> | undefined
  const timers: NodeJS.Timeout[] = []

  function deliver (e: AlertEvent) {
    const id = Number(e.id)
    if (id <= last) return
    last = id
    clients.emit(id, eventFrame(e))
  }

  /** Delivers every committed event in (last, upTo]. Ids commit in order, so a hole below upTo is permanent. */
  async function backfill (upTo: number) {
    while (last < upTo && !state.stopped) {
      const rows = await o.store.eventsAfter(last, upTo, PAGE)
      for (const e of rows) deliver(e)
      if (rows.length < PAGE) last = Math.max(last, upTo)
    }
  }

  async function backfillRetrying (upTo: number) {
    for (let attempt = 0; !state.stopped; attempt++) {
      try {
        await backfill(upTo)
        return
      } catch (err) {
        o.metrics.storeErrors.inc({ operation: 'backfill' })
        if (attempt === 0) o.log.warn({ err: { message: (err as Error).message } }, 'alert stream cannot backfill from the store; retrying')
        await sleep(Math.min(1000 * 2 ** attempt, 5000))
      }
    }
  }

  function onMessage (raw: string) {
    let msg: BusMessage
    try {
      msg = JSON.parse(raw) as BusMessage
    } catch {
      o.log.warn('ignored an alert bus message that is not JSON')
      return
    }
    if ('unstored' in msg) {
      for (const u of msg.unstored) clients.broadcast(encode({ type: 'pending', kind: u.kind, alert: u.alert, at: u.at }))
      return
    }
    const events = [...msg.events].sort((a, b) => Number(a.id) - Number(b.id))
    chain = chain.then(async () => {
      let uncork = clients.cork()
      try {
        for (const e of events) {
          const id = Number(e.id)
          if (id <= last) continue
          if (id > last + 1) {
            uncork()
            await backfillRetrying(id - 1)
            uncork = clients.cork()
          }
          deliver(e)
        }
      } finally {
        uncork()
      }
    })
  }

  function catchUp () {
    if (catchUpQueued || state.stopped) return
    catchUpQueued = true
    chain = chain.then(async () => {
      try {
        const { max } = await o.store.eventBounds()
        if (max > last) await backfill(max)
      } catch {
        o.metrics.storeErrors.inc({ operation: 'backfill' })
      } finally {
        catchUpQueued = false
      }
    })
  }

  return {
    async start (channel: string) {
      last = (await o.store.eventBounds()).max
      clients.setLastEmitted(last)
      unsubscribe = await o.bus.subscribe(channel, onMessage)
      timers.push(
        setInterval(() => clients.heartbeat(), o.heartbeatMs ?? 15_000),
        setInterval(catchUp, o.catchUpMs ?? 2000),
        setInterval(() => clients.sweep(), o.sweepMs ?? 1000))
      for (const t of timers) t.unref()
    },
    connect: (socket: WebSocket, lastEventId: number | undefined, tcp?: Corkable, embed?: boolean) => clients.connect(socket, lastEventId, tcp, embed),
    /** Resolves when the stream's bursts give way (see pacer.ts): a connecting client's handshake waits for it. */
    turn: () => pacer.turn(),
    /** Another part speaking on the stream (errors/live/): its client messages and socket closes. */
    addChannel: (ch: StreamChannel) => clients.addChannel(ch),
    clientCount: () => clients.size(),
    /** A message for every connected client now, outside the event sequence (silence state, say). */
    broadcast: (msg: StreamMessage) => clients.broadcast(encode(msg)),
    lastEventId: () => last,
    /** For tests and health: resolves when everything received so far is delivered. */
    idle: () => chain,
    catchUp,
    /**
     * Stops taking new events, sends the ones already received, then closes every client with 1001
     * (the close frame follows the last event on each socket). Idempotent.
     */
    stop (): Promise<void> {
      stopping ??= (async () => {
        for (const t of timers) clearInterval(t)
        await unsubscribe?.()
        // Deliveries in progress finish (a backfill gives up once stopped, at most one page late).
        const drained = chain.then(() => {}, () => {})
        await Promise.race([drained, sleep(2000)])
        state.stopped = true
        clients.closeAll(1001, 'server shutting down: reconnect with lastEventId', 'shutdown')
      })()
      return stopping
    },
  }
}
