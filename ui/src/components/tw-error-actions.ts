import { LitElement, css, html } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import type { Api } from '../api.js'
import { formatTime } from '../format.js'
import { shared } from '../styles/tokens.js'
import type { ErrorGroup, GroupLifecycleAnswer } from '../types.js'

const MUTE_FOR = [['1h', '1 hour'], ['24h', '24 hours'], ['7d', '7 days'], ['forever', 'for good']] as const

/**
 * Resolve / reopen and mute / unmute one error group, with its audit trail. The answer leaves as a
 * `tw-lifecycle` event (the list reloads: a muted group leaves it). A refusal (403 for a role below
 * ERROR_TRIAGE_ROLE) is shown here, in the server's words.
 */
@customElement('tw-error-actions')
export class TwErrorActions extends LitElement {
  static override styles = [shared, css`
    :host { display: block; margin: 0.4rem 0.25rem 0.2rem 6rem; }
    .bar { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
    select { min-height: 2.25rem; }
    .error { color: var(--danger-fg); background: var(--danger-bg); border-radius: 4px; padding: 0.25rem 0.5rem; margin: 0.3rem 0 0; font-size: 0.85rem; }
    ol { margin: 0.4rem 0 0; padding-left: 1.2rem; font-size: 0.8rem; color: var(--muted); }
    @media (max-width: 720px) { :host { margin-left: 0.25rem; } }
  `]

  @property({ attribute: false }) api: Api | undefined
  @property({ attribute: false }) group: ErrorGroup | undefined
  @state() private busy = false
  @state() private error = ''
  @state() private muteFor = '24h'

  private async run (call: () => Promise<GroupLifecycleAnswer>) {
    this.busy = true
    this.error = ''
    try {
      const answer = await call()
      this.dispatchEvent(new CustomEvent('tw-lifecycle', { detail: answer, bubbles: true, composed: true }))
    } catch (err) {
      this.error = (err as Error).message
    } finally {
      this.busy = false
    }
  }

  override render () {
    const g = this.group
    const api = this.api
    if (g === undefined || api === undefined) return ''
    const l = g.lifecycle
    if (l === undefined) return html`<p class="muted">Resolve and mute need TovWatch's store, which did not answer.</p>`
    const fp = g.fingerprint
    return html`
      <div class="bar" role="group" aria-label="Triage this group">
        ${l.resolved === null
          ? html`<button type="button" class="primary" ?disabled=${this.busy} @click=${() => this.run(() => api.resolveGroup(fp, true))}>Resolve</button>`
          : html`<button type="button" ?disabled=${this.busy} @click=${() => this.run(() => api.resolveGroup(fp, false))}>Reopen</button>`}
        ${l.muted === null
          ? html`<label class="sr-only" for="mute-for">Mute for</label>
            <select id="mute-for" .value=${this.muteFor} @change=${(e: Event) => { this.muteFor = (e.target as HTMLSelectElement).value }}>
              ${MUTE_FOR.map(([v, label]) => html`<option value=${v} ?selected=${v === this.muteFor}>${label}</option>`)}
            </select>
            <button type="button" ?disabled=${this.busy} @click=${() => this.run(() => api.muteGroup(fp, this.muteFor))}>Mute</button>`
          : html`<button type="button" ?disabled=${this.busy} @click=${() => this.run(() => api.muteGroup(fp, null))}>Unmute</button>`}
        <span class="muted">first seen ${formatTime(l.firstSeenEver)} · last ${formatTime(l.lastSeenEver)}</span>
      </div>
      <p class="error" role="alert" ?hidden=${this.error === ''}>${this.error}</p>
      ${l.audit.length === 0
        ? ''
        : html`<ol reversed aria-label="History">${l.audit.map((a) => html`<li><time datetime=${a.at}>${formatTime(a.at)}</time> ${a.by}: ${a.action}${a.detail === '' ? '' : ` (${a.detail})`}</li>`)}</ol>`}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-error-actions': TwErrorActions }
}
