import type { Severity } from '../metrics/names.js'

/**
 * TovWatch's own findings (database missing, row collapse, Loki down...), in the
 * shape of an Alertmanager alert. Checks raise and resolve them by a stable key;
 * the alert pipeline attaches to the sink and takes them over, deduplicated.
 */
export interface InternalAlert {
  /** Becomes labels.alertname, e.g. "TovWatchDatabaseMissing". */
  alertname: string
  severity: Severity
  /** Extra bounded labels, e.g. { table: "players" }. `source="tovwatch"` is added by the pipeline. */
  labels: Record<string, string>
  summary: string
  description: string
  /** The /logs/ view that shows it, e.g. "database" or "connections". */
  view: string
  /** The view's query, e.g. { group: '<fingerprint>' } to open one error group. */
  params?: Record<string, string>
}

export interface ActiveInternalAlert extends InternalAlert {
  key: string
  startsAt: Date
}

export interface AlertSinkHandler {
  raised: (alert: ActiveInternalAlert) => void | Promise<void>
  resolved: (alert: ActiveInternalAlert, endsAt: Date) => void | Promise<void>
}

export interface AlertSink {
  /** Idempotent: raising an active key again updates its text but keeps its start time. */
  raise: (key: string, alert: InternalAlert) => void
  resolve: (key: string) => void
  active: () => ActiveInternalAlert[]
  /** The alert pipeline takes over; currently active alerts are replayed to it. */
  attach: (handler: AlertSinkHandler) => void
}

export function createAlertSink (onHandlerError: (err: unknown) => void): AlertSink {
  const active = new Map<string, ActiveInternalAlert>()
  let handler: AlertSinkHandler | undefined
  const call = (fn: () => void | Promise<void>) => {
    try {
      Promise.resolve(fn()).catch(onHandlerError)
    } catch (err) {
      onHandlerError(err)
    }
  }
  return {
    raise (key, alert) {
      const prev = active.get(key)
      const next: ActiveInternalAlert = { ...alert, key, startsAt: prev?.startsAt ?? new Date() }
      active.set(key, next)
      const changed = prev === undefined || prev.summary !== next.summary || prev.description !== next.description || prev.severity !== next.severity
      if (changed && handler !== undefined) { const h = handler; call(() => h.raised(next)) }
    },
    resolve (key) {
      const prev = active.get(key)
      if (prev === undefined) return
      active.delete(key)
      if (handler !== undefined) { const h = handler; call(() => h.resolved(prev, new Date())) }
    },
    active: () => [...active.values()],
    attach (h) {
      handler = h
      for (const a of active.values()) call(() => h.raised(a))
    },
  }
}
