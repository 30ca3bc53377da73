import type { LogEntry } from '../../logs/source.js'

/** A line of the live window with its category code (classifier.ts CATEGORIES). */
export interface Classified { entry: LogEntry, code: number }

const labelKeys = new WeakMap<Record<string, string>, string>()
const labelKey = (labels: Record<string, string>) => {
  let k = labelKeys.get(labels)
  if (k === undefined) labelKeys.set(labels, k = JSON.stringify(labels))
  return k
}
const idOf = (e: LogEntry) => `${e.tsNs}\u0000${labelKey(e.labels)}\u0000${e.line}`

/**
 * The lines of the open end of the range, for one search, kept between refreshes: each refresh
 * asks only for what is new (from the last end, less `overlapNs` for lines that reach Loki a
 * little late), and a line seen twice is kept once. Closed chunks are never read again.
 */
export function createLiveWindow (overlapNs: bigint) {
  let items: Classified[] = []
  let ids = new Set<string>()
  let coveredFromNs: bigint | undefined
  let fetchedToNs: bigint | undefined
  return {
    /** What to ask for now: everything from `needFromNs` not yet read, plus the overlap. */
    nextRange (needFromNs: bigint, nowNs: bigint): { startNs: bigint, endNs: bigint } | undefined {
      let startNs = coveredFromNs === undefined || fetchedToNs === undefined || needFromNs < coveredFromNs
        ? needFromNs
        : fetchedToNs - overlapNs
      if (coveredFromNs !== undefined && startNs < coveredFromNs && needFromNs >= coveredFromNs) startNs = coveredFromNs
      if (startNs < needFromNs) startNs = needFromNs
      return nowNs > startNs ? { startNs, endNs: nowNs } : undefined
    },
    /** Adds a fetched range's lines (any order); returns how many were new. */
    add (range: { startNs: bigint, endNs: bigint }, entries: LogEntry[], codes: ArrayLike<number>): number {
      let added = 0
      const fresh: Classified[] = []
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as LogEntry
        const id = idOf(e)
        if (ids.has(id)) continue
        ids.add(id)
        fresh.push({ entry: e, code: codes[i] as number })
        added++
      }
      if (fresh.length > 0) {
        items = items.concat(fresh)
        // Stable: lines with the same time keep the source's order (newest first).
        items.sort((a, b) => a.entry.tsNs < b.entry.tsNs ? -1 : a.entry.tsNs > b.entry.tsNs ? 1 : 0)
      }
      if (coveredFromNs === undefined || range.startNs < coveredFromNs) coveredFromNs = range.startNs
      if (fetchedToNs === undefined || range.endNs > fetchedToNs) fetchedToNs = range.endNs
      return added
    },
    /** Forgets lines before `floorNs` (no subscriber needs them any more). */
    prune (floorNs: bigint) {
      if (coveredFromNs !== undefined && coveredFromNs < floorNs) coveredFromNs = floorNs
      const first = items.findIndex((c) => c.entry.tsNs >= floorNs)
      if (first === 0) return
      const gone = first < 0 ? items : items.slice(0, first)
      items = first < 0 ? [] : items.slice(first)
      if (items.length === 0) ids = new Set()
      else for (const c of gone) ids.delete(idOf(c.entry))
    },
    items: () => items,
    size: () => items.length,
  }
}
export type LiveWindow = ReturnType<typeof createLiveWindow>
