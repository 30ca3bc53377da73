/**
 * The query frontend's time splitting and its merge of limited log results, as Loki 2.x does
 * them (read in pkg/querier/queryrange: split_by_interval.go, codec.go, ordering.go; written
 * here from that reading, not copied).
 */
import type { StoredEntry } from './data.js'

export type Interval = [startNs: bigint, endNs: bigint]

/**
 * [start, end) cut at multiples of `intervalNs` since the epoch; the first piece keeps the
 * request's own start (pkg/util ForInterval). start == end gives no piece.
 */
export function splitByInterval (startNs: bigint, endNs: bigint, intervalNs: bigint): Interval[] {
  if (intervalNs <= 0n) return startNs < endNs ? [[startNs, endNs]] : []
  const out: Interval[] = []
  let s = startNs - (((startNs % intervalNs) + intervalNs) % intervalNs)
  for (; s < endNs; s += intervalNs) {
    const e = s + intervalNs < endNs ? s + intervalNs : endNs
    out.push([out.length === 0 ? startNs : s, e])
  }
  return out
}

/**
 * How many sub-queries a metric query costs: start aligned down and end up to the step, then
 * cut by max(split interval, the largest range vector), or by the step when the step is larger
 * (splitMetricByTime). At least one.
 */
export function metricSubQueries (startNs: bigint, endNs: bigint, stepNs: bigint, splitNs: bigint, rangeNs: bigint): number {
  if (splitNs <= 0n) return 1
  const interval = rangeNs > splitNs ? rangeNs : splitNs
  return Math.max(1, splitByInterval(startNs, endNs, stepNs >= interval ? stepNs : interval).length)
}

/** One sub-query's answer: per stream (index into the label sets), entries in the query's direction. */
export type SplitResult = Map<number, StoredEntry[]>

/**
 * The frontend's merge of the per-interval answers of a limited log query (Loki 2.x
 * mergeOrderedNonOverlappingStreams). Measured symptom it reproduces: a 7 d backward query with
 * limit 100 returned 53/47 lines of two streams where the newest 100 are 67/33.
 *
 * `results` come in the order the frontend consumed them (newest interval first for a
 * backward query), already cut where the running count reached the limit. When they hold no
 * more than `limit` lines, all of them come back (exact). Otherwise Loki pulls `limit` lines
 * through a binary heap of streams whose pop re-appends the rest of the popped stream at the
 * end of the heap's array without restoring the heap order: with two streams the merge
 * alternates between them instead of taking the newest line each time, so the answer is
 * not the newest N, and it can hold lines older than lines it left out.
 *
 * `order` lists the streams in Loki's key order (label strings, reversed for backward).
 */
export function mergeLimited (results: SplitResult[], limit: number, backward: boolean, order: (streams: number[]) => number[]): Map<number, StoredEntry[]> {
  const markers = new Map<number, StoredEntry[][]>()
  let total = 0
  for (const r of results) {
    for (const [stream, entries] of r) {
      let m = markers.get(stream)
      if (m === undefined) markers.set(stream, (m = []))
      m.push(entries)
      total += entries.length
    }
    if (total >= limit) break
  }
  const keys = order([...markers.keys()])
  // Each stream's pieces, ordered by their first entry in the query's direction, then joined.
  const joined = new Map<number, StoredEntry[]>()
  for (const k of keys) {
    const pieces = (markers.get(k) as StoredEntry[][]).filter((p) => p.length > 0)
    pieces.sort((a, b) => {
      const x = (a[0] as StoredEntry).tsNs
      const y = (b[0] as StoredEntry).tsNs
      return (backward ? y > x : x > y) ? 1 : (x === y ? 0 : -1)
    })
    joined.set(k, pieces.flat())
  }
  if (total <= limit) return joined

  // A heap of [stream, next index] ordered by the next entry's time (newest first for backward).
  type Head = { stream: number, entries: StoredEntry[], at: number }
  const heap: Head[] = keys.map((k) => ({ stream: k, entries: joined.get(k) as StoredEntry[], at: 0 })).filter((h) => h.entries.length > 0)
  const ts = (h: Head) => (h.entries[h.at] as StoredEntry).tsNs
  const less = (i: number, j: number) => backward ? ts(heap[i] as Head) > ts(heap[j] as Head) : ts(heap[i] as Head) < ts(heap[j] as Head)
  const swap = (i: number, j: number) => { const t = heap[i] as Head; heap[i] = heap[j] as Head; heap[j] = t }
  const down = (i0: number, n: number) => {
    let i = i0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      let j = l
      if (l + 1 < n && less(l + 1, l)) j = l + 1
      if (!less(j, i)) break
      swap(i, j)
      i = j
    }
  }
  for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) down(i, heap.length)
  const out = new Map<number, StoredEntry[]>()
  for (let taken = 0; taken < limit && heap.length > 0; taken++) {
    // container/heap Pop: swap the top to the end, sift down the rest, take the end…
    const n = heap.length - 1
    swap(0, n)
    down(0, n)
    const top = heap.pop() as Head
    // …and the interface's Pop appends the stream's remainder without sifting it up (the quirk).
    if (top.at + 1 < top.entries.length) heap.push({ ...top, at: top.at + 1 })
    let vals = out.get(top.stream)
    if (vals === undefined) out.set(top.stream, (vals = []))
    vals.push(top.entries[top.at] as StoredEntry)
  }
  return new Map(keys.filter((k) => out.has(k)).map((k) => [k, out.get(k) as StoredEntry[]]))
}
