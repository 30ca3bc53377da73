/**
 * Counts per severity and step from the classified lines themselves. The error feed
 * fetches every line a severity rule could match (Loki filters only what fits its
 * query-size limit; TovWatch's RE2.Sets decide), so the counts come from the same
 * lines as the groups. Step i covers (first + i·step, first + (i+1)·step], as a
 * Loki `count_over_time` sample read at the step's end, with first = start rounded
 * down to the step; only lines inside [start, end) are counted.
 */
import { SEVERITIES, type Severity } from '../metrics/names.js'

export interface Tally {
  readonly timestamps: number[]
  /** A line of category code `code` (0..3 a severity) at `tsNs`. */
  add: (tsNs: bigint, code: number) => void
  values: () => Record<Severity, number[]>
  /** Lines counted, per severity. */
  totals: () => Record<Severity, number>
}

export function createTally (startNs: bigint, endNs: bigint, stepSeconds: number): Tally {
  const stepNs = BigInt(stepSeconds) * 1_000_000_000n
  const stepMs = stepSeconds * 1000
  const startMs = Number(startNs / 1_000_000n)
  const endMs = Number((endNs + 999_999n) / 1_000_000n)
  const firstMs = Math.floor(startMs / stepMs) * stepMs
  const n = Math.max(1, Math.ceil((endMs - firstMs) / stepMs))
  const firstNs = BigInt(firstMs) * 1_000_000n
  const timestamps = Array.from({ length: n }, (_, i) => firstMs + i * stepMs)
  const counts = SEVERITIES.map(() => new Array<number>(n).fill(0))
  return {
    timestamps,
    add (tsNs, code) {
      if (code >= SEVERITIES.length || tsNs < startNs || tsNs >= endNs) return
      const i = Number((tsNs - firstNs + stepNs - 1n) / stepNs) - 1
      if (i < 0 || i >= n) return
      const row = counts[code] as number[]
      row[i] = (row[i] as number) + 1
    },
    values: () => Object.fromEntries(SEVERITIES.map((s, k) => [s, counts[k] as number[]])) as Record<Severity, number[]>,
    totals: () => Object.fromEntries(SEVERITIES.map((s, k) => [s, (counts[k] as number[]).reduce((a, b) => a + b, 0)])) as Record<Severity, number>,
  }
}
