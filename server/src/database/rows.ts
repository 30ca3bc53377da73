import type { ProbeResult, TableRow, TableSample } from './types.js'

/** Identity that can be shown with table numbers: the right database, reachable (a missing table is listed). */
export const trusted = (p: ProbeResult) => p.identity.ok || p.identity.status === 'tables_missing'

export interface TableRows { tables: TableRow[], bySample: Map<number, TableSample> }

/**
 * The table list of the API from one probe and the one before it (by oid, so a
 * recreated table starts afresh). For a database we are not sure about the
 * names stay and every number goes: never a 0 that was not measured.
 */
export function nextTableRows (before: TableRows, result: ProbeResult): TableRows {
  if (result.tables === null || !trusted(result)) {
    // The tables of an unverified database are listed (they tell what it is), without numbers.
    const names: TableRow[] = result.tables === null
      ? before.tables
      : result.tables.map((t) => ({ ...t, rows: null, rowsExact: false, changeSinceLastProbe: null, insertsDelta: null, updatesDelta: null, deletesDelta: null, measuredAt: result.measuredAt.toISOString() }))
    return {
      tables: names.map((t) => ({ ...t, rows: null, rowsExact: false, estimatedRows: null, exactRows: null, liveTuples: null, inserts: null, updates: null, deletes: null, changeSinceLastProbe: null, insertsDelta: null, updatesDelta: null, deletesDelta: null, totalBytes: null })),
      bySample: new Map(),
    }
  }
  const at = result.measuredAt.toISOString()
  const bySample = new Map<number, TableSample>()
  const tables = result.tables.map((t) => {
    bySample.set(t.oid, t)
    const prev = before.bySample.get(t.oid)
    const rows = t.exactRows ?? t.estimatedRows
    const prevRows = prev === undefined ? null : prev.exactRows ?? prev.estimatedRows
    // An exact count next to an estimate is no change worth showing.
    const comparable = prev !== undefined && (prev.exactRows !== null) === (t.exactRows !== null)
    return {
      ...t,
      rows,
      rowsExact: t.exactRows !== null,
      changeSinceLastProbe: rows !== null && prevRows !== null && comparable ? rows - prevRows : null,
      insertsDelta: delta(t.inserts, prev?.inserts),
      updatesDelta: delta(t.updates, prev?.updates),
      deletesDelta: delta(t.deletes, prev?.deletes),
      measuredAt: at,
    }
  })
  return { tables, bySample }
}

/** Counters only grow; a smaller value means a statistics reset, not a negative change. */
function delta (now: number | null, before: number | null | undefined): number | null {
  if (now === null || before === null || before === undefined || now < before) return null
  return now - before
}
