import { Type, type Static } from 'typebox'
import { ALERT_SEVERITIES, severityWeight, type AlertSeverity, type Severity } from '../../../shared/severity.js'
import { LiveFrameSchema } from '../errors/live/schemas.js'
import { MutingReply } from './silences/schemas.js'

export const AlertSchema = Type.Object({
  id: Type.String(),
  fingerprint: Type.String(),
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  severity: Type.Enum(ALERT_SEVERITIES),
  alertname: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  annotations: Type.Record(Type.String(), Type.String()),
  startsAt: Type.String(),
  endsAt: Type.Union([Type.String(), Type.Null()]),
  generatorURL: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('alertmanager'), Type.Literal('tovwatch')]),
  /** While the alert fires and, when `until` is set, until then; null after. */
  acknowledged: Type.Union([Type.Null(), Type.Object({ by: Type.String(), at: Type.String(), note: Type.String(), until: Type.Union([Type.String(), Type.Null()]) })]),
  updatedAt: Type.String(),
})

/** GET {base}/api/alerts: one page of the history. */
export const AlertListResponse = Type.Object({
  measuredAt: Type.String(),
  lastEventId: Type.String(),
  alerts: Type.Array(AlertSchema),
  /** Pass as ?cursor= for the next (older) page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
export type Alert = Static<typeof AlertSchema>
export type AlertSource = Alert['source']
export const EventKindSchema = Type.Union([Type.Literal('firing'), Type.Literal('resolved'), Type.Literal('ack'), Type.Literal('updated')])
export type EventKind = Static<typeof EventKindSchema>

/**
 * The frames of the alert stream (WS {base}/api/alerts/stream), one JSON object each. The server
 * encodes only these (clients.ts `encode`), and the UI reads them as `Static<typeof StreamMessage>`.
 */
export const StreamMessageSchema = Type.Union([
  /** `alerts` holds the newest ALERT_SNAPSHOT_LIMIT firing alerts; `nextCursor` pages the `truncated` rest with GET /api/alerts?state=firing. */
  Type.Object({
    type: Type.Literal('snapshot'),
    lastEventId: Type.String(),
    alerts: Type.Array(AlertSchema),
    truncated: Type.Optional(Type.Integer()),
    nextCursor: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
  /** One stored change, in event-id order. */
  Type.Object({ type: Type.Literal('event'), id: Type.String(), kind: EventKindSchema, alert: AlertSchema, at: Type.String() }),
  /** A change received while the store was down: shown, not yet stored (no id). */
  Type.Object({ type: Type.Literal('pending'), kind: EventKindSchema, alert: AlertSchema, at: Type.String() }),
  Type.Object({ type: Type.Literal('heartbeat'), at: Type.String() }),
  /** The silenced/inhibited state from Alertmanager, as GET {base}/api/alerts/muting answers it. */
  Type.Object({ type: Type.Literal('muting'), ...MutingReply.properties }),
  /** The live error feed's frames (errors/live/schemas.ts), to the sockets that subscribed. */
  ...LiveFrameSchema.anyOf,
])
export type StreamMessage = Static<typeof StreamMessageSchema>

/** One stored change, as the bus carries it and the stream sends it (`type: 'event'`). */
export interface AlertEvent {
  id: string
  kind: EventKind
  alert: Alert
  at: string
}

/** An alert as it arrives, before it is stored. Times are RFC3339 strings. */
export interface AlertInput {
  fingerprint: string
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt: string | null
  generatorURL: string | null
  source: AlertSource
}

const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  medium: 'medium',
  warning: 'medium',
  warn: 'medium',
  low: 'low',
  info: 'low',
  minor: 'low',
}

/** Prometheus rules say "warning" as often as "medium": map the usual words, keep the rest 'none'. */
export function severityOf (labels: Record<string, string>): Severity | 'none' {
  return SEVERITY_ALIASES[(labels.severity ?? '').toLowerCase()] ?? 'none'
}

export const SEVERITY_RANK = Object.fromEntries(ALERT_SEVERITIES.map((s) => [s, severityWeight(s)])) as Record<AlertSeverity, number>
