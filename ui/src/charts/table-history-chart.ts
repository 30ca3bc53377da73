import type uPlot from 'uplot'
import { customElement, property } from 'lit/decorators.js'
import { themeColor } from '../styles/tokens.js'
import { themedAxes, windowAxis } from './axes.js'
import type { StackedColumns } from './columns.js'
import { UplotBase } from './uplot-base.js'

/** Columns for one table's row counts; a null stays null, so uPlot draws a gap, never a zero. */
export function tableHistoryColumns (timestamps: readonly number[], rows: ReadonlyArray<number | null>): StackedColumns {
  const xs = timestamps.map((t) => t / 1000)
  return { data: [xs, rows as number[]], raw: [rows as number[]], keys: ['rows'] }
}

/** A table's row count over the chosen window. */
@customElement('tw-table-history-chart')
export class TableHistoryChart extends UplotBase {
  @property({ type: Number }) windowS = 86_400

  protected options (width: number, height: number): uPlot.Options {
    const { scale, axis } = windowAxis(this, this.windowS)
    const y = themedAxes(this, 'rows')[1] as uPlot.Axis
    return {
      width,
      height,
      scales: { x: scale, rows: { range: (_u, min, max) => [Math.max(0, Math.floor(min * 0.95)), Math.max(1, Math.ceil(max * 1.05))] } },
      axes: [axis, { ...y, scale: 'rows' }],
      cursor: { drag: { x: false, y: false } },
      series: [
        {},
        { label: 'Rows', scale: 'rows', stroke: themeColor(this, '--accent', '#2563eb'), width: 2, spanGaps: false, value: (_u, v) => v === null || v === undefined ? '—' : String(v) },
      ],
    }
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-table-history-chart': TableHistoryChart }
}
