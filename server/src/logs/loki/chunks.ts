/**
 * Chunk planning. Boundaries are aligned to multiples of the chunk size (in UTC),
 * so a closed chunk has the same bounds, and the same cache key, in every query
 * that touches it. A closed chunk is always fetched whole and trimmed afterwards.
 */

export const NS_PER_MS = 1_000_000n

export interface Chunk {
  /** Bounds fetched from Loki: [fetchStartNs, fetchEndNs). */
  fetchStartNs: bigint
  fetchEndNs: bigint
  /** Bounds the query asked for (a sub-range of the fetched one). */
  startNs: bigint
  endNs: bigint
  /** Ends before now minus the ingestion lag: immutable, cacheable. */
  closed: boolean
}

/** Chunks covering [startNs, endNs), newest first. */
export function planChunks (startNs: bigint, endNs: bigint, chunkNs: bigint, closedBeforeNs: bigint): Chunk[] {
  const chunks: Chunk[] = []
  if (endNs <= startNs) return chunks
  let b = (endNs - 1n) / chunkNs * chunkNs
  if (endNs - 1n < 0n) b -= chunkNs
  for (; b + chunkNs > startNs; b -= chunkNs) {
    const alignedEnd = b + chunkNs
    const closed = alignedEnd <= closedBeforeNs
    const s = b > startNs ? b : startNs
    const e = alignedEnd < endNs ? alignedEnd : endNs
    chunks.push({
      fetchStartNs: closed ? b : s,
      fetchEndNs: closed ? alignedEnd : e,
      startNs: s,
      endNs: e,
      closed,
    })
  }
  return chunks
}

export function nsToIso (ns: bigint): string {
  return new Date(Number(ns / NS_PER_MS)).toISOString()
}

/** "2026-11-20T06:00Z..2026-11-20T12:00Z" for reasons a person reads. */
export function rangeLabel (startNs: bigint, endNs: bigint): string {
  const short = (ns: bigint) => nsToIso(ns).replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z')
  return `${short(startNs)}..${short(endNs)}`
}
