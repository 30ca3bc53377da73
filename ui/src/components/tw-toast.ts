import { LitElement, css, html } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import { repeat } from 'lit/directives/repeat.js'
import { shared } from '../styles/tokens.js'

export interface Toast { id: number, title: string, body: string, kind: 'critical' | 'info' }

/** Toasts for new critical alerts. Announced through an assertive live region; each can be dismissed. */
@customElement('tw-toast')
export class TwToast extends LitElement {
  static override styles = [shared, css`
    :host { position: fixed; right: 1rem; bottom: 1rem; z-index: 10; display: flex; flex-direction: column; gap: 0.5rem; max-width: min(24rem, calc(100vw - 2rem)); }
    .toast { background: var(--bg-card); border: 1px solid var(--border); border-left: 6px solid var(--sev-critical); border-radius: 8px; padding: 0.6rem 0.75rem; box-shadow: 0 4px 16px rgba(0,0,0,.25); display: flex; gap: 0.5rem; align-items: flex-start; }
    .toast.info { border-left-color: var(--accent); }
    .text { flex: 1; min-width: 0; overflow-wrap: anywhere; }
    strong { display: block; }
    button { min-height: 2rem; padding: 0.1rem 0.5rem; }
  `]

  @state() private toasts: Toast[] = []
  private nextId = 1
  private static readonly MAX = 4
  private static readonly TTL_MS = 12_000

  show (title: string, body: string, kind: Toast['kind'] = 'critical'): void {
    const t = { id: this.nextId++, title, body, kind }
    this.toasts = [...this.toasts, t].slice(-TwToast.MAX)
    setTimeout(() => { this.dismiss(t.id) }, TwToast.TTL_MS)
  }

  dismiss (id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id)
  }

  override render () {
    return html`<div role="alert" aria-live="assertive" aria-atomic="false">
      ${repeat(this.toasts, (t) => t.id, (t) => html`
        <div class="toast ${t.kind}">
          <div class="text"><strong>${t.title}</strong><span>${t.body}</span></div>
          <button type="button" aria-label="Dismiss notification: ${t.title}" @click=${() => { this.dismiss(t.id) }}>✕</button>
        </div>`)}
    </div>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-toast': TwToast }
}
