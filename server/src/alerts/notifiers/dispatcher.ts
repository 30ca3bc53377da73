import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../../config.js'
import type { AlertMetrics } from '../metrics.js'
import type { AlertStore } from '../store.js'
import { findTwin } from '../twins.js'
import { SEVERITY_RANK, severityOf, type AlertEvent, type AlertInput } from '../types.js'
import { DISCORD_EMBEDS_PER_MESSAGE, discordMessage, slackMessage, type LinkBase } from './format.js'
import { postJson, redactWebhookUrl } from './http.js'

interface Target {
  name: 'discord' | 'slack'
  url: string
  format: (l: LinkBase, events: AlertEvent[]) => unknown
  /** Alerts per message (Discord: bounded by its 6000-character total for embeds). */
  perMessage: number
  queue: AlertEvent[]
  running: boolean
}

export interface DispatcherOptions {
  timeoutMs?: number
  maxAttempts?: number
  backoffMs?: number
  maxQueue?: number
  maxRetryAfterMs?: number
}

// Unref'd: a retry waiting out Discord's retry_after never keeps a stopping process alive.
const sleep = (ms: number) => new Promise((resolve) => { setTimeout(resolve, ms).unref() })

/**
 * Sends firing and resolved events at or above NOTIFY_MIN_SEVERITY to Discord and
 * Slack, after commit and off the request path. A store row per (fingerprint,
 * notifier) holds the last status sent, shared by every instance: a change of status
 * is always sent, the same status again only after NOTIFY_REPEAT_INTERVAL_S.
 * An Alertmanager alert whose internal twin is firing is not sent (twins.ts).
 */
export function createDispatcher (config: Config, store: AlertStore, metrics: AlertMetrics, log: FastifyBaseLogger, o: DispatcherOptions = {}) {
  const links: LinkBase = { publicUrl: config.publicUrl, basePath: config.basePath }
  const min = SEVERITY_RANK[config.alerts.notifyMinSeverity]
  const targets: Target[] = []
  if (config.alerts.discordWebhookUrl !== undefined) targets.push({ name: 'discord', url: config.alerts.discordWebhookUrl, format: discordMessage, perMessage: DISCORD_EMBEDS_PER_MESSAGE, queue: [], running: false })
  if (config.alerts.slackWebhookUrl !== undefined) targets.push({ name: 'slack', url: config.alerts.slackWebhookUrl, format: slackMessage, perMessage: 20, queue: [], running: false })
  const maxQueue = o.maxQueue ?? 1000
  const state = { stopped: false }
  const idle: Array<() => void> = []

  /** True when the event is held back because TovWatch's own alert for the same condition speaks for it. */
  async function heldForTwin (t: Target, e: AlertEvent, internal: AlertInput[]): Promise<boolean> {
    const a = e.alert
    if (a.source !== 'alertmanager') return false
    if (a.status === 'firing') {
      if (findTwin(a, internal) === undefined) return false
    } else {
      // A resolve follows its firing: held back if that was, sent if it was sent.
      const last = await store.notifyState(a.fingerprint, t.name)
      if (last === undefined || !last.twin || last.status !== 'firing') return false
    }
    await store.holdForTwin(a.fingerprint, a.status, t.name)
    return true
  }

  async function claimed (t: Target, events: AlertEvent[]): Promise<AlertEvent[]> {
    const out: AlertEvent[] = []
    let internal: AlertInput[] | undefined
    for (const e of events) {
      try {
        // Only an internal alert that is itself notified speaks for its twin.
        if (e.alert.source === 'alertmanager' && e.alert.status === 'firing') internal ??= (await store.firingInternal()).filter((i) => SEVERITY_RANK[severityOf(i.labels)] >= min)
        if (await heldForTwin(t, e, internal ?? [])) {
          metrics.notifierSent.inc({ notifier: t.name, outcome: 'twin' })
          continue
        }
        if (await store.claimNotification(e.alert.fingerprint, e.alert.status, t.name, config.alerts.repeatIntervalS)) out.push(e)
        else metrics.notifierSent.inc({ notifier: t.name, outcome: 'suppressed' })
      } catch {
        // No store, no shared lock: better a possible duplicate than a lost alert.
        out.push(e)
      }
    }
    return out
  }

  async function deliver (t: Target, events: AlertEvent[]) {
    const body = t.format(links, events)
    let attempt = 0
    let rateLimited = 0
    while (!state.stopped) {
      const r = await postJson(t.url, body, o.timeoutMs ?? 5000)
      if (r.ok) {
        metrics.notifierSent.inc({ notifier: t.name, outcome: 'sent' }, events.length)
        return
      }
      if (r.status === 429 && rateLimited < 5) {
        rateLimited++
        metrics.notifierSent.inc({ notifier: t.name, outcome: 'rate_limited' })
        await sleep(Math.min(r.retryAfterMs ?? 1000, o.maxRetryAfterMs ?? 60_000))
        continue
      }
      attempt++
      const retryable = r.status === null || r.status >= 500 || r.status === 429
      if (!retryable || attempt >= (o.maxAttempts ?? 4)) {
        metrics.notifierSent.inc({ notifier: t.name, outcome: 'failed' }, events.length)
        log.warn({ notifier: t.name, target: redactWebhookUrl(t.url), reason: r.message, alerts: events.length, attempts: attempt }, 'notifier gave up')
        for (const e of events) await store.releaseNotification(e.alert.fingerprint, e.alert.status, t.name).catch(() => {})
        return
      }
      await sleep((o.backoffMs ?? 1000) * 2 ** (attempt - 1))
    }
  }

  async function run (t: Target) {
    if (t.running) return
    t.running = true
    try {
      while (t.queue.length > 0 && !state.stopped) {
        const batch = await claimed(t, t.queue.splice(0, t.perMessage))
        if (batch.length > 0) await deliver(t, batch)
      }
    } catch (err) {
      log.error({ err: { message: (err as Error).message }, notifier: t.name }, 'notifier failed')
    } finally {
      t.running = false
      if (targets.every((x) => !x.running && x.queue.length === 0)) for (const f of idle.splice(0)) f()
    }
  }

  return {
    targets: () => targets.map((t) => t.name),
    /** After commit; returns at once. */
    onStored (events: AlertEvent[]) {
      if (targets.length === 0) return
      const wanted = events.filter((e) => (e.kind === 'firing' || e.kind === 'resolved') && SEVERITY_RANK[e.alert.severity] >= min)
      if (wanted.length === 0) return
      for (const t of targets) {
        t.queue.push(...wanted)
        const over = t.queue.length - maxQueue
        if (over > 0) {
          t.queue.splice(0, over)
          metrics.notifierSent.inc({ notifier: t.name, outcome: 'dropped' }, over)
          log.warn({ notifier: t.name, dropped: over }, 'notifier queue full: dropped the oldest messages')
        }
        run(t)
      }
    },
    /** Resolves when every queue is empty (tests). */
    whenIdle (): Promise<void> {
      if (targets.every((x) => !x.running && x.queue.length === 0)) return Promise.resolve()
      return new Promise((resolve) => idle.push(resolve))
    },
    stop () { state.stopped = true },
  }
}
