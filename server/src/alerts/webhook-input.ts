import crypto from 'node:crypto'
import type { Config } from '../config.js'
import { rfc3339Problem } from './rfc3339.js'
import { SANITIZED_ANNOTATION, storable, storableMap } from './storable.js'
import type { AlertInput } from './types.js'
import type { WebhookPayload } from './webhook-schema.js'

/** Go's zero time: Alertmanager's way of saying "no end time yet". */
const ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/i
/** Prometheus's label name syntax. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export class InputError extends Error {
  readonly statusCode = 422
}

/** Why an alert was not stored; a small fixed set (the `reason` label of tovwatch_webhook_rejected_total). */
export const REJECT_REASONS = ['invalid_status', 'invalid_time', 'ends_before_starts', 'invalid_label_name', 'too_many_labels',
  'label_name_too_long', 'label_value_too_long', 'annotations_too_large', 'too_many_alerts', 'duplicate', 'store_refused'] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

/** An alert kept as a dead letter instead of being stored. */
export interface Rejected {
  index: number
  reason: RejectReason
  message: string
  /** The alert as it was sent. */
  raw: unknown
}

export interface WebhookInputs {
  /** The storable alerts, with their index in the webhook. */
  accepted: Array<{ index: number, input: AlertInput }>
  rejected: Rejected[]
  /** How many accepted alerts had text replaced to be storable. */
  sanitized: number
}

type Limits = Config['alerts']['limits']
type RawAlert = WebhookPayload['alerts'][number]

class Reject extends Error {
  constructor (readonly reason: RejectReason, message: string) { super(message) }
}

/** Alertmanager always sends one; for hand-made payloads the labels define the alert, as in Alertmanager. */
export function labelsFingerprint (labels: Record<string, string>): string {
  const canonical = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]))
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 16)
}

function time (value: string, where: string): string {
  const problem = rfc3339Problem(value)
  if (problem !== undefined) throw new Reject('invalid_time', `${where} ${problem} (got "${storable(value.slice(0, 40))}")`)
  return value
}

function checkLimits (a: RawAlert, where: string, l: Limits) {
  const names = Object.keys(a.labels)
  if (names.length > l.labelsPerAlert) throw new Reject('too_many_labels', `${where}.labels has ${names.length} labels, over ALERT_MAX_LABELS=${l.labelsPerAlert}`)
  for (const name of names) {
    if (name.length > l.labelNameLength) throw new Reject('label_name_too_long', `${where}.labels has a name of ${name.length} characters, over ALERT_MAX_LABEL_NAME_LENGTH=${l.labelNameLength}`)
    if (!LABEL_NAME.test(name)) {
      throw new Reject('invalid_label_name', `${where}.labels has ${name === '' ? 'an empty name' : `the name "${storable(name.slice(0, 60))}"`}: a label name is letters, digits and _ and does not start with a digit`)
    }
    const value = a.labels[name] as string
    if (value.length > l.labelValueLength) throw new Reject('label_value_too_long', `${where}.labels.${name} is ${value.length} characters, over ALERT_MAX_LABEL_VALUE_LENGTH=${l.labelValueLength}`)
  }
  let bytes = 0
  for (const [k, v] of Object.entries(a.annotations ?? {})) bytes += Buffer.byteLength(k) + Buffer.byteLength(v)
  if (bytes > l.annotationsBytes) throw new Reject('annotations_too_large', `${where}.annotations are ${bytes} bytes, over ALERT_MAX_ANNOTATIONS_BYTES=${l.annotationsBytes}`)
}

function toInput (a: RawAlert, where: string, l: Limits): { input: AlertInput, sanitized: boolean } {
  if (a.status !== 'firing' && a.status !== 'resolved') throw new Reject('invalid_status', `${where}.status is "${storable(a.status.slice(0, 20))}": it must be "firing" or "resolved"`)
  checkLimits(a, where, l)
  const startsAt = time(a.startsAt, `${where}.startsAt`)
  if (ZERO_TIME.test(startsAt)) throw new Reject('invalid_time', `${where}.startsAt is unset (0001-01-01): an alert needs a start time`)
  const endsAt = a.endsAt === undefined || a.endsAt === '' || ZERO_TIME.test(a.endsAt) ? null : time(a.endsAt, `${where}.endsAt`)
  // A firing alert's endsAt is only Prometheus's expiry guess, and is not stored.
  if (endsAt !== null && a.status === 'resolved' && Date.parse(endsAt) < Date.parse(startsAt)) {
    throw new Reject('ends_before_starts', `${where}.endsAt (${endsAt}) is before its startsAt (${startsAt})`)
  }
  const changed: string[] = []
  const labels = storableMap(a.labels, 'labels', changed)
  const annotations = storableMap(a.annotations ?? {}, 'annotations', changed)
  const fingerprint = a.fingerprint === undefined ? labelsFingerprint(labels) : storable(a.fingerprint)
  if (a.fingerprint !== undefined && fingerprint !== a.fingerprint) changed.push('fingerprint')
  const url = a.generatorURL === undefined || a.generatorURL === '' ? null : storable(a.generatorURL)
  if (url !== null && url !== a.generatorURL) changed.push('generatorURL')
  if (changed.length > 0) annotations[SANITIZED_ANNOTATION] = `NUL or lone surrogate replaced with U+FFFD in ${changed.join(', ')}`
  return {
    input: { fingerprint, status: a.status, labels, annotations, startsAt, endsAt, generatorURL: url, source: 'alertmanager' },
    sanitized: changed.length > 0,
  }
}

const contentOf = (i: AlertInput) => JSON.stringify([i.status, i.labels, i.annotations, i.endsAt, i.generatorURL])

/**
 * Checks what the schema cannot say, one alert at a time. A payload Alertmanager would never send
 * (another version) is refused whole; an alert that cannot be stored as sent is set aside with the
 * reason, and never costs the other alerts of its webhook.
 */
export function webhookInputs (body: WebhookPayload, limits: Limits): WebhookInputs {
  if (body.version !== '4') {
    throw new InputError(`unsupported webhook payload version "${storable(body.version.slice(0, 20))}": TovWatch reads Alertmanager's version "4"`)
  }
  const accepted: WebhookInputs['accepted'] = []
  const rejected: Rejected[] = []
  let sanitized = 0
  body.alerts.forEach((a, index) => {
    const where = `alerts[${index}]`
    if (index >= limits.alertsPerWebhook) {
      rejected.push({ index, reason: 'too_many_alerts', message: `${where} is past ALERT_MAX_PER_WEBHOOK=${limits.alertsPerWebhook} alerts in one webhook`, raw: a })
      return
    }
    try {
      const r = toInput(a, where, limits)
      if (r.sanitized) sanitized++
      accepted.push({ index, input: r.input })
    } catch (err) {
      if (!(err instanceof Reject)) throw err
      rejected.push({ index, reason: err.reason, message: err.message, raw: a })
    }
  })
  // The same alert twice in one body: an identical copy is dropped; another content under the same
  // identity keeps the last one sent (Alertmanager's latest state) and sets the earlier ones aside.
  const last = new Map<string, number>()
  accepted.forEach((x, i) => last.set(`${x.input.fingerprint}|${Date.parse(x.input.startsAt)}`, i))
  const kept = accepted.filter((x, i) => {
    const winner = accepted[last.get(`${x.input.fingerprint}|${Date.parse(x.input.startsAt)}`) as number] as typeof x
    if (winner === x) return true
    if (contentOf(winner.input) !== contentOf(x.input)) {
      rejected.push({ index: x.index, reason: 'duplicate', message: `alerts[${x.index}] has the fingerprint and startsAt of alerts[${winner.index}] with other contents; the later one was stored`, raw: body.alerts[x.index] })
    }
    return false
  })
  rejected.sort((a, b) => a.index - b.index)
  return { accepted: kept, rejected, sanitized }
}
