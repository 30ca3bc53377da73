import type { FastifyBaseLogger } from 'fastify'
import type { Bus, Unsubscribe } from '../../infra/redis.js'
import { AlertmanagerError, type AlertmanagerClient } from './client.js'

export interface Muted { silencedBy: string[], inhibitedBy: string[] }
export interface MutingState {
  /** False without ALERTMANAGER_URL: then `reason` says so and nothing is muted. */
  available: boolean
  /** Why the state may be out of date (Alertmanager down), or ''. */
  error: string
  /** When Alertmanager last answered; null before it ever has. */
  measuredAt: string | null
  /** By Alertmanager fingerprint (the same one its webhooks carry): only alerts that are muted. */
  muted: Record<string, Muted>
}

export const NO_ALERTMANAGER = 'Silences need Alertmanager: set ALERTMANAGER_URL (and ALERTMANAGER_USERNAME/PASSWORD or ALERTMANAGER_TOKEN if it asks for them).'

export type Muting = ReturnType<typeof createMuting>

/**
 * Which alerts Alertmanager silences or inhibits, read from its /api/v2/alerts every ALERTMANAGER_POLL_S
 * and pushed to every open page when it changes. A silence created or expired through any instance is
 * announced on the bus, so every instance reads again at once instead of at its next poll.
 */
export function createMuting (o: { client: AlertmanagerClient | undefined, bus: Bus, channel: string, pollMs: number, push: (s: MutingState) => void, log: FastifyBaseLogger }) {
  let state: MutingState = { available: o.client !== undefined, error: o.client === undefined ? NO_ALERTMANAGER : '', measuredAt: null, muted: {} }
  let timer: NodeJS.Timeout | undefined
  let unsubscribe: Unsubscribe | undefined
  let inFlight: Promise<void> | undefined
  let again = false

  async function read (): Promise<void> {
    if (o.client === undefined) return
    let next: MutingState
    try {
      const alerts = await o.client.alerts()
      const muted: Record<string, Muted> = {}
      for (const a of alerts) {
        const { silencedBy = [], inhibitedBy = [] } = a.status ?? {}
        if (silencedBy.length > 0 || inhibitedBy.length > 0) muted[a.fingerprint] = { silencedBy: [...silencedBy].sort(), inhibitedBy: [...inhibitedBy].sort() }
      }
      next = { available: true, error: '', measuredAt: new Date().toISOString(), muted }
    } catch (err) {
      const message = err instanceof AlertmanagerError ? err.message : 'Alertmanager could not be read.'
      if (state.error !== message) o.log.warn({ err: { message } }, 'silenced/inhibited state not read from Alertmanager')
      next = { ...state, error: `${message} Silenced and inhibited marks are as of ${state.measuredAt ?? 'never'}.` }
    }
    const changed = JSON.stringify({ ...next, measuredAt: null }) !== JSON.stringify({ ...state, measuredAt: null })
    state = next
    if (changed) o.push(state)
  }

  /** Reads now; a call during a read queues one more read after it (a silence created mid-read is seen). */
  function refresh (): Promise<void> {
    if (inFlight !== undefined) {
      again = true
      return inFlight
    }
    inFlight = read().finally(() => {
      inFlight = undefined
      if (again) { again = false; refresh().catch(() => {}) }
    })
    return inFlight
  }

  return {
    state: () => state,
    refresh,
    /** After a silence changed: every instance (this one included, through the bus) reads again now. */
    async announce () {
      await refresh()
      await o.bus.publish(o.channel, 'changed').catch(() => {})
    },
    async start () {
      if (o.client === undefined) return
      unsubscribe = await o.bus.subscribe(o.channel, () => { refresh().catch(() => {}) })
      timer = setInterval(() => { refresh().catch(() => {}) }, o.pollMs)
      timer.unref()
      refresh().catch(() => {})
    },
    async stop () {
      clearInterval(timer)
      await unsubscribe?.()
      await inFlight?.catch(() => {})
    },
  }
}
