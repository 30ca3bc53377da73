import type { StreamChannel, StreamPeer } from '../../alerts/hub.js'
import type { LiveRefresher, LivePeer } from './refresher.js'
import type { LiveFrame } from './schemas.js'
import { parseLiveMessage } from './subscription.js'

export interface ChannelOptions {
  refresher: LiveRefresher
  maxRangeDays: number
  /** Subscriptions one socket may hold. */
  maxPerSocket?: number
  now?: () => number
}

/**
 * The live error feed as a channel of the alert stream (`errors.*` messages): one socket per page
 * for alerts and errors alike. An embed token's socket (a Grafana alerts panel) may not subscribe:
 * its token does not open the error feed.
 */
export function createLiveChannel (o: ChannelOptions): StreamChannel {
  const peers = new WeakMap<StreamPeer, LivePeer>()
  const now = o.now ?? Date.now
  const encode = (frame: LiveFrame) => Buffer.from(JSON.stringify(frame))
  const peerOf = (p: StreamPeer) => {
    let lp = peers.get(p)
    if (lp === undefined) peers.set(p, lp = { send: (frame) => p.send(encode(frame)) })
    return lp
  }
  return {
    prefix: 'errors.',
    onMessage (p, msg) {
      const lp = peerOf(p)
      const parsed = parseLiveMessage(msg, now(), o.refresher.maxTailMs, o.maxRangeDays)
      if (parsed.kind === 'unsubscribe') {
        o.refresher.unsubscribe(lp, parsed.id)
        return
      }
      if (parsed.kind === 'refused') {
        lp.send({ type: 'errors.live.refused', id: parsed.id, reason: 'input', ...(parsed.field !== undefined ? { field: parsed.field } : {}), message: parsed.message })
        return
      }
      if (p.embed) {
        lp.send({ type: 'errors.live.refused', id: parsed.sub.id, reason: 'forbidden', message: 'An embed token cannot subscribe to the live error feed: it shows what its panel shows.' })
        return
      }
      // Counted by the refresher, which also ends subscriptions itself (a tail too old or too big).
      if (!o.refresher.has(lp, parsed.sub.id) && o.refresher.held(lp) >= (o.maxPerSocket ?? 8)) {
        lp.send({ type: 'errors.live.refused', id: parsed.sub.id, reason: 'limit', field: 'id', message: `at most ${o.maxPerSocket ?? 8} live subscriptions per socket: unsubscribe one first` })
        return
      }
      o.refresher.subscribe(lp, parsed.sub)
    },
    onClose (p) {
      const lp = peers.get(p)
      if (lp !== undefined) o.refresher.leave(lp)
    },
  }
}
