import { Type } from 'typebox'

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()])
const NStr = Type.Union([Type.String(), Type.Null()])
const NNum = Nullable(Type.Number())

export const DatabaseResponse = Type.Object({
  measuredAt: NStr,
  probeIntervalS: Type.Number(),
  stale: Type.Boolean(),
  embedded: Type.Boolean(),
  identity: Type.Object({
    ok: Type.Boolean(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('database_missing'), Type.Literal('unreachable'), Type.Literal('auth_failed'), Type.Literal('wrong_database'), Type.Literal('tables_missing'), Type.Literal('unverified'), Type.Literal('unknown')]),
    message: Type.String(),
    expectedDatabase: Type.String(),
    currentDatabase: NStr,
    serverVersion: NStr,
    missingTables: Type.Array(Type.String()),
  }),
  tables: Type.Array(Type.Object({
    schema: Type.String(),
    name: Type.String(),
    watched: Type.Boolean(),
    rows: NNum,
    rowsExact: Type.Boolean(),
    estimatedRows: NNum,
    exactUnavailable: NStr,
    changeSinceLastProbe: NNum,
    inserts: NNum,
    updates: NNum,
    deletes: NNum,
    totalBytes: NNum,
    lastVacuum: NStr,
    lastAnalyze: NStr,
    measuredAt: Type.String(),
  })),
  guards: Type.Array(Type.Object({
    table: Type.String(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('collapsed'), Type.Literal('missing'), Type.Literal('recreated'), Type.Literal('truncated')]),
    message: Type.String(),
    before: NNum,
    after: NNum,
    at: NStr,
  })),
  backup: Type.Object({
    source: Type.Union([Type.Literal('dir'), Type.Literal('table'), Type.Literal('none')]),
    lastGoodAt: NStr,
    ageSeconds: NNum,
    maxAgeHours: Type.Number(),
    stale: Type.Boolean(),
    /** False when lastGoodAt is only the newest dump file of another tool (no sidecar), or there is none. */
    verified: Type.Boolean(),
    message: Type.String(),
  }),
  unavailable: Type.Array(Type.String()),
})

const Count = Type.Number()
const NCount = Type.Union([Type.Number(), Type.Null()])
export const ConnectionsResponse = Type.Object({
  measuredAt: NStr,
  stale: Type.Boolean(),
  current: Type.Union([Type.Null(), Type.Object({
    byState: Type.Object({ active: Count, idle: Count, idle_in_transaction: Count, idle_in_transaction_aborted: Count, other: Count }),
    total: Count,
    maxConnections: Count,
    reserved: Count,
    usedPct: Type.Number(),
    byApplication: Type.Array(Type.Object({ name: Type.String(), count: Count })),
    byClient: Type.Array(Type.Object({ client: Type.String(), count: Count })),
    oldestIdleInTxSeconds: NNum,
    longestQuerySeconds: NNum,
    waitingOnLocks: Count,
    /** Every client session (up to 500), idle ones first; `query` (masked) for admins only. */
    sessions: Type.Array(Type.Object({
      pid: Count,
      application: Type.String(),
      user: Type.String(),
      client: Type.String(),
      state: Type.String(),
      backendStart: NStr,
      stateSince: NStr,
      stateSeconds: NNum,
      xactSeconds: NNum,
      query: Type.Optional(Type.String()),
    })),
    queries: Type.Optional(Type.Array(Type.Object({ pid: Count, state: Type.String(), application: Type.String(), ageSeconds: Type.Number(), query: Type.String() }))),
  })]),
  /** Stored history (survives a restart); a null is a gap, never a zero. */
  history: Type.Object({
    timestamps: Type.Array(Type.Number()),
    active: Type.Array(NCount),
    idle: Type.Array(NCount),
    idle_in_transaction: Type.Array(NCount),
    other: Type.Array(NCount),
    total: Type.Array(NCount),
    maxConnections: Type.Array(NCount),
  }),
  pgbouncer: Type.Object({
    status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('auth_failed'), Type.Literal('disabled')]),
    message: Type.String(),
    measuredAt: NStr,
    pools: Type.Array(Type.Object({
      database: Type.String(), user: Type.String(), clActive: Count, clWaiting: Count, svActive: Count, svIdle: Count, maxWaitSeconds: Type.Number(), poolMode: Type.String(),
    })),
    /** SHOW STATS per database (totals and averages as PgBouncer names them). */
    stats: Type.Array(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
    /** SHOW LISTS: items per list (pools, free_clients, used_servers...). */
    lists: Type.Record(Type.String(), Type.Number()),
  }),
  unavailable: Type.Array(Type.String()),
})

export const TerminateBody = Type.Object({
  idleMinutes: Type.Number({ minimum: 0, maximum: 10_080, description: 'terminate connections idle for more than this many minutes (0: every idle one)' }),
  dryRun: Type.Boolean(),
}, { additionalProperties: false })

export const TerminateResponse = Type.Object({
  dryRun: Type.Boolean(),
  idleMinutes: Type.Number(),
  measuredAt: Type.String(),
  auditId: Type.Union([Type.String(), Type.Null()]),
  connections: Type.Array(Type.Object({ pid: Count, application: Type.String(), user: Type.String(), client: Type.String(), idleSeconds: Type.Number(), terminated: Type.Boolean() })),
})

export const GuardResetBody = Type.Object({ table: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })
