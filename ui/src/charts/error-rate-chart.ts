import type uPlot from 'uplot'
import { customElement } from 'lit/decorators.js'
import { SEVERITY_LABELS, severityColorVar, severityFillVar, type Severity } from '../../../shared/severity.js'
import { themeColor } from '../styles/tokens.js'
import { themedAxes, rawValue } from './axes.js'
import { UplotBase } from './uplot-base.js'

/**
 * Error rate stacked by severity (errors per bucket). Dragging across it asks for that range with a
 * `tw-zoom` event (detail: startMs, endMs); the chart itself does not zoom: the range goes in the URL.
 */
@customElement('tw-error-rate-chart')
export class ErrorRateChart extends UplotBase {
  protected options (width: number, height: number): uPlot.Options {
    const cols = this.columns
    const keys = cols?.keys ?? []
    return {
      width,
      height,
      scales: { x: { time: true }, errors: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [themedAxes(this, 'errors / bucket')[0] as uPlot.Axis, { ...themedAxes(this, 'errors / bucket')[1], scale: 'errors' }],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [(u) => {
          const { left, width } = u.select
          if (width < 3) return
          const startMs = Math.round(u.posToVal(left, 'x') * 1000)
          const endMs = Math.round(u.posToVal(left + width, 'x') * 1000)
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
          if (endMs > startMs) this.dispatchEvent(new CustomEvent('tw-zoom', { detail: { startMs, endMs }, bubbles: true, composed: true }))
        }],
      },
      series: [
        {},
        ...keys.map((key, i) => ({
          label: SEVERITY_LABELS[key as Severity] ?? key,
          scale: 'errors',
          stroke: themeColor(this, severityColorVar(key as Severity), '#888'),
          fill: themeColor(this, severityFillVar(key as Severity), '#ccc'),
          width: 1,
          points: { show: false },
          value: rawValue(cols?.raw ?? [], i),
        })),
      ],
    }
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-error-rate-chart': ErrorRateChart }
}
