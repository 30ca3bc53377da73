import { html } from 'lit'
import type { StreamState } from './alert-stream.js'
import './components/tw-age.js'

export const STREAM_TEXT: Record<StreamState, string> = { open: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', closed: 'Offline' }

/** The server sends a heartbeat every 15 s; the client gives up on a socket after 45 s of silence. */
export const STREAM_STALE_AFTER_S = 45

/**
 * How fresh the alert counts are: "updated 5 s ago" while the stream is open, "as of 3 min ago"
 * greyed and marked stale while it is not (the counts are then only as new as its last word).
 */
export function streamAge (state: StreamState, syncedAt: string | null) {
  const open = state === 'open'
  if (syncedAt === null) return html`<span class="stream-age none">no alert data yet</span>`
  return html`<tw-age class="stream-age" .at=${syncedAt} label=${open ? 'updated' : 'as of'} .stale=${!open} .staleAfter=${STREAM_STALE_AFTER_S}></tw-age>`
}
