/** The planning count query: lines per slot of each closed chunk, from one metric query. */
import { NS_PER_MS, type Chunk } from './chunks.js'
import type { PagerContext } from './pager.js'
import { SLOTS_PER_CHUNK } from './plan.js'
import { parseMatrix, QUERY_RANGE, type Requester } from './requester.js'

/** Default of LOKI_PLAN_TIMEOUT_MS: how long the planning count query may take before chunks are fetched unplanned. */
export const COUNT_TIMEOUT_MS = 5000

/** The value Loki gives at t counts (t - slot, t], so slot i of a chunk is read at its end. */
export async function countLines (d: { requester: Requester, chunkNs: bigint, planTimeoutMs?: number }, ctx: PagerContext, logql: string, closed: Chunk[]): Promise<Map<bigint, number[]>> {
  const slotNs = d.chunkNs / BigInt(SLOTS_PER_CHUNK)
  const stepS = Number(slotNs) / 1e9
  const body = await d.requester.get(QUERY_RANGE, {
    query: `sum(count_over_time(${logql} [${stepS}s]))`,
    start: String((closed[closed.length - 1] as Chunk).fetchStartNs + slotNs),
    end: String((closed[0] as Chunk).fetchEndNs),
    step: `${stepS}s`,
  }, { ...ctx.req, maxRetries: 0, timeoutMs: d.planTimeoutMs ?? COUNT_TIMEOUT_MS }) // a hint only: on any failure, fetch chunk by chunk instead of waiting
  const samples = parseMatrix(body)
  return new Map(closed.map((c) => [c.fetchStartNs, Array.from({ length: SLOTS_PER_CHUNK }, (_, i) =>
    samples.get(Number((c.fetchStartNs + slotNs * BigInt(i + 1)) / NS_PER_MS)) ?? 0)]))
}
