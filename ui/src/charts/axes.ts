import type uPlot from 'uplot'
import { themeColor } from '../styles/tokens.js'

/** Axes in the theme's colours (canvas cannot read CSS variables itself). */
export function themedAxes (el: Element, yLabel: string): uPlot.Axis[] {
  const stroke = themeColor(el, '--muted', '#59636e')
  const grid = { stroke: themeColor(el, '--grid', '#e3e8ed'), width: 1 }
  const ticks = { stroke: grid.stroke, width: 1 }
  return [
    { stroke, grid, ticks },
    { stroke, grid, ticks, label: yLabel, size: 50, labelSize: 18 },
  ]
}

/** Legend values show the series' own numbers, not the stacked sums that are drawn. */
export function rawValue (raw: number[][], si: number) {
  return (_u: uPlot, _v: number | null, _s: number, idx: number | null) => {
    if (idx === null) return '—'
    const v = raw[si]?.[idx]
    return v === undefined ? '—' : String(v)
  }
}

const HOUR = 3600
/**
 * A time axis over a fixed window ending now, with ticks on whole hours (or days),
 * labelled "14:00" (or "Dec 2"): never ":50 :00 :10" when the data is only minutes old.
 */
export function windowAxis (el: Element, windowS: number): { scale: uPlot.Scale, axis: uPlot.Axis } {
  const [x] = themedAxes(el, '')
  const days = windowS > 2 * 86_400
  const fmt = days
    ? new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })
    : new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  return {
    scale: { time: true, range: () => { const now = Date.now() / 1000; return [now - windowS, now] } },
    axis: {
      ...x,
      incrs: days ? [86_400, 2 * 86_400, 7 * 86_400] : [HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 12 * HOUR],
      values: (_u, splits) => splits.map((s) => fmt.format(new Date(s * 1000))),
    },
  }
}
