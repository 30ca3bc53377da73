import type { StreamMessage } from './types.js'

type LiveFrame = Extract<StreamMessage, { type: 'errors.live' | 'errors.live.refused' }>

export interface LiveQuery {
  /** The end of the answer the page holds (range.end): the tail starts there. */
  since: string
  minSeverity: string
  q?: string
  limit?: string
  /** `include`: the tail keeps muted groups, as the page's answer does. */
  muted?: 'include'
}

/**
 * The live error feed's subscriptions on the page's one stream socket (the alert stream): sent
 * when made, sent again whenever the socket (re)opens, and their frames handed to their owner.
 */
export class LiveErrors {
  private readonly subs = new Map<string, { query: LiveQuery, onFrame: (f: LiveFrame) => void }>()
  private next = 1

  constructor (private readonly send: (msg: object) => boolean) {}

  subscribe (query: LiveQuery, onFrame: (f: LiveFrame) => void): () => void {
    const id = `e${this.next++}`
    this.subs.set(id, { query, onFrame })
    this.send({ type: 'errors.subscribe', id, ...query })
    return () => {
      if (this.subs.delete(id)) this.send({ type: 'errors.unsubscribe', id })
    }
  }

  /** The socket opened (again): every subscription is sent again (a tail is whole, so this is safe). */
  resend (): void {
    for (const [id, s] of this.subs) this.send({ type: 'errors.subscribe', id, ...s.query })
  }

  /** A frame of the stream; true when it was the live feed's. */
  handle (msg: StreamMessage): boolean {
    if (msg.type !== 'errors.live' && msg.type !== 'errors.live.refused') return false
    this.subs.get(msg.id)?.onFrame(msg)
    if (msg.type === 'errors.live.refused') this.subs.delete(msg.id)
    return true
  }
}
