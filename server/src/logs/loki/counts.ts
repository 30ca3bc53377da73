/**
 * The proof of a window's lines: `sum(count_over_time(<the same log query> [W]))` with
 * step W (the window size), evaluated at the end of every window. Loki's value at t
 * counts (t − W, t], exactly what one window holds, whatever the line limit. One
 * request per run of adjacent windows; Loki splits it by its interval like any other.
 *
 * `countTotal` asks for one sample only: the lines of a whole run of windows, as
 * `count_over_time(... [run])` at the run's end. Loki's frontend splits a metric range query by
 * max(split interval, the largest range vector), or by the step when that is larger, after
 * aligning start down and end up to the step (split_by_interval.go splitMetricByTime in 2.8/2.9;
 * splitters.go metricQuerySplitter.split in 3.x); start == end (step-aligned) leaves nothing to
 * split, and the request goes down whole: one sub-query, whatever the run's length. (An INSTANT
 * query would not do: its frontend splits `count_over_time(x[7d])` by range into one
 * sub-query per split interval, split_by_range.go, in 2.9 with sharding on and always in 3.x.)
 */
import { NS_PER_MS } from './chunks.js'
import { LokiHttpError } from './client.js'
import { parseMatrix, QUERY_RANGE, type RequestContext, type Requester } from './requester.js'
import { runsOf, type Window } from './windows.js'

export function countQuery (logql: string, windowNs: bigint): string {
  return `sum(count_over_time(${logql} [${windowNs / 1_000_000_000n}s]))`
}

/** Exact line counts by window end (ns). Rejects when any run's count failed. */
export async function countWindows (requester: Requester, ctx: RequestContext, logql: string, windowNs: bigint, windows: Window[]): Promise<Map<bigint, number>> {
  const out = new Map<bigint, number>()
  const query = countQuery(logql, windowNs)
  const step = `${windowNs / 1_000_000_000n}s`
  const count = async (run: Window): Promise<void> => {
    let body: unknown
    try {
      body = await requester.get(QUERY_RANGE, { query, start: String(run.startNs + windowNs), end: String(run.endNs), step }, ctx)
    } catch (err) {
      // A range Loki calls too long (max_query_length) is counted in halves, along window edges.
      const windows = (run.endNs - run.startNs) / windowNs
      if (!(err instanceof LokiHttpError && err.kind === 'too_long' && windows > 1n)) throw err
      const mid = run.startNs + windows / 2n * windowNs
      await Promise.all([count({ startNs: mid, endNs: run.endNs }), count({ startNs: run.startNs, endNs: mid })])
      return
    }
    const got = new Map<bigint, number>()
    for (const [ms, v] of parseMatrix(body)) got.set(BigInt(ms) * NS_PER_MS, v)
    for (let t = run.startNs + windowNs; t <= run.endNs; t += windowNs) out.set(t, got.get(t) ?? 0)
  }
  await Promise.all(runsOf(windows).map(count))
  return out
}

/** The lines of the whole run (run.startNs, run.endNs]: one sub-query (see above). `stepNs` must divide run.endNs. */
export async function countTotal (requester: Requester, ctx: RequestContext, logql: string, stepNs: bigint, run: Window): Promise<number> {
  const at = String(run.endNs)
  const body = await requester.get(QUERY_RANGE, { query: countQuery(logql, run.endNs - run.startNs), start: at, end: at, step: `${stepNs / 1_000_000_000n}s` }, ctx)
  return parseMatrix(body).get(Number(run.endNs / NS_PER_MS)) ?? 0
}
