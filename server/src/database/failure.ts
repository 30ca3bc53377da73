import { PG_CODES, pgErrorCode } from '../infra/postgres.js'
import { redactText } from '../infra/logger.js'
import type { IdentityStatus } from './types.js'

export interface Failure {
  status: Extract<IdentityStatus, 'database_missing' | 'unreachable' | 'auth_failed' | 'unknown'>
  /** Bounded reason for the probe-error counter. */
  reason: 'database_missing' | 'unreachable' | 'auth_failed' | 'too_many_connections' | 'terminated' | 'timeout' | 'error'
  message: string
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE'])

/** Tells apart why the monitored database did not answer. */
export function classifyFailure (err: unknown, database: string): Failure {
  const code = pgErrorCode(err)
  const text = redactText(err instanceof Error ? err.message : String(err))
  if (code === PG_CODES.invalidCatalogName) {
    return { status: 'database_missing', reason: 'database_missing', message: `Database "${database}" does not exist on the server (SQLSTATE 3D000). It may have been dropped.` }
  }
  if (code === PG_CODES.invalidPassword || code === PG_CODES.invalidAuthorization) {
    return { status: 'auth_failed', reason: 'auth_failed', message: `PostgreSQL refused the monitoring role's login (SQLSTATE ${code}): ${text}` }
  }
  if (code === PG_CODES.tooManyConnections) {
    return { status: 'unreachable', reason: 'too_many_connections', message: `PostgreSQL refused a new connection: too many connections (SQLSTATE 53300). ${text}` }
  }
  if (code === PG_CODES.cannotConnectNow || code === '57P02') {
    return { status: 'unreachable', reason: 'unreachable', message: `PostgreSQL is starting up or shutting down (SQLSTATE ${code}).` }
  }
  if (code === PG_CODES.adminShutdown) {
    return { status: 'unreachable', reason: 'terminated', message: `The monitoring connection was terminated by the server (SQLSTATE 57P01): ${text}` }
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return { status: 'unreachable', reason: 'unreachable', message: `PostgreSQL is unreachable (${code}).` }
  }
  if (/timeout|timed out/i.test(text)) {
    return { status: 'unreachable', reason: 'timeout', message: `PostgreSQL did not answer in time: ${text}` }
  }
  if (/Connection terminated|connection.*(closed|ended)|not queryable|ECONNREFUSED/i.test(text)) {
    return { status: 'unreachable', reason: 'terminated', message: `The connection to PostgreSQL was lost: ${text}` }
  }
  return { status: 'unknown', reason: 'error', message: `The probe failed: ${text}` }
}

/** Errors after which the client must be thrown away and one fresh connection tried. */
export function isConnectionLoss (err: unknown): boolean {
  const f = classifyFailure(err, '')
  return f.reason === 'terminated' || f.reason === 'unreachable' || f.reason === 'timeout'
}
