import { Value } from 'typebox/value'
import type { LineFilter } from '../../logs/source.js'
import type { Severity } from '../../metrics/names.js'
import { InputError, parseErrorsQuery } from '../input.js'
import { LiveSubscribe, LiveUnsubscribe, type LiveSubscribeMessage } from './schemas.js'

export interface Subscription {
  id: string
  /** The end of the answer the client holds: the tail starts here. */
  sinceMs: number
  minSeverity: Severity
  filter: LineFilter | undefined
  limit: number
  /** `muted=include`: muted groups stay in the tail (as in the feed); otherwise they are left out and counted. */
  showMuted: boolean
  /** Subscriptions with the same key share one fetch (the search decides what Loki is asked). */
  fetchKey: string
}

export type Parsed =
  | { kind: 'subscribe', sub: Subscription }
  | { kind: 'unsubscribe', id: string }
  | { kind: 'refused', id: string, field?: string, message: string }

const idOf = (msg: Record<string, unknown>) => typeof msg.id === 'string' ? msg.id.slice(0, 64) : ''

function parseSince (raw: string, now: number, maxTailMs: number): number {
  const v = raw.trim()
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d\d-\d\d/.test(v) ? Date.parse(v) : Number.NaN
  if (!Number.isFinite(ms)) throw new InputError('start', `since must be an ISO 8601 time or epoch milliseconds, got "${v.slice(0, 40)}"`)
  if (ms < now - maxTailMs) throw new RangeError(`since is more than ${Math.round(maxTailMs / 60_000)} minutes ago: reload the feed and subscribe from its end`)
  // A browser clock a little ahead: the tail starts now.
  return Math.min(ms, now)
}

/** A client message of the `errors.` kind: a subscription (checked like GET /api/errors, each refusal naming its field) or its end. */
export function parseLiveMessage (msg: Record<string, unknown>, now: number, maxTailMs: number, maxRangeDays: number): Parsed {
  if (msg.type === 'errors.unsubscribe') {
    if (!Value.Check(LiveUnsubscribe, msg)) return { kind: 'refused', id: idOf(msg), field: 'id', message: 'errors.unsubscribe needs the id of a subscription' }
    return { kind: 'unsubscribe', id: msg.id as string }
  }
  if (msg.type !== 'errors.subscribe') return { kind: 'refused', id: idOf(msg), field: 'type', message: 'the errors messages are errors.subscribe and errors.unsubscribe' }
  if (!Value.Check(LiveSubscribe, msg)) {
    const first = Value.Errors(LiveSubscribe, msg)[0] as { instancePath?: string, message?: string, params?: { requiredProperties?: string[] } } | undefined
    const field = (first?.instancePath ?? '').replace(/^\//, '') || (first?.params?.requiredProperties?.[0] ?? 'id')
    return { kind: 'refused', id: idOf(msg), field, message: `errors.subscribe: ${first?.instancePath === '' ? '' : field + ' '}${first?.message ?? 'is invalid'}` }
  }
  const m = msg as LiveSubscribeMessage
  try {
    const input = parseErrorsQuery({ range: '1h', minSeverity: m.minSeverity, q: m.q, limit: m.limit, muted: m.muted }, Math.max(1, maxRangeDays), now)
    const sinceMs = parseSince(m.since, now, maxTailMs)
    return { kind: 'subscribe', sub: { id: m.id, sinceMs, minSeverity: input.minSeverity, filter: input.filter, limit: input.limit, showMuted: input.muted === 'include', fetchKey: JSON.stringify(input.filter ?? null) } }
  } catch (err) {
    if (err instanceof InputError) return { kind: 'refused', id: m.id, field: err.field === 'start' ? 'since' : err.field, message: err.message }
    if (err instanceof RangeError) return { kind: 'refused', id: m.id, field: 'since', message: err.message }
    throw err
  }
}
