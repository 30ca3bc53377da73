import type { FastifyBaseLogger } from 'fastify'
import type { Bus } from '../infra/redis.js'
import type { AlertMetrics } from './metrics.js'
import type { AlertStore } from './store.js'
import type { Alert, AlertEvent, AlertInput, AlertSource } from './types.js'

/** What travels on the bus: stored events (with ids), or alerts the store could not take yet. */
export type BusMessage = { events: AlertEvent[] } | { unstored: Array<{ kind: 'firing' | 'resolved', alert: Alert, at: string }> }

const PUBLISH_CHUNK = 500

export interface PipelineDeps {
  store: AlertStore
  bus: Bus
  metrics: AlertMetrics
  log: FastifyBaseLogger
  /** Notifiers: called after commit, must not throw or block. */
  onStored: (events: AlertEvent[]) => void
}

export type Pipeline = ReturnType<typeof createPipeline>

/** validate (caller) → store (commit) → publish → notify, in that order. */
export function createPipeline (d: PipelineDeps) {
  let channel: string | undefined

  async function publish (message: BusMessage): Promise<void> {
    if (channel === undefined) return
    try {
      await d.bus.publish(channel, JSON.stringify(message))
    } catch (err) {
      d.log.warn({ err: { message: (err as Error).message } }, 'alert event publish failed; other instances will backfill from the store')
    }
  }

  function committed (events: AlertEvent[]) {
    if (events.length === 0) return
    for (const e of events) d.metrics.eventsStored.inc({ kind: e.kind })
    for (let i = 0; i < events.length; i += PUBLISH_CHUNK) publish({ events: events.slice(i, i + PUBLISH_CHUNK) })
    try {
      d.onStored(events)
    } catch (err) {
      d.log.error({ err }, 'notifier dispatch failed')
    }
  }

  return {
    setChannel (c: string) { channel = c },
    channel: () => channel,
    /** Resolves after COMMIT with the events written (none for a redelivery). */
    async ingest (inputs: AlertInput[], source: AlertSource): Promise<AlertEvent[]> {
      d.metrics.received.inc({ source }, inputs.length)
      let events: AlertEvent[]
      try {
        events = await d.store.write(inputs)
      } catch (err) {
        d.metrics.storeErrors.inc({ operation: 'write' })
        throw err
      }
      committed(events)
      return events
    },
    /** After COMMIT: metrics, publish to every instance's hub, notifiers. */
    committed,
    publishUnstored: (items: Array<{ kind: 'firing' | 'resolved', alert: Alert, at: string }>) => publish({ unstored: items }),
  }
}
