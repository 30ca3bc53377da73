import type { Static } from 'typebox'
import type { DatabaseConfig } from '../config.js'
import type { ConnectionsResponse, DatabaseResponse } from './schemas.js'
import { trusted } from './rows.js'
import type { DatabaseWatch } from './watch.js'

/** GET /api/database from the last probe: no query runs on the request path. */
export function databaseView (watch: DatabaseWatch, config: DatabaseConfig): Static<typeof DatabaseResponse> {
  const s = watch.snapshot()
  const p = s.probe
  return {
    measuredAt: p?.measuredAt.toISOString() ?? null,
    probeIntervalS: config.probeIntervalS,
    stale: watch.isStale(),
    embedded: s.embedded,
    identity: p?.identity ?? {
      ok: false,
      status: 'unknown',
      message: 'The first probe has not finished yet.',
      expectedDatabase: '',
      currentDatabase: null,
      serverVersion: null,
      missingTables: [],
    },
    tables: s.tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      watched: t.watched,
      rows: t.rows,
      rowsExact: t.rowsExact,
      estimatedRows: t.estimatedRows,
      exactUnavailable: t.exactUnavailable,
      changeSinceLastProbe: t.changeSinceLastProbe,
      inserts: t.insertsDelta,
      updates: t.updatesDelta,
      deletes: t.deletesDelta,
      totalBytes: t.totalBytes,
      lastVacuum: t.lastVacuum,
      lastAnalyze: t.lastAnalyze,
      measuredAt: t.measuredAt,
    })),
    guards: s.guards,
    backup: s.backup ?? { source: 'none', lastGoodAt: null, ageSeconds: null, maxAgeHours: config.backup.maxAgeH, stale: true, verified: false, message: 'not checked yet' },
    unavailable: p?.unavailable ?? [],
  }
}

export type ConnectionHistoryColumns = Static<typeof ConnectionsResponse>['history']

/** GET /api/connections; query texts (already masked) only for admins. The chart reads the stored history when given. */
export function connectionsView (watch: DatabaseWatch, admin: boolean, history?: ConnectionHistoryColumns): Static<typeof ConnectionsResponse> {
  const s = watch.snapshot()
  const p = s.probe
  const c = p !== null && trusted(p) ? p.connections : null
  const { queries, ...current } = c ?? { queries: [] }
  return {
    measuredAt: p?.measuredAt.toISOString() ?? null,
    stale: watch.isStale(),
    current: c === null
      ? null
      : {
          ...(current as Omit<NonNullable<typeof c>, 'queries'>),
          // Query text is for admins only; everyone else sees who holds which connection.
          sessions: (c.sessions ?? []).map(({ query, ...x }) => admin && query !== null ? { ...x, query } : x),
          ...(admin ? { queries } : {}),
        },
    history: history ?? watch.history.columns(),
    pgbouncer: { status: s.pgbouncer.status, message: s.pgbouncer.message, measuredAt: s.pgbouncer.measuredAt, pools: s.pgbouncer.pools, stats: s.pgbouncer.stats, lists: s.pgbouncer.lists },
    unavailable: p?.unavailable ?? [],
  }
}
