/** Hands finished chunks to the caller newest first, applies the entry cap, and sums up the outcome. */
import type { LogEntry, LogQuery, QueryOutcome } from '../source.js'
import { rangeLabel, type Chunk } from './chunks.js'
import type { LokiHttpError } from './client.js'
import { allFailedError, fatalError } from './errors.js'
import type { LokiMetrics } from './metrics.js'
import type { RangeResult } from './pager.js'

export type ChunkDone = RangeResult & { chunk: Chunk }

export async function deliver (
  d: { deadlineMs: number, metrics: LokiMetrics }, q: LogQuery, chunkCount: number, tasks: Array<Promise<ChunkDone>>, onPage: (entries: LogEntry[]) => void,
  controller: AbortController, deadline: AbortSignal, fatal: () => LokiHttpError | undefined
): Promise<QueryOutcome> {
  const outcome: QueryOutcome = { complete: true, incompleteReasons: [], failedChunks: [], entries: 0 }
  const errors: LokiHttpError[] = []
  let succeeded = 0
  let capHit = false
  for (const task of tasks) {
    const r = await task
    if (fatal() !== undefined) continue
    if (r.error !== undefined) {
      errors.push(r.error)
      const reason = r.error.kind === 'aborted'
        ? (deadline.aborted ? `deadline of ${d.deadlineMs} ms passed (LOKI_DEADLINE_MS) before this chunk finished` : 'cancelled')
        : r.error.message
      if (!capHit) outcome.failedChunks.push({ startNs: String(r.chunk.startNs), endNs: String(r.chunk.endNs), reason })
    } else {
      succeeded++
    }
    if (!r.complete && !capHit) outcome.incompleteReasons.push(...r.reasons)
    if (capHit || r.entries.length === 0) continue
    const room = q.maxEntries - outcome.entries
    const page = r.entries.length > room ? r.entries.slice(0, room) : r.entries
    if (page.length > 0) onPage(page)
    outcome.entries += page.length
    if (r.entries.length > room) {
      capHit = true
      outcome.incompleteReasons.push(`entry cap of ${q.maxEntries} reached in ${rangeLabel(r.chunk.startNs, r.chunk.endNs)}: older entries were not returned`)
      controller.abort()
    }
  }
  const f = fatal()
  if (f !== undefined) throw fatalError(f)
  if (succeeded === 0 && errors.length > 0 && q.signal?.aborted !== true) throw allFailedError(errors, d.deadlineMs)
  if (outcome.failedChunks.length > 0) {
    outcome.incompleteReasons.unshift(`${outcome.failedChunks.length} of ${chunkCount} chunks failed${deadline.aborted ? ` or were cut by the deadline of ${d.deadlineMs} ms` : ''}`)
  }
  outcome.complete = outcome.incompleteReasons.length === 0 && outcome.failedChunks.length === 0
  if (!outcome.complete) d.metrics.incomplete.inc()
  return outcome
}
