import type { Point } from './store.js'

export const CHANGE_WINDOWS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const
export type ChangeWindow = keyof typeof CHANGE_WINDOWS

export interface DropRule { pct: number, rows: number | undefined, windowMs: number }
export interface Drop { from: number, to: number, rows: number, pct: number, fromAt: number }

/**
 * The value at `at` (the last point at or before it) when the history reaches back
 * that far; null when it does not, or when TovWatch was down around that time (the
 * point before is older than `tolerance`): a change is never made up.
 */
export function valueAt (points: readonly Point[], at: number, toleranceMs: number): number | null {
  let lo = 0
  let hi = points.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if ((points[mid] as Point).t <= at) { found = mid; lo = mid + 1 } else hi = mid - 1
  }
  if (found < 0) return null
  const p = points[found] as Point
  return at - p.t <= toleranceMs ? p.v : null
}

/** Change over each window: the latest value minus the value then. */
export function changes (points: readonly Point[], now: number, latest: number | null): Record<ChangeWindow, number | null> {
  const out = {} as Record<ChangeWindow, number | null>
  for (const [k, ms] of Object.entries(CHANGE_WINDOWS) as Array<[ChangeWindow, number]>) {
    const then = valueAt(points, now - ms, Math.max(15 * 60_000, ms / 10))
    out[k] = latest === null || then === null ? null : latest - then
  }
  return out
}

/**
 * The largest fall within the window: from the highest count seen in it to the
 * latest. A drop is reported when it is above `pct` % of that high, or at least
 * `rows` rows (when set).
 */
export function dropWithin (points: readonly Point[], now: number, rule: DropRule): Drop | null {
  const last = points.at(-1)
  if (last === undefined) return null
  let high: Point | undefined
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i] as Point
    if (p.t < now - rule.windowMs) break
    if (high === undefined || p.v > high.v) high = p
  }
  if (high === undefined || high.v <= last.v) return null
  const rows = high.v - last.v
  const pct = high.v === 0 ? 0 : (rows / high.v) * 100
  const tripped = pct > rule.pct || (rule.rows !== undefined && rows >= rule.rows)
  return tripped ? { from: high.v, to: last.v, rows, pct: Math.round(pct * 10) / 10, fromAt: high.t } : null
}
