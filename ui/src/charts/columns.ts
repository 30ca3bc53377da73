import { SEVERITIES } from '../../../shared/severity.js'
import type { ConnectionsResponse, ErrorsResponse, Severity } from '../types.js'

/** Stacking order, bottom to top: the worst severity sits on the axis where it is easiest to read. */
export const STACK_ORDER: readonly Severity[] = SEVERITIES

export interface StackedColumns {
  /** uPlot data: x in seconds, then cumulative sums, the top of the stack first. */
  data: [number[], ...number[][]]
  /** The raw (not stacked) values per series, same order as data[1..], for the legend. */
  raw: number[][]
  keys: string[]
}

/**
 * uPlot has no stacking of its own: each series is drawn filled down to zero, biggest
 * (top) first, so every band shows through as the part between two cumulative sums.
 */
export function stack (xsMs: ArrayLike<number>, series: Array<{ key: string, values: ArrayLike<number | null> }>): StackedColumns {
  const n = xsMs.length
  const xs = new Array<number>(n)
  for (let i = 0; i < n; i++) xs[i] = (xsMs[i] as number) / 1000
  const cum: number[][] = []
  let below = new Array<number>(n).fill(0)
  for (const s of series) {
    const row = new Array<number>(n)
    // A gap (null) stays a gap in every band above it: never drawn as zero.
    for (let i = 0; i < n; i++) {
      const v = s.values[i]
      row[i] = v === null || below[i] === null ? null as unknown as number : (below[i] as number) + (v ?? 0)
    }
    cum.push(row)
    below = row
  }
  const raw = series.map((s) => Array.from(s.values) as number[])
  return { data: [xs, ...cum.reverse()], raw: raw.reverse(), keys: series.map((s) => s.key).reverse() }
}

export function errorRateColumns (series: ErrorsResponse['series'], visible: readonly Severity[] = STACK_ORDER): StackedColumns {
  return stack(series.timestamps, STACK_ORDER.filter((s) => visible.includes(s)).map((key) => ({ key, values: series[key] })))
}

export const CONNECTION_STATES = ['active', 'idle_in_transaction', 'idle', 'other'] as const

/** Connection states stacked, plus max_connections as its own (unstacked) line at the end. */
export function connectionColumns (h: ConnectionsResponse['history']): StackedColumns {
  const st = stack(h.timestamps, CONNECTION_STATES.map((key) => ({ key, values: h[key] })))
  st.data.push(Array.from(h.maxConnections) as number[])
  st.raw.push(Array.from(h.maxConnections) as number[])
  st.keys.push('max')
  return st
}

/** Points for an SVG polyline sparkline, y flipped so more is higher; empty for no data. */
export function sparklinePoints (values: readonly number[], width: number, height: number, pad = 1): string {
  const n = values.length
  if (n === 0) return ''
  let max = 0
  for (const v of values) if (v > max) max = v
  const h = height - 2 * pad
  const dx = n === 1 ? 0 : (width - 2 * pad) / (n - 1)
  let out = ''
  for (let i = 0; i < n; i++) {
    const y = max === 0 ? height - pad : pad + h - ((values[i] as number) / max) * h
    out += `${i === 0 ? '' : ' '}${(pad + i * dx).toFixed(1)},${y.toFixed(1)}`
  }
  return out
}
