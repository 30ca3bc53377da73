/** The API shapes of /logs/api. */
import type { Static } from 'typebox'
import type { AlertListResponse, AlertSchema, StreamMessageSchema } from '../../server/src/alerts/types.js'
import type { Me as MeSchema } from '../../server/src/auth/schemas.js'
import type { TableHistoryResponse as TableHistorySchema, TrendsResponse as TrendsSchema } from '../../server/src/database/history/schemas.js'
import type { ConnectionsResponse as ConnectionsSchema, DatabaseResponse as DatabaseSchema, TerminateResponse as TerminateSchema } from '../../server/src/database/schemas.js'
import type { ErrorsResponse as ErrorsSchema } from '../../server/src/errors/schemas.js'
import type { GroupLifecycleResponse as GroupLifecycleSchema } from '../../server/src/errors/lifecycle/schemas.js'
import type { HealthBody as HealthSchema } from '../../server/src/infra/health-schema.js'
import type { ErrorBody as ErrorBodySchema } from '../../server/src/infra/http.js'

export { SEVERITIES, type AlertSeverity, type Severity } from '../../shared/severity.js'

// The server's TypeBox schemas are the source of truth: these types are derived from them, so a
// change on one side that the other does not follow fails the typecheck.
export type ErrorsResponse = Static<typeof ErrorsSchema>
export type ErrorGroup = ErrorsResponse['groups'][number]
export type ErrorSample = ErrorGroup['samples'][number]
export type GroupLifecycle = NonNullable<ErrorGroup['lifecycle']>
/** The answer of a resolve or mute (errors/lifecycle/routes.ts). */
export type GroupLifecycleAnswer = Static<typeof GroupLifecycleSchema>

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
/** One frame of the alert stream (snapshot, event, pending, heartbeat, muting). */
export type StreamMessage = Static<typeof StreamMessageSchema>

export type HealthResponse = Static<typeof HealthSchema>
export type DependencyStatus = HealthResponse['dependencies'][string]['status']
export type Me = Static<typeof MeSchema>
export type ApiErrorBody = Static<typeof ErrorBodySchema>
