import { LitElement, css, html, type PropertyValues } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import '../charts/table-history-chart.js'
import { tableHistoryColumns } from '../charts/table-history-chart.js'
import type { StackedColumns } from '../charts/columns.js'
import type { AppContext } from '../context.js'
import { formatCount, formatSigned } from '../format.js'
import { shared } from '../styles/tokens.js'
import type { TableHistoryResponse } from '../types.js'

const RANGES = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const
export type HistoryRange = keyof typeof RANGES

/** One table's stored row counts over 24 h, 7 d or 30 d; gaps (TovWatch down) stay gaps. */
@customElement('tw-table-history')
export class TwTableHistory extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    .bar { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; justify-content: space-between; margin-bottom: 0.5rem; }
    .ranges { display: flex; gap: 0.3rem; }
    button[aria-pressed='true'] { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }
    .neg { color: var(--sev-critical); font-weight: 600; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  @property() table = ''
  @property() range: HistoryRange = '24h'

  @state() private data: TableHistoryResponse | undefined
  @state() private error = ''
  private columns: StackedColumns | undefined
  private abort: AbortController | undefined

  protected override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('table') || changed.has('range')) this.load().catch(() => {})
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.abort?.abort()
  }

  private async load () {
    this.abort?.abort()
    const ac = new AbortController()
    this.abort = ac
    try {
      const d = await this.ctx.api.tableHistory(this.table, this.range, ac.signal)
      this.columns = tableHistoryColumns(d.timestamps, d.rows)
      this.data = d
      this.error = ''
    } catch (err) {
      if (!ac.signal.aborted) this.error = (err as Error).message
    }
  }

  private pick (range: HistoryRange) {
    this.dispatchEvent(new CustomEvent('tw-range', { detail: range, bubbles: true, composed: true }))
    this.range = range
  }

  override render () {
    const d = this.data
    const gaps = d?.rows.filter((r) => r === null).length ?? 0
    return html`<div class="bar">
        <strong>Rows of ${this.table}${d ? html` <span class="muted">(${d.resolutionS < 300 ? 'every probe' : '5-minute points'})</span>` : ''}</strong>
        <div class="ranges" role="group" aria-label="History range">${(Object.keys(RANGES) as HistoryRange[]).map((r) => html`<button type="button" aria-pressed=${String(r === this.range)} @click=${() => this.pick(r)}>${r}</button>`)}</div>
      </div>
      ${this.error
        ? html`<div class="banner danger" role="alert">${this.error}</div>`
        : d === undefined
          ? html`<p class="empty" aria-busy="true">Loading the history…</p>`
          : d.timestamps.length === 0
            ? html`<p class="empty">No history in this range yet.</p>`
            : html`<tw-table-history-chart .columns=${this.columns} .windowS=${RANGES[this.range]} height="180"
                summary=${`Rows of ${this.table} over ${this.range}: now ${formatCount(d.rows.at(-1) ?? null)}; change 1 h ${formatSigned(d.changes['1h'])}, 24 h ${formatSigned(d.changes['24h'])}, 7 d ${formatSigned(d.changes['7d'])}`}></tw-table-history-chart>
              <p class="muted">${gaps > 0 ? `${gaps} gap${gaps === 1 ? '' : 's'}: TovWatch was not measuring then (shown as breaks, never as zero). ` : ''}${d.drop ? html`<span class="neg">Dropped ${formatCount(d.drop.rows)} rows (−${d.drop.pct} %) since ${new Date(d.drop.fromAt).toLocaleTimeString()}.</span>` : ''}</p>`}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-table-history': TwTableHistory }
}
