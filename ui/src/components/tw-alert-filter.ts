import { LitElement, css, html, nothing } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { looksLikeMatcher, parseChip } from '../alert-groups.js'
import { formatMatcher } from '../../../server/src/alerts/matchers.js'
import { shared } from '../styles/tokens.js'

/**
 * The Alerts filter box: a matcher typed in Alertmanager's syntax (`severity="critical"`) becomes a
 * removable chip on Enter; anything else filters as free text while you type.
 */
@customElement('tw-alert-filter')
export class TwAlertFilter extends LitElement {
  static override styles = [shared, css`
    :host { display: block; margin-bottom: 0.6rem; }
    .box { display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; border: 1px solid var(--border); border-radius: 6px; padding: 0.25rem 0.4rem; background: var(--bg-card); }
    .chip { display: inline-flex; gap: 0.3rem; align-items: center; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.8rem; border-radius: 999px; padding: 0.05rem 0.2rem 0.05rem 0.55rem; background: var(--bg-hover, #eef); border: 1px solid var(--border); }
    .chip button { border: none; background: none; padding: 0 0.3rem; cursor: pointer; font: inherit; color: inherit; }
    input { flex: 1 1 14rem; min-width: 0; border: none; outline: none; background: none; font: inherit; color: inherit; padding: 0.25rem; }
    .err { color: var(--danger-fg); font-size: 0.85rem; margin: 0.2rem 0 0; }
  `]

  @property({ attribute: false }) filters: string[] = []
  @property() text = ''
  @state() private error = ''
  @state() private draft = ''

  private emit (detail: { filters?: string[], aq?: string }) {
    this.dispatchEvent(new CustomEvent('tw-state', { detail, bubbles: true, composed: true }))
  }

  private onInput (e: Event) {
    this.draft = (e.target as HTMLInputElement).value
    this.error = ''
    // Free text filters while typing; a matcher waits for Enter.
    if (!looksLikeMatcher(this.draft)) this.emit({ aq: this.draft.trim() })
  }

  private onKey (e: KeyboardEvent) {
    if (e.key === 'Backspace' && this.draft === '' && this.filters.length > 0) {
      this.emit({ filters: this.filters.slice(0, -1) })
      return
    }
    if (e.key !== 'Enter' || !looksLikeMatcher(this.draft)) return
    e.preventDefault()
    const r = parseChip(this.draft)
    if ('error' in r) { this.error = r.error; return }
    const chip = formatMatcher(r.matcher)
    if (!this.filters.includes(chip)) this.emit({ filters: [...this.filters, chip], aq: this.text })
    this.draft = ''
    ;(e.target as HTMLInputElement).value = ''
  }

  override render () {
    return html`<div class="box">
        ${this.filters.map((f, i) => html`<span class="chip" data-chip=${f}>${f}<button type="button" aria-label="Remove filter ${f}" @click=${() => { this.emit({ filters: this.filters.filter((_, j) => j !== i) }) }}>×</button></span>`)}
        <input type="search" aria-label="Filter alerts: a matcher like severity=&quot;critical&quot; (Enter) or any text"
          placeholder=${this.filters.length === 0 ? 'Filter: severity="critical", job=~"tovplay.*", instance!="x" (Enter), or any text' : 'more…'}
          .value=${this.draft === '' ? this.text : this.draft} @input=${this.onInput} @keydown=${this.onKey}>
      </div>
      ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-alert-filter': TwAlertFilter }
}
