import type { LogEntry } from '../source.js'

/** Keeps the newest `capacity` entries seen (a min-heap on time): memory stays bounded whatever the input size. */
export function createNewest (capacity: number) {
  const heap: LogEntry[] = []
  let seen = 0
  const less = (a: LogEntry, b: LogEntry) => a.tsNs < b.tsNs
  const swap = (i: number, j: number) => { const t = heap[i] as LogEntry; heap[i] = heap[j] as LogEntry; heap[j] = t }

  function up (i: number) {
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(heap[i] as LogEntry, heap[p] as LogEntry)) return
      swap(i, p)
      i = p
    }
  }
  function down (i: number) {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && less(heap[l] as LogEntry, heap[m] as LogEntry)) m = l
      if (r < heap.length && less(heap[r] as LogEntry, heap[m] as LogEntry)) m = r
      if (m === i) return
      swap(i, m)
      i = m
    }
  }

  return {
    /** Whether an entry at this time would be kept (check before building the entry). */
    wants: (tsNs: bigint) => capacity > 0 && (heap.length < capacity || tsNs > (heap[0] as LogEntry).tsNs),
    push (entry: LogEntry) {
      seen++
      if (capacity <= 0) return
      if (heap.length < capacity) { heap.push(entry); up(heap.length - 1); return }
      if (entry.tsNs > (heap[0] as LogEntry).tsNs) { heap[0] = entry; down(0) }
    },
    /** Counts an entry that `wants` turned away. */
    skip () { seen++ },
    seen: () => seen,
    size: () => heap.length,
    /** Newest first. */
    drain: () => heap.splice(0).sort((a, b) => (a.tsNs < b.tsNs ? 1 : a.tsNs > b.tsNs ? -1 : 0)),
  }
}
