import type { DatabaseResponse, ErrorGroup, ErrorsResponse, Severity, TableInfo } from '../../src/types.js'

const HOUR = 3600_000

export function group (fingerprint: string, severity: Severity, count: number, patch: Partial<ErrorGroup> = {}): ErrorGroup {
  const end = Date.now()
  return {
    fingerprint,
    template: `${fingerprint}: upstream request failed after <duration>`,
    labels: { service: 'scheduling' },
    severity,
    count,
    firstSeen: new Date(end - HOUR).toISOString(),
    lastSeen: new Date(end - 60_000).toISOString(),
    samples: [],
    sparkline: [0, 1, 3, 2, 5, 1],
    ...patch,
  }
}

export function errorsAnswer (groups: ErrorGroup[]): ErrorsResponse {
  const end = Date.now()
  const timestamps = Array.from({ length: 60 }, (_, i) => end - (60 - i) * 60_000)
  const zeros = timestamps.map(() => 0)
  return {
    source: 'loki',
    measuredAt: new Date(end).toISOString(),
    range: { start: new Date(end - HOUR).toISOString(), end: new Date(end).toISOString() },
    complete: true,
    incompleteReasons: [],
    failedChunks: [],
    totals: { critical: 0, high: 0, medium: 0, low: 0, ...Object.fromEntries(groups.map((g) => [g.severity, g.count])) },
    groups,
    series: { stepSeconds: 60, timestamps, critical: zeros, high: zeros, medium: zeros, low: zeros },
  }
}

export function table (name: string, patch: Partial<TableInfo> = {}): TableInfo {
  return {
    schema: 'public',
    name,
    watched: false,
    rows: 100,
    rowsExact: true,
    estimatedRows: 100,
    exactUnavailable: null,
    changeSinceLastProbe: 0,
    inserts: 0,
    updates: 0,
    deletes: 0,
    totalBytes: 16_384,
    lastVacuum: null,
    lastAnalyze: null,
    measuredAt: new Date(Date.now() - 20_000).toISOString(),
    ...patch,
  }
}

export function databaseAnswer (patch: Partial<DatabaseResponse> = {}): DatabaseResponse {
  return {
    measuredAt: new Date(Date.now() - 10_000).toISOString(),
    probeIntervalS: 60,
    stale: false,
    embedded: false,
    identity: { ok: true, status: 'ok', message: 'Connected to TovPlay.', expectedDatabase: 'TovPlay', currentDatabase: 'TovPlay', serverVersion: '15.8', missingTables: [] },
    tables: [],
    guards: [],
    backup: { source: 'dir', lastGoodAt: new Date(Date.now() - 2 * HOUR).toISOString(), ageSeconds: 7200, maxAgeHours: 26, stale: false, verified: true, message: 'Last good backup 2 h ago.' },
    unavailable: [],
    ...patch,
  }
}
