import type { FeedInput, RawErrorsQuery } from './input.js'

/** How close two absolute `end`s must be (ms) to be one question: a browser's "now" differs by milliseconds. */
export const END_ROUND_MS = 1000

/**
 * The key under which concurrent feed requests share one computation: the input as the
 * feed reads it. A relative range (`range=1h`) is the same question whenever it is asked
 * during one flight; absolute times are rounded to the second.
 */
export function feedKey (raw: RawErrorsQuery, input: FeedInput): string {
  const relative = raw.start === undefined && raw.end === undefined
  const span = relative ? `range:${raw.range ?? '1h'}` : `abs:${Math.floor(input.startMs / END_ROUND_MS)}:${Math.floor(input.endMs / END_ROUND_MS)}`
  return JSON.stringify([span, input.minSeverity, input.filter ?? null, input.limit, input.muted ?? 'hide'])
}
