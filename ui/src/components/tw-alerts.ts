import { LitElement, css, html } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { repeat } from 'lit/directives/repeat.js'
import type { AppContext } from '../context.js'
import { formatTime } from '../format.js'
import { setSoundEnabled, soundEnabled } from '../sound.js'
import { STREAM_TEXT, streamAge } from '../stream-age.js'
import { shared } from '../styles/tokens.js'
import type { Alert } from '../types.js'
import { DEFAULT_STATE, type UiState } from '../url-state.js'
import './tw-age.js'
import './tw-dead-letters.js'
import { StoreController } from '../store-controller.js'

const PAGE = 100
/** Resolved alerts read from the history when the view opens (newest first). */
const HISTORY = 200

/** The live alert list: firing first, then resolved; acknowledge with a note. */
@customElement('tw-alerts')
export class TwAlerts extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    .bar { display: flex; flex-wrap: wrap; gap: 0.75rem 1rem; align-items: center; margin-bottom: 1rem; }
    .bar label { display: inline-flex; gap: 0.4rem; align-items: center; }
    ol { list-style: none; margin: 0; padding: 0; }
    li.alert { content-visibility: auto; contain-intrinsic-size: auto 7rem; border: 1px solid var(--border); border-left: 6px solid var(--sev-low); border-radius: 8px; padding: 0.6rem 0.8rem; margin-bottom: 0.5rem; background: var(--bg-card); }
    li.firing.critical { border-left-color: var(--sev-critical); }
    li.firing.high { border-left-color: var(--sev-high); }
    li.firing.medium { border-left-color: var(--sev-medium); }
    li.resolved { opacity: 0.85; border-left-color: var(--ok); }
    li.selected { outline: 3px solid var(--focus, #1a73e8); outline-offset: 2px; opacity: 1; }
    .top { display: flex; flex-wrap: wrap; gap: 0.4rem 0.75rem; align-items: baseline; }
    .name { font-weight: 700; overflow-wrap: anywhere; }
    .status { font-size: 0.8rem; font-weight: 700; text-transform: uppercase; }
    .firing .status { color: var(--sev-critical); }
    .resolved .status { color: var(--ok); }
    .labels { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.78rem; color: var(--muted); overflow-wrap: anywhere; }
    .desc { margin: 0.3rem 0; overflow-wrap: anywhere; }
    .ack { font-size: 0.85rem; color: var(--muted); }
    form { display: flex; flex-wrap: wrap; gap: 0.4rem; margin-top: 0.4rem; }
    form input { flex: 1 1 12rem; min-width: 0; }
    .err { color: var(--danger-fg); }
    h2 { margin-top: 1rem; }
    .streamline { display: flex; flex-wrap: wrap; gap: 0.25rem 0.6rem; align-items: baseline; margin: 0 0 0.5rem; font-size: 0.85rem; }
    .behind h2 .muted, .behind .status, .behind .name { color: var(--stale); }
    .behind-text { color: var(--warn-fg); background: var(--warn-bg); border-radius: 4px; padding: 0 0.3rem; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  @property({ attribute: false }) ui: UiState = DEFAULT_STATE
  @property({ type: Boolean }) compact = false

  @state() private acking = ''
  @state() private ackError = ''
  @state() private sound = soundEnabled()
  @state() private shown = PAGE
  /** The resolved history (GET /api/alerts): the stream's snapshot holds firing alerts only. */
  @state() private history: 'idle' | 'loading' | 'done' | 'failed' = 'idle'
  @state() private historyError = ''
  /** A linked alert (#/alerts?alert=<id>) the store lacked: fetched once; set when it does not exist. */
  @state() private linkedMissing = ''
  private linkedAsked = ''
  private readonly alertsChanged = new StoreController(this, () => this.ctx.alerts)

  private async ack (e: Event, a: Alert) {
    e.preventDefault()
    const note = String(new FormData(e.target as HTMLFormElement).get('note') ?? '').trim()
    try {
      this.ctx.alerts.upsert(await this.ctx.api.ack(a.id, note))
      this.acking = ''
      this.ackError = ''
      this.dispatchEvent(new CustomEvent('tw-acknowledged', { detail: { id: a.id }, bubbles: true, composed: true }))
    } catch (err) {
      this.ackError = (err as Error).message
    }
  }

  private openAck (id: string) {
    this.acking = id
    this.ackError = ''
    this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('form input')?.focus())
  }

  private toggleSound (e: Event) {
    this.sound = (e.target as HTMLInputElement).checked
    setSoundEnabled(this.sound)
  }

  private setFilter (value: string) {
    this.dispatchEvent(new CustomEvent('tw-state', { detail: { alertState: value }, bubbles: true, composed: true }))
  }

  private renderAlert (a: Alert) {
    const labels = Object.entries(a.labels).filter(([k]) => k !== 'alertname' && k !== 'severity').map(([k, v]) => `${k}=${v}`).join(' ')
    const text = a.annotations.summary ?? a.annotations.description ?? ''
    const canAck = !this.compact && !this.ctx.embed && a.status === 'firing' && a.acknowledged === null
    const selected = !this.compact && this.ui.alert !== '' && a.id === this.ui.alert
    return html`<li class="alert ${a.status} ${a.severity}${selected ? ' selected' : ''}" aria-current=${selected ? 'true' : 'false'} data-id=${a.id}>
      <div class="top">
        <span class="status">${a.status}</span>
        <span class="sev ${a.severity}">${a.severity}</span>
        <span class="name">${a.alertname}</span>
        <span class="muted">${a.status === 'firing' ? html`since ${formatTime(a.startsAt)}` : html`resolved ${formatTime(a.endsAt)}`}</span>
        <span class="muted">${a.source}</span>
      </div>
      ${text === '' ? '' : html`<p class="desc">${text}</p>`}
      ${labels === '' ? '' : html`<div class="labels">${labels}</div>`}
      ${a.acknowledged ? html`<div class="ack">Acknowledged by ${a.acknowledged.by} at ${formatTime(a.acknowledged.at)}${a.acknowledged.note ? html`: “${a.acknowledged.note}”` : ''}</div>` : ''}
      ${canAck && this.acking !== a.id ? html`<button type="button" @click=${() => { this.openAck(a.id) }}>Acknowledge<span class="sr-only"> ${a.alertname}</span></button>` : ''}
      ${this.acking === a.id
        ? html`<form @submit=${(e: Event) => this.ack(e, a)} aria-label="Acknowledge ${a.alertname}">
            <input name="note" maxlength="500" placeholder="Note (who is on it, what you found)" aria-label="Acknowledgement note">
            <button class="primary" type="submit">Acknowledge</button>
            <button type="button" @click=${() => { this.acking = '' }}>Cancel</button>
            ${this.ackError ? html`<span class="err" role="alert">${this.ackError}</span>` : ''}
          </form>`
        : ''}
    </li>`
  }

  private scrolledTo = ''

  private async loadHistory (): Promise<void> {
    this.history = 'loading'
    try {
      const r = await this.ctx.api.alerts({ state: 'resolved', limit: HISTORY })
      this.ctx.alerts.merge(r.alerts)
      this.history = 'done'
    } catch (err) {
      this.historyError = (err as Error).message
      this.history = 'failed'
    }
  }

  private async loadLinked (id: string): Promise<void> {
    try {
      this.ctx.alerts.merge([await this.ctx.api.alert(id)])
    } catch {
      this.linkedMissing = id
    }
  }

  protected override updated (): void {
    if (this.compact) return
    if (this.history === 'idle') this.loadHistory().catch(() => {})
    const store = this.ctx.alerts
    const id = this.ui.alert
    if (id !== '' && id !== this.linkedAsked && this.history !== 'loading' && this.history !== 'idle' && store.loaded && !store.list.some((a) => a.id === id)) {
      this.linkedAsked = id
      this.loadLinked(id).catch(() => {})
    }
    if (id === '' || id === this.scrolledTo) return
    const li = [...this.renderRoot.querySelectorAll<HTMLElement>('li.selected')][0]
    if (li === undefined) return
    this.scrolledTo = this.ui.alert
    li.scrollIntoView({ block: 'center' })
  }

  override render () {
    const store = this.ctx.alerts
    const filter = this.compact ? 'all' : this.ui.alertState
    const all = store.list.filter((a) => filter === 'all' || a.status === filter)
    const allFiring = all.filter((a) => a.status === 'firing')
    // A linked alert (#/alerts?alert=<id>) is always on the page, however far down the list it is.
    const linked = this.compact || this.ui.alert === '' ? -1 : all.findIndex((a) => a.id === this.ui.alert)
    const shown = Math.max(this.shown, linked + 1)
    const firing = allFiring.slice(0, shown)
    const resolved = all.filter((a) => a.status === 'resolved').slice(0, shown)
    const moreFiring = allFiring.length - firing.length
    const more = all.length - allFiring.length - resolved.length
    return html`
      ${this.compact
? ''
: html`<div class="bar">
        <label>Show <select @change=${(e: Event) => { this.setFilter((e.target as HTMLSelectElement).value) }}>
          ${(['all', 'firing', 'resolved'] as const).map((v) => html`<option value=${v} ?selected=${v === filter}>${v}</option>`)}
        </select></label>
        <label><input type="checkbox" .checked=${this.sound} @change=${this.toggleSound}> Sound for new critical alerts</label>
        ${this.ctx.streamState === 'open' ? html`<span class="muted">live</span>` : html`<span class="banner warn" role="status">${STREAM_TEXT[this.ctx.streamState].toLowerCase()} the list may be behind</span>`}
        ${streamAge(this.ctx.streamState, store.syncedAt)}
      </div>`}
      ${this.compact
        ? html`<p class="streamline" role="status"><span class=${this.ctx.streamState === 'open' ? '' : 'behind-text'}>Alert stream: ${STREAM_TEXT[this.ctx.streamState]}</span>${streamAge(this.ctx.streamState, store.syncedAt)}</p>`
        : ''}
      <div class=${this.ctx.streamState === 'open' ? '' : 'behind'}>
      ${!store.loaded ? html`<p class="empty" aria-busy="true">Waiting for the alert stream…</p>` : ''}
      ${!this.compact && this.ui.alert !== '' && linked < 0 && this.linkedMissing === this.ui.alert
        ? html`<p class="banner warn" role="status">The linked alert (${this.ui.alert}) does not exist any more: alerts are kept for ALERT_RETENTION_DAYS.</p>`
        : ''}
      ${!this.compact && this.ui.alert !== '' && linked < 0 && this.linkedMissing !== this.ui.alert && filter !== 'all' && store.list.some((a) => a.id === this.ui.alert)
        ? html`<p class="banner warn" role="status">The linked alert is ${filter === 'firing' ? 'resolved' : 'firing'}: <a href="#/alerts?alert=${encodeURIComponent(this.ui.alert)}">show all alerts</a>.</p>`
        : ''}
      <h2 id="firing-h">Firing <span class="muted">(${store.loaded ? allFiring.length : '–'})</span></h2>
      ${firing.length === 0 && store.loaded ? html`<p class="empty">Nothing is firing.</p>` : ''}
      <ol aria-labelledby="firing-h">${repeat(firing, (a) => a.id, (a) => this.renderAlert(a))}</ol>
      ${moreFiring > 0 ? html`<button type="button" @click=${() => { this.shown += PAGE }}>Show ${Math.min(moreFiring, PAGE)} more firing</button>` : ''}
      ${filter === 'firing'
? ''
: html`
        <h2 id="resolved-h">Resolved</h2>
        ${this.history === 'failed' ? html`<p class="banner warn" role="status">Older resolved alerts could not be loaded: ${this.historyError}</p>` : ''}
        ${resolved.length === 0 && store.loaded && this.history !== 'loading' ? html`<p class="empty">No resolved alerts.</p>` : ''}
        <ol aria-labelledby="resolved-h">${repeat(resolved, (a) => a.id, (a) => this.renderAlert(a))}</ol>
        ${more > 0 ? html`<button type="button" @click=${() => { this.shown += PAGE }}>Show ${Math.min(more, PAGE)} more</button>` : ''}`}
      ${this.compact ? '' : html`<tw-dead-letters .ctx=${this.ctx}></tw-dead-letters>`}
      </div>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-alerts': TwAlerts }
}
