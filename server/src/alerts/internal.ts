import crypto from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import { uiLink } from './links.js'
import type { ActiveInternalAlert, AlertSinkHandler } from './sink.js'
import type { Pipeline } from './pipeline.js'
import { severityOf, type Alert, type AlertInput } from './types.js'

const MAX_QUEUED = 1000
const RETRY_MS = 5000

export function internalFingerprint (key: string): string {
  return crypto.createHash('sha256').update('tovwatch\0' + key).digest('hex').slice(0, 16)
}

/**
 * Takes over the alert sink: TovWatch's own findings become alerts with
 * source="tovwatch", stored and streamed like Alertmanager's. While the store is
 * down they wait in a bounded queue (the latest state per alert wins) and are
 * broadcast live as "pending", so no browser misses them.
 */
export function createInternalAlerts (config: Config, pipeline: () => Pipeline | undefined, log: FastifyBaseLogger) {
  const queue = new Map<string, AlertInput>()
  let flushing: Promise<void> | undefined
  let again = false
  let timer: NodeJS.Timeout | undefined
  let dropped = 0
  /** Firing internal alerts found in the store at start (fingerprint → the stored row): a restart continues them. */
  let continued: Map<string, AlertInput> | undefined
  const raisedSinceStart = new Set<string>()
  let reconcileTimer: NodeJS.Timeout | undefined

  function toInput (a: ActiveInternalAlert, endsAt: Date | null): AlertInput {
    const link = uiLink(config, a.view, a.params)
    return {
      fingerprint: internalFingerprint(a.key),
      status: endsAt === null ? 'firing' : 'resolved',
      labels: { ...a.labels, alertname: a.alertname, severity: a.severity, source: 'tovwatch' },
      annotations: { summary: a.summary, description: a.description, view: a.view, dashboard: link },
      startsAt: a.startsAt.toISOString(),
      endsAt: endsAt?.toISOString() ?? null,
      generatorURL: link,
      source: 'tovwatch',
    }
  }

  function pendingAlert (i: AlertInput): Alert {
    return {
      id: `pending:${i.fingerprint}`,
      fingerprint: i.fingerprint,
      status: i.status,
      severity: severityOf(i.labels),
      alertname: i.labels.alertname ?? '',
      labels: i.labels,
      annotations: i.annotations,
      startsAt: i.startsAt,
      endsAt: i.endsAt,
      generatorURL: i.generatorURL,
      source: 'tovwatch',
      acknowledged: null,
      updatedAt: new Date().toISOString(),
    }
  }

  /** The same alert after a restart keeps the start time it was stored with, so it stays one row. */
  function continuing (i: AlertInput): AlertInput {
    const prior = continued?.get(i.fingerprint)
    if (prior === undefined) return i
    if (i.status === 'resolved') continued?.delete(i.fingerprint)
    return { ...i, startsAt: prior.startsAt }
  }

  async function flushOnce () {
    const p = pipeline()
    if (queue.size === 0) return
    if (p === undefined || continued === undefined) throw new Error('alert store not ready')
    const batch = [...queue.entries()]
    await p.ingest(batch.map(([, v]) => continuing(v)), 'tovwatch')
    // Only what was written leaves the queue; a newer state queued meanwhile stays.
    for (const [k, v] of batch) if (queue.get(k) === v) queue.delete(k)
  }

  function flush (): Promise<void> {
    if (flushing !== undefined) {
      again = true
      return flushing
    }
    flushing = (async () => {
      do {
        again = false
        try {
          await flushOnce()
        } catch (err) {
          log.warn({ err: { message: (err as Error).message }, queued: queue.size }, 'internal alerts wait for the alert store')
          const items = [...queue.values()].map((i) => ({ kind: i.status, alert: pendingAlert(i), at: new Date().toISOString() }))
          await pipeline()?.publishUnstored(items)
          return
        }
      } while (again && queue.size > 0)
    })().finally(() => { flushing = undefined })
    return flushing
  }

  function enqueue (input: AlertInput) {
    const key = `${input.fingerprint}|${input.startsAt}`
    queue.delete(key)
    queue.set(key, input)
    while (queue.size > MAX_QUEUED) {
      const oldest = queue.keys().next().value
      if (oldest === undefined) break
      queue.delete(oldest)
      dropped++
      log.error({ dropped }, 'internal alert queue full: dropped the oldest queued alert')
    }
    flush()
  }

  const handler: AlertSinkHandler = {
    raised: (a) => {
      raisedSinceStart.add(internalFingerprint(a.key))
      enqueue(toInput(a, null))
    },
    resolved: (a, endsAt) => enqueue(toInput(a, endsAt)),
  }

  return {
    handler,
    start () {
      timer = setInterval(() => { if (queue.size > 0) flush() }, RETRY_MS)
      timer.unref()
    },
    /**
     * Called once the store is ready with its firing internal alerts. A check that still finds
     * the problem re-raises it within the grace period and continues the same row; the rest
     * were cleared while TovWatch was down and are resolved.
     */
    adopt (firing: AlertInput[], graceMs: number) {
      continued = new Map(firing.map((i) => [i.fingerprint, i]))
      reconcileTimer = setTimeout(() => this.reconcile(), graceMs)
      reconcileTimer.unref()
      flush()
    },
    /** Resolves the stored internal alerts that no check has raised since the start. */
    reconcile () {
      for (const [fp, row] of continued ?? []) {
        if (raisedSinceStart.has(fp)) continue
        enqueue({ ...row, status: 'resolved', endsAt: new Date().toISOString() })
      }
    },
    stop () {
      clearInterval(timer)
      clearTimeout(reconcileTimer)
    },
    queued: () => queue.size,
    flush,
  }
}
