/**
 * Request planning from line counts. Loki answers a 7-day query as fast as the
 * number of requests allows (it limits queries per second), so before fetching
 * uncached closed chunks one `count_over_time` query tells how many lines each
 * slot holds (1/24 of a chunk: 15 minutes for 6-hour chunks). Requests are then
 * cut along slot edges to hold about 95% of the entry limit each: quiet chunks
 * share one request, a busy one is split up front and fetched in parallel instead
 * of paged one page after another. Counts are only hints: every answer is still
 * checked against the limit and paged when it comes back full.
 */
import type { Chunk } from './chunks.js'

/** Fill requests up to this share of the entry limit, leaving room for a miscount. */
export const FILL = 0.95
/** Only worth a count query when at least this many chunks need fetching. */
export const MIN_CHUNKS_TO_PLAN = 3
export const SLOTS_PER_CHUNK = 24

export interface Piece { startNs: bigint, endNs: bigint }

interface Slot { startNs: bigint, endNs: bigint, n: number }

/** Newest-first pieces over a newest-first run of adjacent slots, each meant to hold at most `budget` lines. */
function cut (slots: Slot[], budget: number): Piece[] {
  const pieces: Piece[] = []
  let open: Piece | undefined
  let sum = 0
  for (const s of slots) {
    if (s.n > budget) {
      if (open !== undefined) pieces.push(open)
      open = undefined
      sum = 0
      // One slot over the limit: equal slices of it (paging catches what they miss).
      const k = Math.ceil(s.n / budget)
      const span = s.endNs - s.startNs
      for (let j = 0; j < k; j++) pieces.push({ startNs: s.endNs - span * BigInt(j + 1) / BigInt(k), endNs: s.endNs - span * BigInt(j) / BigInt(k) })
      continue
    }
    if (open !== undefined && sum + s.n > budget) {
      pieces.push(open)
      open = undefined
      sum = 0
    }
    open = open === undefined ? { startNs: s.startNs, endNs: s.endNs } : { startNs: s.startNs, endNs: open.endNs }
    sum += s.n
  }
  if (open !== undefined) pieces.push(open)
  return pieces
}

/**
 * `chunks` newest first; `counts` by fetchStartNs, per slot oldest first. Without
 * counts (or for a chunk without them) a chunk is one piece. Pieces are newest first
 * and cover exactly the chunks' fetch ranges.
 */
export function planPieces (chunks: Chunk[], counts: Map<bigint, number[]> | undefined, entryLimit: number): Piece[] {
  const budget = Math.max(1, Math.floor(entryLimit * FILL))
  const pieces: Piece[] = []
  let run: Slot[] = []
  const flush = () => { pieces.push(...cut(run, budget)); run = [] }
  for (const c of chunks) {
    const slots = counts?.get(c.fetchStartNs)
    if (slots === undefined) {
      flush()
      pieces.push({ startNs: c.fetchStartNs, endNs: c.fetchEndNs })
      continue
    }
    const last = run[run.length - 1]
    if (last !== undefined && last.startNs !== c.fetchEndNs) flush()
    const width = (c.fetchEndNs - c.fetchStartNs) / BigInt(slots.length)
    for (let i = slots.length - 1; i >= 0; i--) {
      run.push({ startNs: c.fetchStartNs + width * BigInt(i), endNs: i === slots.length - 1 ? c.fetchEndNs : c.fetchStartNs + width * BigInt(i + 1), n: slots[i] as number })
    }
  }
  flush()
  return pieces
}

/** For each chunk, the pieces that overlap it (indices into `pieces`). */
export function piecesOf (chunk: Chunk, pieces: Piece[]): number[] {
  const out: number[] = []
  pieces.forEach((p, i) => { if (p.startNs < chunk.fetchEndNs && p.endNs > chunk.fetchStartNs) out.push(i) })
  return out
}
