import type { BackupState } from './backup.js'
import type { Guard } from './guards.js'
import type { PgBouncerState } from './pgbouncer.js'
import type { ProbeResult, TableRow } from './types.js'

/** What the watch knows after its last probe: the API, the metrics and the checks read only this. */
export interface WatchSnapshot {
  probe: ProbeResult | null
  /** The latest table list; numbers are null when the last probe could not be trusted. */
  tables: TableRow[]
  guards: Guard[]
  backup: BackupState | null
  pgbouncer: PgBouncerState
  embedded: boolean
}
