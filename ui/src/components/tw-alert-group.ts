import { LitElement, css, html, nothing } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { repeat } from 'lit/directives/repeat.js'
import { mutedOf, type AlertGroup, type MutingState } from '../alert-groups.js'
import type { AppContext } from '../context.js'
import { shared } from '../styles/tokens.js'
import './tw-alert-card.js'

const PAGE = 50

/** A group of alerts sharing one label value: count, worst severity, shared labels; expands to its alerts. */
@customElement('tw-alert-group')
export class TwAlertGroup extends LitElement {
  static override styles = [shared, css`
    :host { display: block; content-visibility: auto; contain-intrinsic-size: auto 5rem; border: 1px solid var(--border); border-left: 6px solid var(--sev-low); border-radius: 8px; margin-bottom: 0.5rem; background: var(--bg-card); }
    :host([worst=critical]) { border-left-color: var(--sev-critical); }
    :host([worst=high]) { border-left-color: var(--sev-high); }
    :host([worst=medium]) { border-left-color: var(--sev-medium); }
    :host([resolved]) { border-left-color: var(--ok); }
    .head { display: flex; flex-wrap: wrap; gap: 0.3rem 0.7rem; align-items: center; padding: 0.5rem 0.7rem; }
    button.toggle { display: inline-flex; gap: 0.5rem; align-items: baseline; background: none; border: none; padding: 0; font: inherit; color: inherit; cursor: pointer; text-align: left; }
    .caret { display: inline-block; width: 1ch; }
    .value { font-weight: 700; overflow-wrap: anywhere; }
    .count { font-weight: 700; border-radius: 999px; padding: 0 0.5rem; background: var(--bg-hover, #eee); }
    .shared { display: flex; flex-wrap: wrap; gap: 0.25rem; padding: 0 0.7rem 0.4rem; }
    .label { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.76rem; border: 1px solid var(--border); border-radius: 4px; padding: 0 0.3rem; overflow-wrap: anywhere; }
    ol { list-style: none; margin: 0; padding: 0 0.7rem 0.5rem; }
    li { content-visibility: auto; contain-intrinsic-size: auto 6rem; border-top: 1px solid var(--border); padding: 0.45rem 0; }
    li.selected { outline: 3px solid var(--focus, #1a73e8); outline-offset: 2px; }
  `]

  @property({ attribute: false }) group!: AlertGroup
  @property({ attribute: false }) ctx!: AppContext
  @property({ attribute: false }) muting!: MutingState
  @property() groupBy = 'alertname'
  @property({ type: Boolean }) open = false
  @property() selected = ''
  @property({ type: Boolean }) compact = false
  @state() private shown = PAGE

  private toggle () {
    this.dispatchEvent(new CustomEvent('tw-group-toggle', { detail: { key: this.group.key, open: !this.open }, bubbles: true, composed: true }))
  }

  private silence () {
    this.dispatchEvent(new CustomEvent('tw-silence', { detail: { labels: this.group.shared, title: `${this.groupBy}=${this.group.value}` }, bubbles: true, composed: true }))
  }

  protected override willUpdate (): void {
    this.setAttribute('worst', this.group.worst)
    this.toggleAttribute('resolved', this.group.firing === 0)
  }

  override render () {
    const g = this.group
    const sharedEntries = Object.entries(g.shared).filter(([k]) => k !== this.groupBy)
    const hide = new Set(Object.keys(g.shared))
    const alerts = g.alerts.slice(0, Math.max(this.shown, g.alerts.findIndex((a) => a.id === this.selected) + 1))
    const admin = this.ctx.me?.role === 'admin' && !this.ctx.embed && !this.compact
    return html`
      <div class="head">
        <button type="button" class="toggle" aria-expanded=${this.open ? 'true' : 'false'} @click=${this.toggle}>
          <span class="caret" aria-hidden="true">${this.open ? '▾' : '▸'}</span>
          <span class="value">${this.groupBy === 'alertname' ? '' : html`<span class="muted">${this.groupBy}=</span>`}${g.value === '' ? html`<span class="muted">(no ${this.groupBy})</span>` : g.value}</span>
          <span class="count" title="alerts in this group">${g.alerts.length}</span>
        </button>
        ${g.firing > 0 ? html`<span class="sev ${g.worst}" title="worst severity in the group, as sent">${g.worstSent || g.worst}</span>` : html`<span class="muted">resolved</span>`}
        ${g.firing > 0 && g.firing < g.alerts.length ? html`<span class="muted">${g.firing} firing</span>` : nothing}
        ${g.acked > 0 ? html`<span class="muted">${g.acked} acked</span>` : nothing}
        ${admin && g.firing > 0 ? html`<button type="button" class="do-silence-group" @click=${this.silence}>Silence group…</button>` : nothing}
      </div>
      ${sharedEntries.length > 0 ? html`<div class="shared" aria-label="labels shared by the group">${sharedEntries.map(([k, v]) => html`<span class="label">${k}=${v}</span>`)}</div>` : nothing}
      ${this.open
        ? html`<ol>${repeat(alerts, (a) => a.id, (a) => html`<li class=${a.id === this.selected ? 'selected' : ''} aria-current=${a.id === this.selected ? 'true' : 'false'} data-id=${a.id}>
            <tw-alert-card .alert=${a} .ctx=${this.ctx} .muted=${mutedOf(a, this.muting)} .hide=${hide} ?compact=${this.compact}></tw-alert-card></li>`)}</ol>
          ${g.alerts.length > alerts.length ? html`<button type="button" @click=${() => { this.shown += PAGE }}>Show ${Math.min(PAGE, g.alerts.length - alerts.length)} more</button>` : nothing}`
        : nothing}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-alert-group': TwAlertGroup }
}
