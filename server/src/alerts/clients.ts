import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import type { AlertMetrics } from './metrics.js'
import type { Pacer } from './pacer.js'
import type { createSnapshots } from './snapshots.js'
import type { AlertStore } from './store.js'
import type { AlertEvent, StreamMessage } from './types.js'

export const CLOSE_TOO_SLOW = 4008
export const CLOSE_STORE_DOWN = 4503
export const PAGE = 2000

/** Encoded once and shared by every client: a thousand clients cost one JSON.stringify and one UTF-8 encoding. */
export type Frame = Buffer
export const encode = (msg: StreamMessage): Frame => Buffer.from(JSON.stringify(msg))
export const eventFrame = (e: AlertEvent): Frame => encode({ type: 'event', id: e.id, kind: e.kind, alert: e.alert, at: e.at })

/** One socket of the stream, as a channel sees it: it can be sent frames, and says who opened it. */
export interface StreamPeer {
  send: (frame: Frame) => void
  /** Opened with an embed token (a Grafana panel): it sees only what its panel shows. */
  readonly embed: boolean
}

/**
 * Another part speaking on this stream (the live error feed, errors/live/): client messages whose
 * `type` starts with `prefix` go to it, and it hears when a socket closes. The stream stays one
 * socket per page; alerts know nothing of the channel's messages.
 */
export interface StreamChannel {
  prefix: string
  onMessage: (peer: StreamPeer, msg: Record<string, unknown>) => void
  onClose: (peer: StreamPeer) => void
}

/** The TCP socket under a WebSocket (the upgraded request's socket): cork/uncork batch its writes. */
export interface Corkable { cork: () => void, uncork: () => void }

interface Client {
  socket: WebSocket
  /** The upgraded request's TCP socket, when known: writes are corked per batch. */
  tcp: Corkable | undefined
  /** Highest event id this client has been sent. */
  lastSent: number
  /** Whether its snapshot was sent or its replay begun: a retried sync goes on from lastSent. */
  started: boolean
  /** The last event delivered to live clients when it connected; later ones wait in `buffer`. */
  joinedAt: number
  /** While the snapshot or replay is read, live events wait in `buffer`. */
  syncing: boolean
  buffer: Array<{ id: number, frame: Frame }>
  /** Frames handed to the socket and not yet flushed. */
  pending: number
  /** Bytes waiting in `buffer`. */
  bufferedBytes: number
  /** Consecutive sweeps that found the backlog over WS_QUEUE_LIMIT. */
  strikes: number
  alive: boolean
  closed: boolean
  /** Set once a channel spoke with it. */
  peer?: StreamPeer
  embed: boolean
}

export interface ClientOptions {
  store: AlertStore
  metrics: AlertMetrics
  log: FastifyBaseLogger
  queueLimit: number
  maxReplay?: number
  /** Bytes queued for one client beyond which it is closed at once (memory guard). */
  maxBufferedBytes?: number
  snapshots: ReturnType<typeof createSnapshots>
  /** Snapshot sends take turns with the rest of the event loop (webhooks): see pacer.ts. */
  pacer: Pacer
  /** Retries of a failed snapshot or replay (with backoff, about 7 s in all) before the client is closed with 4503. */
  syncRetries?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The stream's connected sockets: catch-up on connect, bounded queues, heartbeats, closing. */
export function createClients (o: ClientOptions) {
  const clients = new Set<Client>()
  const channels: StreamChannel[] = []
  let lastEmitted = 0
  const maxBuffered = o.maxBufferedBytes ?? 32 * 1024 * 1024
  const tooSlow = (c: Client) => kick(c, CLOSE_TOO_SLOW, 'too slow: reconnect with lastEventId', 'slow')

  function left (c: Client) {
    if (c.peer !== undefined) for (const ch of channels) ch.onClose(c.peer)
  }

  function kick (c: Client, code: number, reason: string, metricReason: string) {
    if (c.closed) return
    c.closed = true
    left(c)
    clients.delete(c)
    o.metrics.wsClients.set(clients.size)
    o.metrics.wsDisconnects.inc({ reason: metricReason })
    try {
      c.socket.close(code, reason)
    } catch {}
    // A client too slow to read its queue will not read the close frame either.
    setTimeout(() => c.socket.terminate(), 1000).unref()
  }

  function send (c: Client, frame: Frame) {
    if (c.closed) return
    // A burst (10,000 alerts in one webhook) may queue far more than the limit for an instant;
    // only a backlog that does not drain (sweep) or that threatens memory closes the client.
    if (c.socket.bufferedAmount > maxBuffered) {
      tooSlow(c)
      return
    }
    c.pending++
    c.socket.send(frame, { binary: false }, () => { c.pending-- })
  }

  /** Sends everything after c.lastSent that was delivered before the client joined; the rest is in its buffer. */
  async function replay (c: Client, all: boolean) {
    for (;;) {
      if (c.closed || (!all && c.lastSent >= c.joinedAt)) return
      const rows = await o.store.eventsAfter(c.lastSent, null, PAGE)
      for (const e of rows) {
        c.lastSent = Number(e.id)
        send(c, eventFrame(e))
      }
      if (rows.length < PAGE) break
    }
  }

  /** Resumable: a retry after a failed read goes on from what the client was already sent. */
  async function sync (c: Client, lastEventId: number | undefined) {
    if (!c.started) {
      const bounds = lastEventId === undefined ? undefined : await o.store.eventBounds()
      const canReplay = bounds !== undefined && lastEventId !== undefined && lastEventId <= bounds.max &&
        lastEventId >= bounds.min - 1 && bounds.max - lastEventId <= (o.maxReplay ?? 100_000)
      if (canReplay) {
        c.lastSent = lastEventId
        c.started = true
        await replay(c, true)
      } else {
        // No id, an id this store never issued, or one older than retention: start over from a
        // snapshot, shared with every client connecting meanwhile.
        const s = await o.snapshots.get()
        await o.pacer.run(() => {
          send(c, s.frame)
          c.lastSent = s.lastEventId
          c.started = true
          for (const e of s.tail) {
            if (e.id <= c.lastSent) continue
            c.lastSent = e.id
            send(c, e.frame)
          }
        })
      }
    }
    // Whatever was delivered before this client joined and is not in its snapshot or tail (a snapshot
    // read again past maxTail) is read back; what came after waits in its buffer.
    await replay(c, false)
    for (const b of c.buffer) {
      if (b.id > c.lastSent) {
        c.lastSent = b.id
        send(c, b.frame)
      }
    }
    c.buffer = []
    c.bufferedBytes = 0
    c.syncing = false
  }

  return {
    size: () => clients.size,
    /** The last event delivered to live clients (the hub starts it at the store's last id). */
    setLastEmitted (id: number) { lastEmitted = id },

    /** A live event, in id order: sent now, or kept until the client's snapshot or replay is done. */
    emit (id: number, frame: Frame) {
      lastEmitted = id
      o.snapshots.delivered(id, frame)
      for (const c of clients) {
        if (c.syncing) {
          c.buffer.push({ id, frame })
          c.bufferedBytes += frame.length
          if (c.bufferedBytes > maxBuffered) tooSlow(c)
        } else if (id > c.lastSent) {
          c.lastSent = id
          send(c, frame)
        }
      }
    },

    /** Frames without an event id (alerts not stored yet): live clients only. */
    broadcast (frame: Frame) {
      for (const c of clients) if (!c.syncing) send(c, frame)
    },

    /** Holds each live client's writes until a batch is framed: one syscall per client, not one per event. */
    cork (): () => void {
      const sockets: Array<{ uncork: () => void }> = []
      for (const c of clients) {
        if (c.syncing || c.tcp === undefined) continue
        c.tcp.cork()
        sockets.push(c.tcp)
      }
      return () => { for (const s of sockets) s.uncork() }
    },

    /** A backlog over the limit on two sweeps in a row: the client cannot keep up. */
    sweep () {
      for (const c of clients) {
        const backlog = c.syncing ? c.buffer.length : c.pending
        c.strikes = backlog > o.queueLimit ? c.strikes + 1 : 0
        if (c.strikes >= 2) tooSlow(c)
      }
    },

    heartbeat () {
      const frame = encode({ type: 'heartbeat', at: new Date().toISOString() })
      for (const c of clients) {
        if (!c.alive) {
          kick(c, 1001, 'no pong: connection presumed dead', 'dead')
          continue
        }
        c.alive = false
        try {
          c.socket.ping()
        } catch {}
        // A client still syncing gets its snapshot or replay first.
        if (!c.syncing) send(c, frame)
      }
    },

    /** Adds a connected socket: snapshot or replay first, then live events. */
    /** A part that speaks on the stream too (see StreamChannel). */
    addChannel (ch: StreamChannel) { channels.push(ch) },

    async connect (socket: WebSocket, lastEventId: number | undefined, tcp?: Corkable, embed = false) {
      const c: Client = { socket, tcp, lastSent: 0, started: false, joinedAt: lastEmitted, syncing: true, buffer: [], pending: 0, bufferedBytes: 0, strikes: 0, alive: true, closed: false, embed }
      clients.add(c)
      o.metrics.wsClients.set(clients.size)
      socket.on('pong', () => { c.alive = true })
      socket.on('error', () => {})
      socket.on('close', () => {
        if (c.closed) return
        c.closed = true
        left(c)
        clients.delete(c)
        o.metrics.wsClients.set(clients.size)
        o.metrics.wsDisconnects.inc({ reason: 'client' })
      })
      socket.on('message', (data, isBinary) => {
        c.alive = true
        if (isBinary) return kick(c, 1003, 'binary frames are not accepted: this stream is server-to-client', 'protocol')
        const text = data.toString()
        let msg: Record<string, unknown> | undefined
        try {
          const parsed = text.length < 8192 ? JSON.parse(text) as unknown : undefined
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) msg = parsed as Record<string, unknown>
        } catch {}
        const type = typeof msg?.type === 'string' ? msg.type : ''
        if (msg !== undefined && type === 'ping' && text.length < 1024) return send(c, encode({ type: 'heartbeat', at: new Date().toISOString() }))
        const ch = msg === undefined ? undefined : channels.find((x) => type.startsWith(x.prefix))
        if (ch === undefined || msg === undefined) {
          const also = channels.map((x) => `${x.prefix}*`).join(', ')
          return kick(c, 1008, `unexpected message: the client messages are {"type":"ping"}${also === '' ? '' : ` and ${also}`}`, 'protocol')
        }
        c.peer ??= { send: (frame) => { send(c, frame) }, embed: c.embed }
        ch.onMessage(c.peer, msg)
      })
      const retries = o.syncRetries ?? 6
      for (let attempt = 0; ; attempt++) {
        try {
          await sync(c, lastEventId)
          return
        } catch (err) {
          if (c.closed) return
          o.metrics.storeErrors.inc({ operation: 'stream' })
          if (attempt >= retries) {
            o.log.warn({ err: { message: (err as Error).message }, attempts: attempt + 1 }, 'alert stream could not read the store; client closed')
            kick(c, CLOSE_STORE_DOWN, 'alert store unavailable: reconnect later', 'store')
            return
          }
          if (attempt === 0) o.log.info({ err: { message: (err as Error).message } }, 'alert stream snapshot or replay failed; retrying for the client')
          await sleep(Math.min(200 * 2 ** attempt, 2000))
        }
      }
    },

    closeAll (code: number, reason: string, metricReason: string) {
      for (const c of [...clients]) kick(c, code, reason, metricReason)
    },
  }
}
