import type { AlertsStore } from './alerts-store.js'
import type { StreamState } from './alert-stream.js'
import type { Api } from './api.js'
import type { LiveErrors } from './live-errors.js'
import type { Me } from './types.js'

/** What every view needs, handed down from tw-app (or tw-embed) as one property. */
export interface AppContext {
  api: Api
  alerts: AlertsStore
  base: string
  embed: boolean
  me: Me | undefined
  streamState: StreamState
  /** The live error feed on the stream socket (absent in embeds: their tokens do not open it). */
  live?: LiveErrors
}
