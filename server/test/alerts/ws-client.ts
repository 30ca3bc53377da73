import WebSocket from 'ws'

export interface StreamMessage { type: string, id?: string, kind?: string, lastEventId?: string, alert?: { id: string, fingerprint: string, status: string, labels: Record<string, string>, acknowledged: unknown }, alerts?: Array<{ fingerprint: string }> }

export interface StreamClient {
  ws: WebSocket
  messages: StreamMessage[]
  /** Ids of the 'event' messages, in arrival order. */
  eventIds: () => number[]
  opened: Promise<void>
  closed: Promise<{ code: number, reason: string }>
  until: (pred: (msgs: StreamMessage[]) => boolean, timeoutMs?: number) => Promise<void>
  close: () => void
}

export function openStream (url: string, headers: Record<string, string> = {}): StreamClient {
  const ws = new WebSocket(url, { headers })
  const messages: StreamMessage[] = []
  const waiters = new Set<() => void>()
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as StreamMessage)
    for (const w of waiters) w()
  })
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
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
