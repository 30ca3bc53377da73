import { redactText } from '../infra/logger.js'
import type { Alert, AlertEvent, EventKind } from './types.js'
import { severityOf } from './types.js'

/** A tw_alerts row, from pg (Dates, string ids) or from a jsonb snapshot (strings, number ids). */
export interface AlertRow {
  id: string | number
  fingerprint: string
  status: 'firing' | 'resolved'
  alertname: string
  labels: Record<string, string>
  annotations: Record<string, string>
  starts_at: Date | string
  ends_at: Date | string | null
  generator_url: string | null
  source: Alert['source']
  ack_by: string | null
  ack_at: Date | string | null
  ack_note: string | null
  /** Absent on rows written before the column existed (old events' snapshots). */
  ack_until?: Date | string | null
  updated_at: Date | string
}

const iso = (v: Date | string) => new Date(v).toISOString()

/**
 * Alertmanager passes on whatever a rule or an exporter put in an alert: a generatorURL, label
 * or annotation may hold a URL with a password or a token parameter. Shown (UI, stream, chat)
 * with those masked; the store keeps what was sent.
 */
const masked = (v: string) => /[@=:%]/.test(v) ? redactText(v) : v
function maskValues (o: Record<string, string>): Record<string, string> {
  let out: Record<string, string> | undefined
  for (const [k, v] of Object.entries(o)) {
    const m = typeof v === 'string' ? masked(v) : v
    if (m !== v) (out ??= { ...o })[k] = m
  }
  return out ?? o
}

/** An acknowledgement counts while the alert fires and until its chosen end, if any. */
function acknowledgement (r: AlertRow): Alert['acknowledged'] {
  if (r.ack_by === null || r.ack_at === null || r.status !== 'firing') return null
  const until = r.ack_until === undefined || r.ack_until === null ? null : iso(r.ack_until)
  if (until !== null && Date.parse(until) <= Date.now()) return null
  return { by: r.ack_by, at: iso(r.ack_at), note: r.ack_note ?? '', until }
}

export function rowToAlert (r: AlertRow): Alert {
  return {
    id: String(r.id),
    fingerprint: r.fingerprint,
    status: r.status,
    severity: severityOf(r.labels),
    alertname: r.alertname,
    labels: maskValues(r.labels),
    annotations: maskValues(r.annotations),
    startsAt: iso(r.starts_at),
    endsAt: r.ends_at === null ? null : iso(r.ends_at),
    generatorURL: r.generator_url === null ? null : masked(r.generator_url),
    source: r.source,
    acknowledged: acknowledgement(r),
    updatedAt: iso(r.updated_at),
  }
}

export interface EventRow { id: string, kind: EventKind, at: Date | string, alert: AlertRow }

export function rowToEvent (r: EventRow): AlertEvent {
  return { id: String(r.id), kind: r.kind, at: iso(r.at), alert: rowToAlert(r.alert) }
}
