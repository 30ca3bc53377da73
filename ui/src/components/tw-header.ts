import { LitElement, css, html } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { StreamState } from '../alert-stream.js'
import { STREAM_TEXT, streamAge } from '../stream-age.js'
import { shared } from '../styles/tokens.js'
import type { HealthResponse, Me } from '../types.js'
import './tw-age.js'

/** The shared header: dependency health, firing alerts, stream state, who is logged in. */
@customElement('tw-header')
export class TwHeader extends LitElement {
  static override styles = [shared, css`
    :host { display: block; background: var(--bg-card); border-bottom: 1px solid var(--border); }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; padding: 0.5rem 1rem; max-width: 1920px; margin: 0 auto; }
    .brand { font-weight: 700; font-size: 1.1rem; margin: 0; color: var(--fg); text-decoration: none; }
    ul { display: flex; flex-wrap: wrap; gap: 0.35rem; list-style: none; margin: 0; padding: 0; flex: 1 1 auto; min-width: 0; }
    li { display: inline-flex; align-items: center; gap: 0.3rem; font-size: 0.82rem; padding: 0.1rem 0.5rem; border: 1px solid var(--border); border-radius: 999px; white-space: nowrap; }
    .dot { width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--muted); flex: none; }
    .up .dot { background: var(--ok); }
    .degraded .dot { background: var(--sev-medium); }
    .down .dot { background: var(--sev-critical); }
    .disabled .dot { background: transparent; border: 1px solid var(--muted); }
    .right { display: flex; align-items: center; gap: 0.5rem; flex-wrap: wrap; }
    a.alerts { color: var(--fg); text-decoration: none; font-weight: 600; padding: 0.2rem 0.6rem; border-radius: 999px; border: 1px solid var(--border); white-space: nowrap; }
    a.alerts.firing { background: var(--danger-bg); color: var(--danger-fg); border-color: var(--danger-border); }
    /* The stream is down: the count is only as new as its last word, so it is greyed. */
    a.alerts.behind { background: none; color: var(--stale); border-color: var(--stale); border-style: dashed; font-style: italic; }
    .stream { font-size: 0.82rem; white-space: nowrap; }
    .stream.reconnecting, .stream.closed { color: var(--warn-fg); background: var(--warn-bg); border-radius: 4px; padding: 0.1rem 0.4rem; }
    .who { font-size: 0.82rem; color: var(--muted); }
    .summary { display: none; }
    @media (max-width: 640px) {
      ul.deps { display: none; }
      .summary { display: inline-flex; }
      header { padding: 0.5rem 0.75rem; }
      .who { display: none; }
    }
  `]

  @property({ attribute: false }) health: HealthResponse | undefined
  @property({ type: Number }) firing = 0
  /** Firing alerts someone acknowledged (and whose acknowledgement still counts). */
  @property({ type: Number }) acked = 0
  @property() stream: StreamState = 'connecting'
  /** When the alert stream last spoke (see AlertsStore.syncedAt). */
  @property() syncedAt: string | null = null
  /** Whether the alert list arrived at all: before that the count is unknown, not 0. */
  @property({ type: Boolean }) loaded = false
  @property({ attribute: false }) me: Me | undefined
  @property() base = ''

  private logout () {
    this.dispatchEvent(new CustomEvent('tw-logout', { bubbles: true, composed: true }))
  }

  override render () {
    const deps = Object.entries(this.health?.dependencies ?? {})
    const bad = deps.filter(([, d]) => d.status === 'down' || d.status === 'degraded')
    const worst = bad.some(([, d]) => d.status === 'down') ? 'down' : bad.length > 0 ? 'degraded' : 'up'
    return html`<header>
      <a class="brand" href="#/overview">TovWatch</a>
      <ul class="summary" aria-label="Dependency health summary">
        <li class=${deps.length === 0 ? '' : worst} title=${deps.map(([n, d]) => `${n}: ${d.status}`).join('\n')}><span class="dot" aria-hidden="true"></span>${deps.length === 0 ? 'health unknown' : bad.length === 0 ? `all ${deps.length} dependencies up` : `${bad.map(([n, d]) => `${n} ${d.status}`).join(', ')}`}</li>
      </ul>
      <ul class="deps" aria-label="Dependency health">
        ${deps.length === 0
? html`<li class="muted">health unknown</li>`
: deps.map(([name, d]) => html`
          <li class=${d.status} title=${`${name} (${d.kind}): ${d.message}`}><span class="dot" aria-hidden="true"></span>${name}<span class="sr-only">: ${d.status}</span></li>`)}
        ${this.health ? html`<li><tw-age .at=${this.health.checkedAt} label="checked" .staleAfter=${90}></tw-age></li>` : ''}
      </ul>
      <div class="right">
        <a class="alerts ${this.firing > 0 ? 'firing' : ''} ${this.stream === 'open' ? '' : 'behind'}" href="#/alerts">${this.loaded ? this.firing : '–'} firing${this.loaded && this.acked > 0 ? ` · ${this.acked} acked` : ''}<span class="sr-only"> alerts${this.stream === 'open' ? '' : ', possibly out of date'}</span></a>
        <span class="stream ${this.stream}" role="status" aria-live="polite">Alert stream: ${STREAM_TEXT[this.stream]}</span>
        ${streamAge(this.stream, this.syncedAt)}
        ${this.me ? html`<span class="who">${this.me.name} (${this.me.role})</span>` : ''}
        ${this.me?.via === 'session' ? html`<button type="button" @click=${this.logout}>Log out</button>` : ''}
      </div>
    </header>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-header': TwHeader }
}
