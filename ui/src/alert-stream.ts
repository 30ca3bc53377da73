import type { MutingState } from './alert-groups.js'
import type { Alert, StreamMessage } from './types.js'

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed'
export type AlertEvent = Extract<StreamMessage, { type: 'event' }>

/** The subset of the browser WebSocket the client uses (a fake one in tests). */
export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number, reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  close: (code?: number, reason?: string) => void
}

export interface AlertStreamOptions {
  url: (lastEventId: string | undefined) => string
  WebSocket?: new (url: string) => WebSocketLike
  /** `nextCursor`: the snapshot was bounded; the other firing alerts are paged with GET /api/alerts?state=firing&cursor=. */
  onSnapshot: (alerts: Alert[], lastEventId: string, nextCursor: string | null) => void
  onEvent: (event: AlertEvent) => void
  /** Alertmanager's silenced/inhibited state, pushed when it changes. */
  onMuting?: (state: MutingState) => void
  onState?: (state: StreamState, retryInMs: number | null) => void
  /** Every message the server sent (snapshot, event or heartbeat): the list is current as of now. */
  onMessage?: () => void
  /** The socket opened (subscriptions of other channels are sent again then). */
  onOpen?: () => void
  /** Frames of other channels on the stream (the live error feed); true when taken. */
  onOther?: (msg: StreamMessage) => boolean
  minDelayMs?: number
  maxDelayMs?: number
  /** No message (the server sends heartbeats) for this long means the socket is dead. */
  idleTimeoutMs?: number
  random?: () => number
  timers?: { set: (fn: () => void, ms: number) => unknown, clear: (h: unknown) => void }
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffDelay (attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const d = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
  return Math.round(d / 2 + random() * d / 2)
}

/** Event ids are increasing decimal strings; compare them without losing precision. */
export function compareEventIds (a: string, b: string): number {
  const na = /^\d+$/.test(a)
  const nb = /^\d+$/.test(b)
  if (na && nb) {
    const x = a.replace(/^0+(?=\d)/, '')
    const y = b.replace(/^0+(?=\d)/, '')
    return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0
  }
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The live alert stream: reconnects with backoff and jitter, resumes from the last
 * event id it saw, and drops events it already applied (replays after a resume).
 */
export class AlertStream {
  state: StreamState = 'closed'
  lastEventId: string | undefined
  attempt = 0
  private ws: WebSocketLike | undefined
  private retryTimer: unknown
  private idleTimer: unknown
  private stopped = true
  private readonly o: Required<Omit<AlertStreamOptions, 'onState' | 'onMessage' | 'onMuting' | 'WebSocket' | 'onOpen' | 'onOther'>> & Pick<AlertStreamOptions, 'onState' | 'onMessage' | 'onMuting' | 'WebSocket' | 'onOpen' | 'onOther'>

  constructor (opts: AlertStreamOptions) {
    this.o = {
      minDelayMs: 500,
      maxDelayMs: 30_000,
      idleTimeoutMs: 45_000,
      random: Math.random,
      timers: { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      ...opts,
    }
  }

  start (): void {
    if (!this.stopped) return
    this.stopped = false
    this.connect('connecting')
  }

  stop (): void {
    this.stopped = true
    this.o.timers.clear(this.retryTimer)
    this.o.timers.clear(this.idleTimer)
    const ws = this.ws
    this.ws = undefined
    if (ws !== undefined) { ws.onclose = null; ws.onmessage = null; ws.close(1000, 'page closed') }
    this.setState('closed', null)
  }

  /** Sends a client message (another channel's, e.g. errors.subscribe); false when the socket is not open. */
  send (msg: object): boolean {
    const ws = this.ws as unknown as { send?: (data: string) => void, readyState?: number } | undefined
    if (ws?.send === undefined || ws.readyState !== 1) return false
    ws.send(JSON.stringify(msg))
    return true
  }

  /** Reconnect now (e.g. the browser came back online), skipping the wait. */
  reconnectNow (): void {
    if (this.stopped || this.state === 'open') return
    this.o.timers.clear(this.retryTimer)
    this.connect('reconnecting')
  }

  private setState (s: StreamState, retryInMs: number | null): void {
    this.state = s
    this.o.onState?.(s, retryInMs)
  }

  private connect (state: StreamState): void {
    this.setState(state, null)
    const Ctor = this.o.WebSocket ?? (globalThis.WebSocket as unknown as new (url: string) => WebSocketLike)
    let ws: WebSocketLike
    try {
      ws = new Ctor(this.o.url(this.lastEventId))
    } catch {
      this.scheduleRetry()
      return
    }
    this.ws = ws
    ws.onopen = () => { this.armIdle(); this.setState('open', null); this.o.onOpen?.() }
    ws.onmessage = (ev) => { this.armIdle(); this.handle(ev.data) }
    ws.onerror = () => {}
    ws.onclose = () => {
      if (this.ws !== ws) return
      this.ws = undefined
      this.o.timers.clear(this.idleTimer)
      if (!this.stopped) this.scheduleRetry()
    }
  }

  private armIdle (): void {
    this.o.timers.clear(this.idleTimer)
    this.idleTimer = this.o.timers.set(() => {
      const ws = this.ws
      if (ws === undefined) return
      this.ws = undefined
      ws.onclose = null
      ws.close(4000, 'no heartbeat')
      this.scheduleRetry()
    }, this.o.idleTimeoutMs)
  }

  private scheduleRetry (): void {
    const delay = backoffDelay(this.attempt, this.o.minDelayMs, this.o.maxDelayMs, this.o.random)
    this.attempt++
    this.setState('reconnecting', delay)
    this.retryTimer = this.o.timers.set(() => this.connect('reconnecting'), delay)
  }

  private handle (data: unknown): void {
    let msg: StreamMessage
    try { msg = JSON.parse(String(data)) as StreamMessage } catch { return }
    if (msg.type === 'muting') {
      this.o.onMuting?.(msg)
      return
    }
    if (msg.type === 'errors.live' || msg.type === 'errors.live.refused') {
      this.o.onOther?.(msg)
      return
    }
    if (msg.type === 'snapshot') {
      this.lastEventId = msg.lastEventId
      this.attempt = 0
      if (this.state !== 'open') this.setState('open', null)
      this.o.onSnapshot(msg.alerts, msg.lastEventId, msg.nextCursor ?? null)
    } else if (msg.type === 'event') {
      if (this.lastEventId !== undefined && compareEventIds(msg.id, this.lastEventId) <= 0) return
      this.lastEventId = msg.id
      this.attempt = 0
      if (this.state !== 'open') this.setState('open', null)
      this.o.onEvent(msg)
    } else if (msg.type === 'heartbeat' && this.state !== 'open') {
      this.attempt = 0
      this.setState('open', null)
    }
    if (msg.type === 'snapshot' || msg.type === 'event' || msg.type === 'heartbeat') this.o.onMessage?.()
  }
}
