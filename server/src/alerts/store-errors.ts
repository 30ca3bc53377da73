import { pgErrorCode } from '../infra/postgres.js'

/**
 * Whether a failed write is about the data (a retry sends the same data and fails the same way)
 * rather than the store (connection lost, pool exhausted, lock or statement timeout, shutdown),
 * which a retry can cure. SQLSTATE classes 22 (data exception), 23 (integrity constraint) and
 * 54 (program limit exceeded: a value too large) are the data's fault.
 */
export function isDataError (err: unknown): boolean {
  const code = pgErrorCode(err)
  return code !== undefined && /^(22|23|54)/.test(code)
}
