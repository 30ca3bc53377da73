import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit'
import { property } from 'lit/decorators.js'
import UPlot from 'uplot'
import uplotCss from 'uplot/dist/uPlot.min.css?inline'
import type { StackedColumns } from './columns.js'

const darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined

/**
 * A thin uPlot wrapper: the chart is created once, fed with setData, resized by a
 * ResizeObserver, rebuilt only when the theme changes, and destroyed on disconnect.
 */
export abstract class UplotBase extends LitElement {
  static override styles = [unsafeCSS(uplotCss), css`
    :host { display: block; min-width: 0; color: var(--fg); }
    .plot { width: 100%; min-height: var(--chart-height, 220px); }
    .u-legend { font-size: 0.8rem; color: var(--fg); }
    .u-legend .u-marker { border-radius: 2px; }
    .u-select { background: rgba(128, 128, 128, 0.15); }
  `]

  @property({ attribute: false }) columns: StackedColumns | undefined
  /** A text summary of the chart for screen readers (canvas has no text). */
  @property() summary = ''
  @property({ type: Number }) height = 220

  protected plot: UPlot | undefined
  private ro: ResizeObserver | undefined
  private width = 0
  private readonly onTheme = () => { this.rebuild() }

  protected abstract options (width: number, height: number): UPlot.Options

  override render () {
    return html`<div class="plot" role="img" aria-label=${this.summary}></div>`
  }

  override connectedCallback (): void {
    super.connectedCallback()
    darkQuery?.addEventListener('change', this.onTheme)
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    darkQuery?.removeEventListener('change', this.onTheme)
    this.ro?.disconnect()
    this.ro = undefined
    this.plot?.destroy()
    this.plot = undefined
  }

  protected override updated (changed: PropertyValues<this>): void {
    const el = this.renderRoot.querySelector<HTMLElement>('.plot')
    if (el === null) return
    if (this.ro === undefined) {
      this.ro = new ResizeObserver((entries) => {
        const w = Math.floor(entries[0]?.contentRect.width ?? 0)
        if (w > 0 && w !== this.width) {
          this.width = w
          if (this.plot === undefined) this.rebuild()
          else this.plot.setSize({ width: w, height: this.height })
        }
      })
      this.ro.observe(el)
    }
    if (changed.has('height')) { this.rebuild(); return }
    if (changed.has('columns') && this.columns !== undefined) {
      if (this.plot === undefined || this.plot.series.length !== this.columns.data.length) this.rebuild()
      else this.plot.setData(this.columns.data as UPlot.AlignedData)
    }
  }

  /** Draws now, synchronously (used by the benchmark to time one full draw). */
  redrawNow (): void { this.plot?.redraw(true, true) }

  private rebuild (): void {
    const el = this.renderRoot.querySelector<HTMLElement>('.plot')
    if (el === null || this.columns === undefined) return
    if (this.width === 0) this.width = Math.floor(el.getBoundingClientRect().width)
    if (this.width === 0) return
    this.plot?.destroy()
    this.plot = new UPlot(this.options(this.width, this.height), this.columns.data as UPlot.AlignedData, el)
  }
}
