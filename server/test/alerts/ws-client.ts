import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'

export interface StreamMessage { type: string, id?: string, kind?: string, lastEventId?: string, alert?: { id: string, fingerprint: string, status: string, labels: Record<string, string>, acknowledged: unknown }, alerts?: Array<{ fingerprint: string }> }

export interface StreamClient {
  ws: WebSocket
  messages: StreamMessage[]
  /** Ids of the 'event' messages, in arrival order. */
  eventIds: () => number[]
  /** The last event id this client has: its snapshot's, or a later event's (a shared snapshot is followed by the events since). */
  lastId: () => number
  opened: Promise<void>
  closed: Promise<{ code: number, reason: string }>
  until: (pred: (msgs: StreamMessage[]) => boolean, timeoutMs?: number) => Promise<void>
  close: () => void
}

/** A client of the alert stream over a real TCP socket: for what the socket does (slow readers, corking, shutdown, Origin). */
export function openStream (url: string, headers: Record<string, string> = {}): StreamClient {
  const ws = new WebSocket(url, { headers })
  const client = track(ws)
  ws.once('unexpected-response', (_req, res) => client.failOpen(new Error(`HTTP ${res.statusCode}`)))
  return client
}

/**
 * A client of the alert stream through `app.injectWS` (@fastify/websocket's test helper): no
 * port, no TCP, the same routing, hooks and handler. For what the protocol says.
 */
export async function injectStream (app: FastifyInstance, path: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  let client: (StreamClient & { failOpen: (err: Error) => void }) | undefined
  // onInit: listening before the upgrade completes, so the first frame (the snapshot) is never missed.
  await app.injectWS(path, { headers }, { onInit: (ws) => { client = track(ws) } })
    .catch((err: Error) => { client?.failOpen(err); throw err })
  if (client === undefined) throw new Error('injectWS did not initialise its socket')
  await client.opened
  return client
}

function track (ws: WebSocket): StreamClient & { failOpen: (err: Error) => void } {
  const messages: StreamMessage[] = []
  const waiters = new Set<() => void>()
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as StreamMessage)
    for (const w of waiters) w()
  })
  let failOpen: (err: Error) => void = () => {}
  const opened = new Promise<void>((resolve, reject) => {
    failOpen = reject
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  opened.catch(() => {})
  const closed = new Promise<{ code: number, reason: string }>((resolve) => {
    ws.once('close', (code, reason) => { resolve({ code, reason: reason.toString() }); for (const w of waiters) w() })
  })
  return {
    ws,
    messages,
    eventIds: () => messages.filter((m) => m.type === 'event').map((m) => Number(m.id)),
    lastId: () => Math.max(0, ...messages.map((m) => Number(m.type === 'snapshot' ? m.lastEventId : m.type === 'event' ? m.id : 0))),
    opened,
    closed,
    until (pred, timeoutMs = 10_000) {
      if (pred(messages)) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out; got ${JSON.stringify(messages.map((m) => [m.type, m.id])).slice(0, 400)}`)) }, timeoutMs)
        const check = () => { if (pred(messages)) { clearTimeout(timer); waiters.delete(check); resolve() } }
        waiters.add(check)
      })
    },
    close: () => ws.close(),
    failOpen: (err) => failOpen(err),
  }
}

/** The HTTP response a refused upgrade got: status and JSON body. */
export function refusedUpgrade (url: string, headers: Record<string, string>): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => { ws.close(); reject(new Error('upgrade was accepted')) })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.once('error', () => {})
  })
}
