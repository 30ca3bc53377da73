/** What one probe of the monitored database found. The API and metrics read only this. */
/**
 * `unverified`: reachable, but neither EXPECTED_DATABASE nor WATCHED_TABLES is set and
 * no TovPlay table exists there, so nothing confirms it is the right database.
 */
export type IdentityStatus = 'ok' | 'database_missing' | 'unreachable' | 'auth_failed' | 'wrong_database' | 'tables_missing' | 'unverified' | 'unknown'

export interface Identity {
  ok: boolean
  status: IdentityStatus
  message: string
  expectedDatabase: string
  currentDatabase: string | null
  serverVersion: string | null
  missingTables: string[]
}

export interface TableSample {
  oid: number
  schema: string
  name: string
  /** "name" for public tables, "schema.name" otherwise: the key of guards, metrics and WATCHED_TABLES. */
  key: string
  watched: boolean
  relfilenode: number
  estimatedRows: number | null
  exactRows: number | null
  /** Why an exact count was wanted but is not there (lock timeout, no privilege...). */
  exactUnavailable: string | null
  liveTuples: number | null
  inserts: number | null
  updates: number | null
  deletes: number | null
  totalBytes: number | null
  lastVacuum: string | null
  lastAnalyze: string | null
}

export interface TableRow extends TableSample {
  rows: number | null
  rowsExact: boolean
  changeSinceLastProbe: number | null
  insertsDelta: number | null
  updatesDelta: number | null
  deletesDelta: number | null
  measuredAt: string
}

export interface ConnectionSample {
  byState: { active: number, idle: number, idle_in_transaction: number, idle_in_transaction_aborted: number, other: number }
  total: number
  maxConnections: number
  reserved: number
  usedPct: number
  byApplication: Array<{ name: string, count: number }>
  byClient: Array<{ client: string, count: number }>
  oldestIdleInTxSeconds: number | null
  longestQuerySeconds: number | null
  waitingOnLocks: number
  /** Every client session (TovWatch's probe excluded), idle first, at most SESSIONS_LIMIT; `query` is masked and only ever sent to admins. */
  sessions: Array<{ pid: number, application: string, user: string, client: string, state: string, backendStart: string | null, stateSince: string | null, stateSeconds: number | null, xactSeconds: number | null, query: string | null }>
  /** Masked and truncated; only ever sent to admins. */
  queries: Array<{ pid: number, state: string, application: string, ageSeconds: number, query: string }>
}

export interface ProbeResult {
  measuredAt: Date
  durationMs: number
  identity: Identity
  /** Present when the database answered; rows are withheld (null) when identity is not trusted. */
  tables: TableSample[] | null
  connections: ConnectionSample | null
  unavailable: string[]
  /** Bounded reason when the probe failed (for the error counter). */
  failureReason?: string
}
