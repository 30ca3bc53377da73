/** API answers in the shapes of the brief, for states the real services rarely reach in a test. */
const now = () => new Date().toISOString()

export function databaseMissing () {
  return {
    measuredAt: now(),
    probeIntervalS: 15,
    stale: false,
    embedded: false,
    identity: { ok: false, status: 'database_missing', message: 'database "TovPlay" does not exist', expectedDatabase: 'TovPlay', currentDatabase: null, serverVersion: '15.8', missingTables: [] },
    tables: [
      { schema: 'public', name: 'players', watched: true, rows: 0, rowsExact: true, estimatedRows: 0, changeSinceLastProbe: -22, inserts: null, updates: null, deletes: null, totalBytes: 16384, lastVacuum: null, lastAnalyze: null, measuredAt: now() },
    ],
    guards: [{ table: 'players', status: 'collapsed', message: 'row count fell by 100 %', before: 22, after: 0, at: now() }],
    backup: { source: 'dir', lastGoodAt: new Date(Date.now() - 9 * 3600_000).toISOString(), ageSeconds: 9 * 3600, maxAgeHours: 6, stale: true, verified: true, message: 'newest verified dump is 9 h old' },
    unavailable: [],
  }
}

export function errorsIncomplete () {
  const end = Date.now()
  const timestamps = Array.from({ length: 60 }, (_, i) => end - (60 - i) * 60_000)
  const zeros = timestamps.map(() => 0)
  return {
    source: 'loki',
    measuredAt: now(),
    range: { start: new Date(end - 3600_000).toISOString(), end: new Date(end).toISOString() },
    complete: false,
    incompleteReasons: ['Loki answered 429 (too many outstanding requests) for 2 of 4 chunks'],
    failedChunks: [{ start: new Date(end - 3600_000).toISOString(), end: new Date(end - 1800_000).toISOString(), reason: '429 too many outstanding requests' }],
    totals: { critical: 0, high: 1, medium: 0, low: 0 },
    groups: [{ fingerprint: 'f1', template: 'upstream timeout', labels: { job: 'api' }, severity: 'high', count: 1, firstSeen: now(), lastSeen: now(), samples: [], sparkline: [0, 1] }],
    series: { stepSeconds: 60, timestamps, critical: zeros, high: zeros, medium: zeros, low: zeros },
  }
}

export function connectionsWithPools () {
  const end = Date.now()
  const timestamps = Array.from({ length: 96 }, (_, i) => end - (96 - i) * 15 * 60_000)
  const series = (f: (i: number) => number) => timestamps.map((_, i) => f(i))
  return {
    measuredAt: now(),
    stale: false,
    current: {
      byState: { active: 12, idle: 70, idle_in_transaction: 9, idle_in_transaction_aborted: 1, other: 0 },
      total: 92,
      maxConnections: 100,
      reserved: 3,
      usedPct: 92,
      byApplication: [{ name: 'tovplay', count: 80 }, { name: 'tovwatch', count: 2 }],
      byClient: [{ client: '10.0.0.5', count: 80 }],
      oldestIdleInTxSeconds: 1260,
      longestQuerySeconds: 3.2,
      waitingOnLocks: 2,
    },
    history: { timestamps, active: series((i) => 5 + (i % 7)), idle: series((i) => 40 + i / 3), idle_in_transaction: series((i) => i % 5), other: series(() => 0), total: series((i) => 45 + i / 3 + (i % 7) + (i % 5)), maxConnections: series(() => 100) },
    pgbouncer: { status: 'up', message: 'ok', measuredAt: now(), pools: [{ database: 'TovPlay', user: 'tovplay', clActive: 40, clWaiting: 3, svActive: 20, svIdle: 0, maxWaitSeconds: 12, poolMode: 'transaction' }] },
    unavailable: [],
  }
}
