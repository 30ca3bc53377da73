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
