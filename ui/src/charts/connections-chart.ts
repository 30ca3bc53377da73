import type uPlot from 'uplot'
import { customElement } from 'lit/decorators.js'
import { themeColor } from '../styles/tokens.js'
import { themedAxes, rawValue, windowAxis } from './axes.js'
import { UplotBase } from './uplot-base.js'

const STYLE: Record<string, { label: string, stroke: string, fill: string }> = {
  active: { label: 'Active', stroke: '--accent', fill: '--fill-active' },
  idle_in_transaction: { label: 'Idle in transaction', stroke: '--sev-high', fill: '--fill-high' },
  idle: { label: 'Idle', stroke: '--sev-low', fill: '--fill-low' },
  other: { label: 'Other', stroke: '--sev-medium', fill: '--fill-medium' },
}

/** Connections by state, stacked, with max_connections drawn as a dashed line. */
@customElement('tw-connections-chart')
export class ConnectionsChart extends UplotBase {
  protected options (width: number, height: number): uPlot.Options {
    const cols = this.columns
    const keys = cols?.keys ?? []
    const [, y] = themedAxes(this, 'connections')
    // The whole 24 h on whole-hour ticks, however young the history.
    const { scale, axis } = windowAxis(this, 86_400)
    return {
      width,
      height,
      scales: { x: scale, conn: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] } },
      axes: [axis, { ...y, scale: 'conn' }],
      cursor: { drag: { x: false, y: false } },
      series: [
        {},
        ...keys.map((key, i): uPlot.Series => key === 'max'
          ? { label: 'max_connections', scale: 'conn', stroke: themeColor(this, '--sev-critical', '#c00'), width: 2, dash: [6, 4], points: { show: false }, value: rawValue(cols?.raw ?? [], i) }
          : {
              label: STYLE[key]?.label ?? key,
              scale: 'conn',
              stroke: themeColor(this, STYLE[key]?.stroke ?? '--muted', '#888'),
              fill: themeColor(this, STYLE[key]?.fill ?? '--fill-low', '#ccc'),
              width: 1,
              points: { show: false },
              value: rawValue(cols?.raw ?? [], i),
            }),
      ],
    }
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-connections-chart': ConnectionsChart }
}
