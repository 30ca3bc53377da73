import { parseSearch } from '../logs/filter.js'
import type { LineFilter } from '../logs/source.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import { parseDuration, parseTimeExpr } from '../../../shared/time-range.js'

export type Field = 'q' | 'range' | 'start' | 'end' | 'limit' | 'minSeverity' | 'muted'

/** Bad input: the route answers 400 with the field and this message. */
export class InputError extends Error {
  readonly statusCode = 400
  constructor (readonly field: Field, message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/** The ranges the UI offers as buttons; any other duration (15m, 2h, 3d) is taken too. */
export const RANGES = { '1h': 3600_000, '6h': 6 * 3600_000, '24h': 24 * 3600_000, '7d': 7 * 86_400_000 } as const
/** The shortest range: one step of the chart. */
export const MIN_RANGE_MS = 60_000
export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000
/** How far past now an `end` may be (clock skew between browser and server); later ends are refused. */
const MAX_FUTURE_MS = 24 * 3600_000

export interface RawErrorsQuery {
  range?: string
  start?: string
  end?: string
  minSeverity?: string
  q?: string
  limit?: string
  muted?: string
}

export interface FeedInput {
  startMs: number
  endMs: number
  minSeverity: Severity
  filter: LineFilter | undefined
  limit: number
  /** `hide` (default): muted groups leave the answer (counted in `muted`); `include`: shown. */
  muted?: 'hide' | 'include'
}

function parseTime (field: 'start' | 'end', raw: string, now: number): number {
  const t = parseTimeExpr(raw, now)
  if ('error' in t) throw new InputError(field, `${field}: ${t.error}`)
  return t.ms
}

/** Validates the query string of GET /api/errors; every refusal names its field. */
export function parseErrorsQuery (raw: RawErrorsQuery, maxRangeDays: number, now = Date.now()): FeedInput {
  let startMs: number
  let endMs: number
  if (raw.start !== undefined || raw.end !== undefined) {
    if (raw.range !== undefined) throw new InputError('range', 'give either range or start and end, not both')
    if (raw.start === undefined) throw new InputError('start', 'start is missing: give both start and end, or a range')
    if (raw.end === undefined) throw new InputError('end', 'end is missing: give both start and end, or a range')
    startMs = parseTime('start', raw.start, now)
    endMs = parseTime('end', raw.end, now)
    if (startMs >= endMs) throw new InputError('start', `start (${new Date(startMs).toISOString()}) must be before end (${new Date(endMs).toISOString()})`)
    if (endMs > now + MAX_FUTURE_MS) throw new InputError('end', `end (${new Date(endMs).toISOString()}) is more than a day in the future`)
    if (endMs - startMs > maxRangeDays * 86_400_000) {
      throw new InputError('start', `the range is ${((endMs - startMs) / 86_400_000).toFixed(1)} days; the maximum is ${maxRangeDays} days (MAX_RANGE_DAYS)`)
    }
    endMs = Math.min(endMs, now)
    if (startMs >= endMs) throw new InputError('start', 'start is in the future: there are no logs yet')
  } else {
    const range = raw.range ?? '1h'
    const span = RANGES[range as keyof typeof RANGES] ?? parseDuration(range)
    if (span === undefined) throw new InputError('range', `range must be a duration such as 15m, 6h or 7d (got "${range.slice(0, 40)}"); or give start and end`)
    if (span < MIN_RANGE_MS) throw new InputError('range', `range ${range} is shorter than the minimum of 1m`)
    if (span > maxRangeDays * 86_400_000) throw new InputError('range', `range ${range} is longer than the maximum of ${maxRangeDays} days (MAX_RANGE_DAYS)`)
    endMs = now
    startMs = now - span
  }

  const minSeverity = raw.minSeverity ?? 'high'
  if (!(SEVERITIES as readonly string[]).includes(minSeverity)) {
    throw new InputError('minSeverity', `minSeverity must be one of ${SEVERITIES.join(', ')} (got "${minSeverity.slice(0, 40)}")`)
  }

  let limit = DEFAULT_LIMIT
  if (raw.limit !== undefined) {
    if (!/^\d{1,7}$/.test(raw.limit.trim()) || Number(raw.limit) < 1 || Number(raw.limit) > MAX_LIMIT) {
      throw new InputError('limit', `limit must be a whole number from 1 to ${MAX_LIMIT} (got "${raw.limit.slice(0, 40)}")`)
    }
    limit = Number(raw.limit)
  }

  let filter: LineFilter | undefined
  try {
    filter = parseSearch(raw.q)
  } catch (err) {
    throw new InputError('q', (err as Error).message)
  }
  const muted = raw.muted ?? 'hide'
  if (muted !== 'hide' && muted !== 'include') throw new InputError('muted', `muted must be hide or include (got "${muted.slice(0, 40)}")`)
  return { startMs, endMs, minSeverity: minSeverity as Severity, filter, limit, muted }
}
