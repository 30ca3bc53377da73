import type { TableSample } from './types.js'

export type GuardStatus = 'ok' | 'collapsed' | 'missing' | 'recreated' | 'truncated'

export interface Guard {
  table: string
  status: GuardStatus
  message: string
  before: number | null
  after: number | null
  at: string | null
}

interface Baseline { oid: number, relfilenode: number, rows: number | null, inserts: number | null, deletes: number | null, at: Date }

/** Deletes counted (n_tup_del) since the baseline; null when unknown (no statistics, or they were reset). */
function deletesSince (b: Baseline, t: TableSample): number | null {
  return t.deletes !== null && b.deletes !== null && t.deletes >= b.deletes ? t.deletes - b.deletes : null
}

/** Whether counted deletes account for a loss of `lost` rows. Unknown counters explain nothing. */
function explainedByDeletes (b: Baseline, t: TableSample, lost: number): boolean {
  const deletes = deletesSince(b, t)
  return deletes !== null && deletes >= lost
}

/** The count a guard compares: exact when there is one, else live tuples, else the estimate. */
export const guardRows = (t: TableSample) => t.exactRows ?? t.liveTuples ?? t.estimatedRows

/**
 * The row-collapse guard of the watched tables. An event (collapse, truncate,
 * recreate, missing) stays until the table is back to at least the level it had
 * before, or an admin resets it: "nothing fell since the last probe" is no recovery.
 */
export function createGuardBook (rowDropAlertPct: number) {
  const baselines = new Map<string, Baseline>()
  const guards = new Map<string, Guard>()

  function raise (table: string, status: GuardStatus, before: number | null, after: number | null, at: Date, message: string) {
    const prev = guards.get(table)
    // A further fall keeps the first event's level and time: that is what must come back.
    if (prev !== undefined && prev.status !== 'ok' && prev.status !== 'missing') {
      guards.set(table, { ...prev, status: status === 'collapsed' ? prev.status : status, after, message: `${prev.message} Now ${after ?? 'unknown'} rows.` })
      return
    }
    guards.set(table, { table, status, message, before, after, at: at.toISOString() })
  }

  function update (watched: TableSample[], missing: string[], at: Date): void {
    const when = at.toISOString()
    for (const key of missing) {
      const b = baselines.get(key)
      const prev = guards.get(key)
      if (prev?.status === 'missing') continue
      guards.set(key, {
        table: key,
        status: 'missing',
        message: b === undefined
          ? `Watched table ${key} does not exist.`
          : `Watched table ${key} disappeared (it had ${b.rows ?? 'an unknown number of'} rows at ${b.at.toISOString()}).`,
        before: b?.rows ?? prev?.before ?? null,
        after: null,
        at: when,
      })
    }
    for (const t of watched) {
      const rows = guardRows(t)
      const b = baselines.get(t.key)
      const prev = guards.get(t.key)
      if (b !== undefined) {
        const statsReset = t.exactRows === null && t.inserts !== null && b.inserts !== null && t.inserts < b.inserts
        if (t.oid !== b.oid || prev?.status === 'missing') {
          raise(t.key, 'recreated', b.rows, rows, at, `Table ${t.key} was dropped and created again between ${b.at.toISOString()} and ${when}: ${b.rows ?? '?'} rows before, ${rows ?? '?'} now.`)
        } else if (t.relfilenode !== b.relfilenode && rows !== null && b.rows !== null && rows < b.rows && !explainedByDeletes(b, t, b.rows - rows)) {
          // A new relfilenode is TRUNCATE, but also VACUUM FULL, CLUSTER or a rewriting ALTER.
          // TRUNCATE does not count as deletes; rows that went by DELETE do. So a loss the
          // counted deletes explain is a rewrite plus deletes, judged as any other fall below.
          const deletes = deletesSince(b, t)
          raise(t.key, 'truncated', b.rows, rows, at, `Table ${t.key} was truncated between ${b.at.toISOString()} and ${when}: it was rewritten (new relfilenode) and lost ${b.rows - rows} rows, ` +
            (deletes === null ? 'with no delete counter to explain them' : `of which only ${deletes} were counted as deletes`) + `: ${b.rows} rows before, ${rows} after.`)
        } else if (!statsReset && rows !== null && b.rows !== null && b.rows > 0 && (rows === 0 || ((b.rows - rows) / b.rows) * 100 >= rowDropAlertPct)) {
          const pct = Math.round(((b.rows - rows) / b.rows) * 100)
          raise(t.key, 'collapsed', b.rows, rows, at, `Rows of ${t.key} fell from ${b.rows} to ${rows} (−${pct} %) between ${b.at.toISOString()} and ${when}.`)
        }
      } else if (prev?.status === 'missing') {
        raise(t.key, 'recreated', prev.before, rows, at, `Table ${t.key} is back after it was missing: ${prev.before ?? '?'} rows before, ${rows ?? '?'} now.`)
      }
      const g = guards.get(t.key)
      if (g !== undefined && g.status !== 'ok' && g.status !== 'missing' && g.at !== when && rows !== null && g.before !== null && g.before > 0 && rows >= g.before) {
        guards.set(t.key, { table: t.key, status: 'ok', message: `Recovered: ${rows} rows, at least the ${g.before} before the ${g.status} event of ${g.at}.`, before: g.before, after: rows, at: when })
      } else if (g === undefined || g.status === 'ok') {
        guards.set(t.key, { table: t.key, status: 'ok', message: `${rows ?? 'unknown'} rows`, before: b?.rows ?? null, after: rows, at: when })
      } else if (g.at !== when) {
        guards.set(t.key, { ...g, after: rows })
      }
      baselines.set(t.key, { oid: t.oid, relfilenode: t.relfilenode, rows, inserts: t.inserts, deletes: t.deletes, at })
    }
    // A table no longer watched (WATCHED_TABLES changed) leaves the book.
    const keep = new Set([...missing, ...watched.map((t) => t.key)])
    for (const k of guards.keys()) if (!keep.has(k)) { guards.delete(k); baselines.delete(k) }
  }

  return {
    update,
    /** The book as JSON, so a restart (or another instance) compares with the last probe before it. */
    save: (): string => JSON.stringify({ v: 1, baselines: [...baselines].map(([k, b]) => [k, { ...b, at: b.at.toISOString() }]), guards: [...guards.values()] }),
    /** Loads a saved book into an empty one; anything malformed is ignored. */
    load (json: string): boolean {
      if (baselines.size > 0 || guards.size > 0) return false
      try {
        const data = JSON.parse(json) as { v?: number, baselines?: Array<[string, Baseline & { at: string }]>, guards?: Guard[] }
        if (data.v !== 1 || !Array.isArray(data.baselines) || !Array.isArray(data.guards)) return false
        for (const [k, b] of data.baselines) {
          if (typeof k === 'string' && typeof b?.oid === 'number' && typeof b.relfilenode === 'number') {
            baselines.set(k, { oid: b.oid, relfilenode: b.relfilenode, rows: typeof b.rows === 'number' ? b.rows : null, inserts: typeof b.inserts === 'number' ? b.inserts : null, deletes: typeof b.deletes === 'number' ? b.deletes : null, at: new Date(b.at) })
          }
        }
        const statuses = ['ok', 'collapsed', 'missing', 'recreated', 'truncated']
        for (const g of data.guards) if (typeof g?.table === 'string' && statuses.includes(g.status)) guards.set(g.table, g)
        return true
      } catch {
        return false
      }
    },
    list: (): Guard[] => [...guards.values()].sort((a, b) => a.table.localeCompare(b.table)),
    /** Admin acknowledgement: the current level becomes the new normal. */
    reset (table: string): boolean {
      const g = guards.get(table)
      if (g === undefined) return false
      guards.set(table, { ...g, status: 'ok', message: `Reset by an admin at ${new Date().toISOString()}; ${g.after ?? 'unknown'} rows is the new baseline.` })
      return true
    },
  }
}

export type GuardBook = ReturnType<typeof createGuardBook>
