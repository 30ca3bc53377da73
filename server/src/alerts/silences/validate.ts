import { re2Compile } from '../alert-filter.js'
import { formatMatcher, matchesAll, matchesEmpty, MatcherError, parseMatcher, type Matcher } from '../matchers.js'
import type { AmMatcher } from './client.js'

const YEAR_MS = 365 * 86_400_000

export class SilenceInputError extends Error {
  constructor (readonly status: 400 | 409, message: string) {
    super(message)
    this.name = 'SilenceInputError'
  }
}

/** Alertmanager's {name, value, isRegex, isEqual} as one of our matchers, checked (RE2 for regexes). */
export function toMatcher (m: AmMatcher, i: number): Matcher {
  const op = m.isRegex ? (m.isEqual === false ? '!~' : '=~') : (m.isEqual === false ? '!=' : '=')
  if (m.name.trim() === '') throw new SilenceInputError(400, `matchers[${i}]: the label name is empty`)
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name)) throw new SilenceInputError(400, `matchers[${i}]: "${m.name}" is not a label name (letters, digits and _, not starting with a digit)`)
  const text = formatMatcher({ name: m.name, op, value: m.value })
  try {
    return parseMatcher(text, re2Compile)
  } catch (err) {
    if (err instanceof MatcherError) throw new SilenceInputError(400, `matchers[${i}]: ${err.message}`)
    throw err
  }
}

export interface Checked { matchers: Matcher[], startsAt: Date, endsAt: Date }

/** The time rules: a silence ends after it starts, in the future, and lasts at most a year. */
export function checkSilence (body: { matchers: AmMatcher[], startsAt: string, endsAt: string }, now = new Date()): Checked {
  const matchers = body.matchers.map(toMatcher)
  const startsAt = new Date(body.startsAt)
  const endsAt = new Date(body.endsAt)
  if (Number.isNaN(startsAt.getTime())) throw new SilenceInputError(400, 'startsAt is not an RFC 3339 time like 2026-12-02T10:00:00Z')
  if (Number.isNaN(endsAt.getTime())) throw new SilenceInputError(400, 'endsAt is not an RFC 3339 time like 2026-12-02T12:00:00Z')
  if (endsAt <= startsAt) throw new SilenceInputError(400, `The silence ends (${endsAt.toISOString()}) before it starts (${startsAt.toISOString()}): endsAt must be after startsAt.`)
  if (endsAt <= now) throw new SilenceInputError(400, `The silence would end in the past (${endsAt.toISOString()}): nothing would be silenced.`)
  if (endsAt.getTime() - Math.max(startsAt.getTime(), now.getTime()) > YEAR_MS) throw new SilenceInputError(400, 'The silence lasts more than a year: silence for at most 365 days, and fix or delete the alert rule instead of silencing it for longer.')
  if (matchesEmpty(matchers, re2Compile)) {
    throw new SilenceInputError(400, `The matchers ${matchers.map(formatMatcher).join(', ')} match the empty label set, so they would silence every alert (Alertmanager refuses that too): add a matcher that needs a value, like alertname="…".`)
  }
  return { matchers, startsAt, endsAt }
}

export interface Reach { matched: number, firing: number, warning: string | null }

/**
 * How many firing alerts the silence mutes now. None: allowed with a warning (it may be for an alert
 * still to come). All of them, across more than one alert rule: refused unless confirmed.
 */
export function reachOf (matchers: Matcher[], firing: Array<Record<string, string>>, confirmed: boolean): Reach {
  const hit = firing.filter((labels) => matchesAll(matchers, labels, re2Compile))
  const names = new Set(hit.map((l) => l.alertname ?? ''))
  if (!confirmed && hit.length > 1 && hit.length === firing.length && names.size > 1) {
    throw new SilenceInputError(409, `This silence matches every firing alert (${hit.length}, from ${names.size} alert rules): nothing would reach you. Narrow the matchers, or send confirm=true to create it anyway.`)
  }
  return {
    matched: hit.length,
    firing: firing.length,
    warning: hit.length === 0 ? 'This silence matches no firing alert right now; it was created and will mute matching alerts when they fire.' : null,
  }
}
