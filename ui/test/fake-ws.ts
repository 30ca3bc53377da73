import type { WebSocketLike } from '../src/alert-stream.js'

/** A WebSocket stand-in the test drives by hand. */
export class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = []
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number, reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  closed: { code?: number, reason?: string } | undefined

  constructor (readonly url: string) { FakeSocket.all.push(this) }
  static get last (): FakeSocket { return FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket }
  open () { this.onopen?.({}) }
  send (msg: object) { this.onmessage?.({ data: JSON.stringify(msg) }) }
  raw (data: string) { this.onmessage?.({ data }) }
  drop (code = 1006) { this.onclose?.({ code, reason: '' }) }
  close (code?: number, reason?: string) { this.closed = { code, reason } }
}
