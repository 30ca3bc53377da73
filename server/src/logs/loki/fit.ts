/**
 * Builds the log query that fits Loki's query-size limit (budget.ts). The selector and
 * the user's search are required; `include` and `exclude` only narrow what Loki sends
 * (the caller classifies every line itself), so they are dropped, exclude first, when
 * the query with them would not fit. The longest text sent is the proof's count query,
 * `sum(count_over_time(<log query> [Ws]))`: that is what must fit.
 *
 * Measured with the shipped rules (README, "Where filtering runs"): every severity rule
 * in one `|~` makes a 5,291-byte query and the noise rules another 5,511, so on a Loki
 * before 3.0 (5,120 bytes) only the search goes to Loki and the RE2.Sets do the rest;
 * on 3.0 and later (131,072 bytes) the severity union narrows at Loki too.
 */
import { LogQueryError } from '../source.js'
import { byteLength, type QueryBudget } from './budget.js'
import { countQuery } from './counts.js'
import { buildLogQuery, type LogQueryParts } from './logql.js'

export interface Fitted {
  logql: string
  /** What Loki filters: everything asked, the search and include, or the search only. */
  atLoki: 'all' | 'no-exclude' | 'search-only'
}

export function fitLogQuery (parts: LogQueryParts, budget: QueryBudget, windowNs: bigint): Fitted {
  const tries: Array<[Fitted['atLoki'], LogQueryParts]> = [
    ['all', parts],
    ['no-exclude', { ...parts, exclude: undefined }],
    ['search-only', { ...parts, include: undefined, exclude: undefined }],
  ]
  let shortest = ''
  for (const [atLoki, p] of tries) {
    if (atLoki !== 'all' && p.include === parts.include && p.exclude === parts.exclude) continue
    const logql = buildLogQuery(p)
    shortest = countQuery(logql, windowNs)
    if (budget.fits(shortest)) return { logql, atLoki }
  }
  const bytes = byteLength(shortest)
  throw new LogQueryError(
    `the search is too long for this Loki: with it, the query is ${bytes.toLocaleString('en-US')} bytes (UTF-8) and ${budget.source} accepts less than ${budget.limit.toLocaleString('en-US')}; shorten the search by at least ${(bytes - budget.limit + 1).toLocaleString('en-US')} bytes`,
    400
  )
}
