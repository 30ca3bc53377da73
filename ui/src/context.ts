import type { AlertsStore } from './alerts-store.js'
import type { StreamState } from './alert-stream.js'
import type { Api } from './api.js'
import type { Me } from './types.js'

/** What every view needs, handed down from tw-app (or tw-embed) as one property. */
export interface AppContext {
  api: Api
  alerts: AlertsStore
  base: string
  embed: boolean
  me: Me | undefined
  streamState: StreamState
}
