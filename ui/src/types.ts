/** The API shapes of /logs/api. */
import type { Static } from 'typebox'
import type { AlertListResponse, AlertSchema } from '../../server/src/alerts/types.js'
import type { TableHistoryResponse as TableHistorySchema, TrendsResponse as TrendsSchema } from '../../server/src/database/history/schemas.js'
import type { ConnectionsResponse as ConnectionsSchema, DatabaseResponse as DatabaseSchema, TerminateResponse as TerminateSchema } from '../../server/src/database/schemas.js'
import type { ErrorsResponse as ErrorsSchema } from '../../server/src/errors/schemas.js'
import type { HealthBody as HealthSchema } from '../../server/src/infra/health-schema.js'

export { SEVERITIES, type AlertSeverity, type Severity } from '../../shared/severity.js'

// The server's TypeBox schemas are the source of truth: these types are derived from them, so a
// change on one side that the other does not follow fails the typecheck.
export type ErrorsResponse = Static<typeof ErrorsSchema>
export type ErrorGroup = ErrorsResponse['groups'][number]
export type ErrorSample = ErrorGroup['samples'][number]

export type DatabaseResponse = Static<typeof DatabaseSchema>
export type TrendsResponse = Static<typeof TrendsSchema>
export type TableTrend = TrendsResponse['tables'][string]
export type TableHistoryResponse = Static<typeof TableHistorySchema>
export type ClientSession = NonNullable<ConnectionsResponse['current']>['sessions'][number]
export type IdentityStatus = DatabaseResponse['identity']['status']
export type TableInfo = DatabaseResponse['tables'][number]
export type TableGuard = DatabaseResponse['guards'][number]

export type ConnectionsResponse = Static<typeof ConnectionsSchema>
export type ConnectionStates = NonNullable<ConnectionsResponse['current']>['byState']
export type PgBouncerPool = ConnectionsResponse['pgbouncer']['pools'][number]
export type SessionQuery = NonNullable<NonNullable<ConnectionsResponse['current']>['queries']>[number]
/** POST /api/connections/terminate-idle (admin). */
export type TerminateResponse = Static<typeof TerminateSchema>

export type Alert = Static<typeof AlertSchema>
export type AlertsResponse = Static<typeof AlertListResponse>
export type StreamMessage =
  /** `alerts` holds the newest ALERT_SNAPSHOT_LIMIT firing alerts; `nextCursor` pages the `truncated` rest with GET /api/alerts?state=firing. */
  | { type: 'snapshot', lastEventId: string, alerts: Alert[], truncated?: number, nextCursor?: string | null }
  | { type: 'event', id: string, kind: 'firing' | 'resolved' | 'ack' | 'updated', alert: Alert, at: string }
  | { type: 'heartbeat', at: string }

export type HealthResponse = Static<typeof HealthSchema>
export type DependencyStatus = HealthResponse['dependencies'][string]['status']
export interface Me { name: string, role: 'viewer' | 'admin', via: string }
export interface ApiErrorBody { statusCode: number, error: string, message: string, field?: string }
