/** From Loki failures to what the user sees: a LogQueryError status and a sanitized message. */
import { LogQueryError } from '../source.js'
import type { LokiHttpError } from './client.js'

/** Failures that no other chunk or retry can fix: the whole query is refused. */
export function isFatal (err: LokiHttpError): boolean {
  return err.kind === 'bad_regex' || err.kind === 'bad_request' || err.kind === 'auth' || err.kind === 'too_large' || err.kind === 'bad_answer'
}

/** Loki refused the query text as too long (400 `input size too long (N > M)`): the source learns M and rebuilds. */
export class QueryTooLarge extends LogQueryError {
  constructor (message: string, readonly limit: number) {
    super(`Loki refused the query (400): ${message}`, 502)
    this.name = 'QueryTooLarge'
  }
}

export function fatalError (err: LokiHttpError): LogQueryError {
  if (err.kind === 'too_large' && err.sizeLimit !== undefined) return new QueryTooLarge(err.message, err.sizeLimit)
  if (err.kind === 'bad_regex') return new LogQueryError(`Loki rejected a regex in the search: ${err.message}`, 400)
  if (err.kind === 'bad_answer') return new LogQueryError(err.message, 502)
  if (err.kind === 'auth') return new LogQueryError(`${err.message}: check LOKI_TENANT and LOKI_USERNAME/LOKI_PASSWORD or LOKI_TOKEN`, 502)
  return new LogQueryError(`Loki refused the query (${err.status ?? 400}): ${err.message}`, 502)
}

/** Every chunk failed and nothing came from the cache: one clear error instead of an empty answer. */
export function allFailedError (errors: LokiHttpError[], deadlineMs: number): LogQueryError {
  const kinds = new Set(errors.map((e) => e.kind))
  const first = errors[0]
  if (kinds.has('aborted') && kinds.size === 1) return new LogQueryError(`Loki did not answer within the deadline of ${deadlineMs} ms (LOKI_DEADLINE_MS)`, 504)
  const bad = errors.find((e) => e.kind === 'bad_answer')
  if (bad !== undefined) return new LogQueryError(bad.message, 502)
  if (kinds.has('network')) return new LogQueryError(`Loki is unreachable: ${errors.find((e) => e.kind === 'network')?.message ?? ''}`, 503)
  if (kinds.has('timeout')) return new LogQueryError(`Loki timed out: ${errors.find((e) => e.kind === 'timeout')?.message ?? ''}`, 504)
  if (kinds.has('rate_limited')) return new LogQueryError('Loki kept rate-limiting TovWatch (429) after every retry; try a shorter range or again in a minute', 503)
  return new LogQueryError(`Loki failed: ${first?.message ?? 'unknown error'}`, 502)
}
