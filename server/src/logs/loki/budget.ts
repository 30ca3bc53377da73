/**
 * Loki's query-size limit. Loki's LogQL parser refuses a query of `max` bytes or more
 * before anything else is checked: 400 `parse error : input size too long (5120 > 5120)`;
 * 5,119 bytes pass. Bytes, not characters. The limit was 5,120 bytes until Loki 3.0 and
 * is 131,072 since (grafana/loki#11701). The version comes from buildinfo; a version
 * that is not `major.minor.patch` (a source build answers "" or "main-abc123") gets the
 * smaller limit, which every Loki accepts. A Loki whose version lies (a 3.9.0 that still
 * refuses 5,120 bytes) is believed until its first 400, whose `(N > M)` is then the limit.
 */

export const SMALL_QUERY_LIMIT = 5120
export const LARGE_QUERY_LIMIT = 131_072

export const byteLength = (s: string) => Buffer.byteLength(s, 'utf8')

export function queryLimitForVersion (version: string | undefined): number {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version ?? '')
  if (m === null) return SMALL_QUERY_LIMIT
  return Number(m[1]) >= 3 ? LARGE_QUERY_LIMIT : SMALL_QUERY_LIMIT
}

/** The limit named by Loki's 400 `input size too long (N > M)`, or undefined. */
export function parseSizeLimit (body: string): { size: number, limit: number } | undefined {
  const m = /input size too long \((\d+) > (\d+)\)/.exec(body)
  return m === null ? undefined : { size: Number(m[1]), limit: Number(m[2]) }
}

/** Queries are sent only when shorter than `limit` bytes; the limit is lowered for good when Loki names a smaller one. */
export interface QueryBudget {
  readonly limit: number
  fits: (query: string) => boolean
  /** Loki refused `limit`: lower it (never raise it). Returns true when it changed. */
  learn: (limit: number) => boolean
  /** How the limit was found, for messages: "Loki 2.9.10", "Loki's 400". */
  readonly source: string
}

export function createQueryBudget (initial: number, source: string): QueryBudget {
  let limit = initial
  let from = source
  return {
    get limit () { return limit },
    get source () { return from },
    fits: (query) => byteLength(query) < limit,
    learn (next) {
      if (!(next > 0) || next >= limit) return false
      limit = next
      from = 'Loki\'s own "input size too long" answer'
      return true
    },
  }
}
