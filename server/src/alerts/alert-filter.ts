import RE2 from 're2'
import type { AlertRow } from './rows.js'
import { MatcherError, matchesAll, parseMatchers, textMatches, type Compile, type Matcher } from './matchers.js'

/** Alertmanager's regex dialect is RE2's: patterns compile in linear time, or not at all. */
export const re2Compile: Compile = (anchored) => new RE2(anchored)

export interface ParsedFilter { matchers: Matcher[], text: string }

/** `?filter=` values (each one matcher or a `{…}` list; all ANDed) and `?q=` free text; throws a 400-worthy MatcherError. */
export function parseFilter (filters: string[] | undefined, q: string | undefined): ParsedFilter {
  const matchers = (filters ?? []).flatMap((f) => parseMatchers(f, re2Compile))
  return { matchers, text: (q ?? '').trim() }
}

export const isFiltering = (f: ParsedFilter) => f.matchers.length > 0 || f.text !== ''

/** Equality matchers on a non-empty value: pushed down to PostgreSQL as labels @> {name: value}. */
export function equalities (f: ParsedFilter): Array<[string, string]> {
  return f.matchers.filter((m) => m.op === '=' && m.value !== '').map((m) => [m.name, m.value])
}

export function rowPasses (f: ParsedFilter, row: AlertRow): boolean {
  return matchesAll(f.matchers, row.labels, re2Compile) && textMatches(f.text, row.labels, row.annotations)
}

export { MatcherError }
