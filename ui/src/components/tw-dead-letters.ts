import { LitElement, css, html } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import type { AppContext } from '../context.js'
import { formatTime } from '../format.js'
import { StoreController } from '../store-controller.js'
import { shared } from '../styles/tokens.js'

import type { DeadLettersResponse } from '../../../server/src/alerts/dead-letter-schemas.js'

const PAGE = 20
/** The internal alert TovWatch raises when it keeps a dead letter (server/src/alerts/rejections.ts). */
const REJECTED_ALERT = 'TovWatchWebhookAlertsRejected'

/**
 * Alerts from Alertmanager that could not be stored as sent (an impossible date, over a limit):
 * kept with the alert as sent and why (GET /api/alerts/dead-letters). Read once TovWatch's own
 * TovWatchWebhookAlertsRejected alert is in the list (firing or resolved), so a quiet page asks nothing.
 */
@customElement('tw-dead-letters')
export class TwDeadLetters extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    ol { list-style: none; margin: 0; padding: 0; }
    li { border: 1px solid var(--border); border-left: 6px solid var(--sev-medium); border-radius: 8px; padding: 0.5rem 0.8rem; margin-bottom: 0.5rem; background: var(--bg-card); }
    .top { display: flex; flex-wrap: wrap; gap: 0.4rem 0.75rem; align-items: baseline; }
    .reason { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.8rem; }
    .msg { margin: 0.3rem 0; overflow-wrap: anywhere; }
    pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.75rem; max-height: 12rem; overflow: auto; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  @state() private data: DeadLettersResponse | undefined
  @state() private error = ''
  private requested = false
  private readonly alertsChanged = new StoreController(this, () => this.ctx.alerts)

  override willUpdate (): void {
    if (this.requested || this.ctx.embed || !this.ctx.alerts.list.some((a) => a.alertname === REJECTED_ALERT)) return
    this.requested = true
    this.load()
  }

  private async load (before?: string): Promise<void> {
    try {
      const page = await this.ctx.api.get<DeadLettersResponse>('/alerts/dead-letters', { limit: PAGE, before })
      this.data = before === undefined || this.data === undefined ? page : { ...page, deadLetters: [...this.data.deadLetters, ...page.deadLetters] }
      this.error = ''
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  override render () {
    if (this.error !== '') return html`<p class="banner warn" role="status">Alerts that could not be stored could not be listed: ${this.error}</p>`
    const d = this.data
    if (d === undefined || d.total === 0) return ''
    return html`
      <h2 id="dead-h">Not stored <span class="muted">(${d.total})</span></h2>
      <p class="muted">Alerts from Alertmanager that could not be stored as sent, kept here with the reason. The other alerts of their webhooks were stored.</p>
      <ol aria-labelledby="dead-h">${d.deadLetters.map((x) => html`<li>
        <div class="top"><strong>${x.alertname ?? '(no alertname)'}</strong><span class="reason">${x.reason}</span>
          <span class="muted">last ${formatTime(x.lastReceivedAt)}${x.receivedCount > 1 ? html`, received ${x.receivedCount} times` : ''}</span></div>
        <p class="msg">${x.message}</p>
        <details><summary>The alert as sent</summary><pre>${x.raw}</pre></details>
      </li>`)}</ol>
      ${d.nextBefore !== null ? html`<button type="button" @click=${() => { this.load(d.nextBefore ?? undefined) }}>Show more</button>` : ''}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-dead-letters': TwDeadLetters }
}
