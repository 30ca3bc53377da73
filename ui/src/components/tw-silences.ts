import { LitElement, css, html, nothing } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { formatMatcher } from '../../../server/src/alerts/matchers.js'
import type { AppContext } from '../context.js'
import { formatTime } from '../format.js'
import type { Silence } from '../silence-types.js'
import { shared } from '../styles/tokens.js'

/** The current silences (from Alertmanager), each with who made it, why, until when, and Expire (admins). */
@customElement('tw-silences')
export class TwSilences extends LitElement {
  static override styles = [shared, css`
    :host { display: block; margin-bottom: 1rem; }
    ul { list-style: none; padding: 0; margin: 0.3rem 0; }
    li { border: 1px solid var(--border); border-radius: 6px; padding: 0.4rem 0.6rem; margin-bottom: 0.3rem; display: flex; flex-wrap: wrap; gap: 0.3rem 0.8rem; align-items: baseline; }
    code { font-size: 0.78rem; overflow-wrap: anywhere; }
    .err { color: var(--danger-fg); }
  `]

  @property({ attribute: false }) ctx!: AppContext
  /** Bumped by the view when the muting state changes: the list is read again. */
  @property({ type: Number }) version = 0
  @state() private silences: Silence[] = []
  @state() private message = ''
  @state() private available = true
  @state() private error = ''
  private loadedFor = -1

  private async load () {
    try {
      const r = await this.ctx.api.silences()
      this.silences = r.silences
      this.available = r.available
      this.message = r.message
    } catch (err) {
      this.message = (err as Error).message
    }
  }

  protected override updated (): void {
    if (this.loadedFor !== this.version) {
      this.loadedFor = this.version
      this.load().catch(() => {})
    }
  }

  private async expire (id: string) {
    try {
      await this.ctx.api.expireSilence(id)
      this.error = ''
      await this.load()
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  override render () {
    if (!this.available) return html`<p class="banner warn" role="status">${this.message}</p>`
    const admin = this.ctx.me?.role === 'admin'
    return html`<details ?open=${this.silences.length > 0 && this.silences.length <= 5}>
      <summary>Silences <span class="muted">(${this.silences.length})</span></summary>
      ${this.message ? html`<p class="banner warn" role="status">${this.message}</p>` : nothing}
      ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}
      <ul>${this.silences.map((s) => html`<li data-silence=${s.id}>
        <code>${s.matchers.map((m) => formatMatcher({ name: m.name, value: m.value, op: m.isRegex ? (m.isEqual === false ? '!~' : '=~') : (m.isEqual === false ? '!=' : '=') })).join(', ')}</code>
        <span class="muted">${s.status.state} · by ${s.createdBy} · until ${formatTime(s.endsAt)}</span>
        <span>${s.comment}</span>
        ${admin ? html`<button type="button" class="do-expire" @click=${() => this.expire(s.id)}>Expire</button>` : nothing}
      </li>`)}</ul>
    </details>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-silences': TwSilences }
}
