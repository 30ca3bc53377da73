/**
 * Fetch windows. A limited log query that spans more than one of Loki's split
 * intervals does not return the newest N when the merged result exceeds the limit
 * (Loki 2.x's frontend merge: a 7-day backward query with limit 100 returned 53/47
 * lines of two streams where the newest 100 are 67/33), so a pager continuing from
 * its oldest line skips lines. Inside one aligned split interval the answer is exact.
 * So every log request covers at most one split interval of one chunk: the window
 * grid is the greatest common divisor of the split interval and the chunk size,
 * aligned to the epoch (UTC), like Loki's own split. A window also costs Loki exactly
 * one sub-query, and its exact count is one sample of a `count_over_time` with that
 * step, which is how each window's line count is proven (query.ts).
 */

export interface Window { startNs: bigint, endNs: bigint }

function gcd (a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

export function windowSize (splitNs: bigint, chunkNs: bigint): bigint {
  return gcd(splitNs, chunkNs)
}

/** Grid-aligned windows covering [startNs, endNs), newest first (the first and last may be partial). */
export function windowsOf (startNs: bigint, endNs: bigint, sizeNs: bigint): Window[] {
  const out: Window[] = []
  if (endNs <= startNs) return out
  let b = (endNs - 1n) / sizeNs * sizeNs
  if (endNs - 1n < 0n) b -= sizeNs
  for (; b + sizeNs > startNs; b -= sizeNs) {
    out.push({ startNs: b > startNs ? b : startNs, endNs: b + sizeNs < endNs ? b + sizeNs : endNs })
  }
  return out
}

/** Adjacent windows merged into runs (newest first), for one count request per run. */
export function runsOf (windows: Window[]): Window[] {
  const sorted = [...windows].sort((a, b) => (a.startNs < b.startNs ? 1 : a.startNs > b.startNs ? -1 : 0))
  const runs: Window[] = []
  for (const w of sorted) {
    const last = runs[runs.length - 1]
    if (last !== undefined && last.startNs === w.endNs) last.startNs = w.startNs
    else runs.push({ ...w })
  }
  return runs
}
