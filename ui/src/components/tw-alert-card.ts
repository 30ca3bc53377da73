import { LitElement, css, html, nothing } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { isAcked, maskUrl, type Muted } from '../alert-groups.js'
import type { AppContext } from '../context.js'
import { formatTime } from '../format.js'
import { shared } from '../styles/tokens.js'
import type { Alert } from '../types.js'
import './tw-since.js'

const ACK_FOR: Array<[string, number | undefined]> = [['until it resolves', undefined], ['for 30 min', 30], ['for 1 h', 60], ['for 4 h', 240], ['for 24 h', 1440]]

/** One alert: every label, the severity as sent, its text, links, duration, acknowledgement and silence. */
@customElement('tw-alert-card')
export class TwAlertCard extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    .top { display: flex; flex-wrap: wrap; gap: 0.3rem 0.7rem; align-items: baseline; }
    .name { font-weight: 700; overflow-wrap: anywhere; }
    .status { font-size: 0.75rem; font-weight: 700; text-transform: uppercase; }
    .firing { color: var(--sev-critical); }
    .resolved { color: var(--ok); }
    .chips { display: flex; flex-wrap: wrap; gap: 0.25rem; margin: 0.3rem 0; }
    .label { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.76rem; border: 1px solid var(--border); border-radius: 4px; padding: 0 0.3rem; overflow-wrap: anywhere; }
    .mark { font-size: 0.75rem; font-weight: 700; border-radius: 4px; padding: 0 0.35rem; background: var(--warn-bg); color: var(--warn-fg); }
    .mark.ack { background: var(--bg-hover, #eef); color: var(--fg); border: 1px solid var(--border); }
    p { margin: 0.2rem 0; overflow-wrap: anywhere; }
    .desc { color: var(--muted); font-size: 0.9rem; }
    .links, .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; font-size: 0.85rem; }
    form { display: flex; flex-wrap: wrap; gap: 0.4rem; margin-top: 0.4rem; }
    form input { flex: 1 1 12rem; min-width: 0; }
    .err { color: var(--danger-fg); }
  `]

  @property({ attribute: false }) alert!: Alert
  @property({ attribute: false }) ctx!: AppContext
  @property({ attribute: false }) muted: Muted | undefined
  /** Labels the group already shows: left out here. */
  @property({ attribute: false }) hide: ReadonlySet<string> = new Set()
  @property({ type: Boolean }) compact = false

  @state() private acking = false
  @state() private error = ''

  private async ack (e: Event) {
    e.preventDefault()
    const form = new FormData(e.target as HTMLFormElement)
    const note = String(form.get('note') ?? '').trim()
    const forMinutes = Number(form.get('for') ?? '') || undefined
    try {
      this.ctx.alerts.upsert(await this.ctx.api.ack(this.alert.id, note, forMinutes))
      this.acking = false
      this.error = ''
      this.dispatchEvent(new CustomEvent('tw-acknowledged', { detail: { id: this.alert.id }, bubbles: true, composed: true }))
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private async unack () {
    try {
      this.ctx.alerts.upsert(await this.ctx.api.unack(this.alert.id))
      this.error = ''
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  private openAck () {
    this.acking = true
    this.error = ''
    this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('form input')?.focus())
  }

  private silence () {
    this.dispatchEvent(new CustomEvent('tw-silence', { detail: { labels: this.alert.labels, title: this.alert.alertname }, bubbles: true, composed: true }))
  }

  override render () {
    const a = this.alert
    const firing = a.status === 'firing'
    const acked = isAcked(a) ? a.acknowledged : null
    const labels = Object.entries(a.labels).filter(([k]) => !this.hide.has(k))
    const source = maskUrl(a.generatorURL)
    const runbook = maskUrl(a.annotations.runbook_url ?? null)
    const writable = !this.compact && !this.ctx.embed
    const admin = this.ctx.me?.role === 'admin'
    return html`
      <div class="top">
        <span class="status ${a.status}">${a.status}</span>
        <span class="sev ${a.severity}" title="severity as sent: ${a.labels.severity ?? 'none'}; sorted as ${a.severity}">${a.labels.severity ?? 'no severity'}</span>
        <span class="name">${a.alertname}</span>
        <tw-since .start=${a.startsAt} .end=${firing ? null : a.endsAt}></tw-since>
        ${this.muted !== undefined && this.muted.silencedBy.length > 0 ? html`<span class="mark" title="silence ${this.muted.silencedBy.join(', ')}">silenced</span>` : nothing}
        ${this.muted !== undefined && this.muted.inhibitedBy.length > 0 ? html`<span class="mark" title="by ${this.muted.inhibitedBy.join(', ')}">inhibited</span>` : nothing}
        ${acked !== null ? html`<span class="mark ack">acked by ${acked.by}</span>` : nothing}
      </div>
      ${a.annotations.summary ? html`<p class="summary">${a.annotations.summary}</p>` : nothing}
      ${a.annotations.description && !this.compact ? html`<p class="desc">${a.annotations.description}</p>` : nothing}
      ${labels.length > 0 ? html`<div class="chips">${labels.map(([k, v]) => html`<span class="label">${k}=${v}</span>`)}</div>` : nothing}
      ${acked !== null ? html`<p class="ack muted">Acknowledged by ${acked.by} at ${formatTime(acked.at)}${acked.until !== null ? html`, until ${formatTime(acked.until)}` : ' until it resolves'}${acked.note ? html`: “${acked.note}”` : nothing}</p>` : nothing}
      <div class="links">
        ${runbook !== null ? html`<a href=${runbook} target="_blank" rel="noopener noreferrer">Runbook</a>` : nothing}
        ${source !== null ? html`<a href=${source} target="_blank" rel="noopener noreferrer" title=${source}>Source</a>` : nothing}
        <span class="muted">${a.source}</span>
        ${writable && firing && acked === null && !this.acking ? html`<button type="button" class="do-ack" @click=${this.openAck}>Acknowledge<span class="sr-only"> ${a.alertname}</span></button>` : nothing}
        ${writable && acked !== null ? html`<button type="button" class="do-unack" @click=${this.unack}>Un-acknowledge<span class="sr-only"> ${a.alertname}</span></button>` : nothing}
        ${writable && admin && firing ? html`<button type="button" class="do-silence" @click=${this.silence}>Silence…<span class="sr-only"> ${a.alertname}</span></button>` : nothing}
      </div>
      ${this.acking
        ? html`<form @submit=${this.ack} aria-label="Acknowledge ${a.alertname}">
            <input name="note" maxlength="500" placeholder="Note (who is on it, what you found)" aria-label="Acknowledgement note">
            <select name="for" aria-label="Acknowledge for">${ACK_FOR.map(([t, m]) => html`<option value=${m ?? ''}>${t}</option>`)}</select>
            <button class="primary" type="submit">Acknowledge</button>
            <button type="button" @click=${() => { this.acking = false }}>Cancel</button>
          </form>`
        : nothing}
      ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-alert-card': TwAlertCard }
}
