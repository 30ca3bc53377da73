import { LitElement, css, html } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { onTick } from '../clock.js'
import { formatAgo, formatTime, isStale } from '../format.js'

/** "measured 12 s ago", greyed out (and said so) once older than `staleAfter` seconds. */
@customElement('tw-age')
export class TwAge extends LitElement {
  static override styles = css`
    :host { display: inline; font-size: 0.8rem; color: var(--muted); white-space: nowrap; }
    .stale { color: var(--stale); font-style: italic; }
    .stale::after { content: " · stale"; }
  `

  @property() at: string | null = null
  @property({ type: Number }) staleAfter = 60
  @property() label = 'measured'
  /** The server's own verdict (e.g. a probe that stopped); wins over the age. */
  @property({ type: Boolean }) stale = false

  private stop: (() => void) | undefined
  private lastText = ''

  override connectedCallback (): void {
    super.connectedCallback()
    this.stop = onTick((now) => {
      const text = this.text(now)
      if (text !== this.lastText) this.requestUpdate()
    })
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.stop?.()
  }

  private text (now: number): string {
    return `${this.label} ${formatAgo(this.at, now)}${this.isStale(now) ? '!' : ''}`
  }

  private isStale (now: number): boolean {
    return this.stale || isStale(this.at, now, this.staleAfter)
  }

  override render () {
    const now = Date.now()
    this.lastText = this.text(now)
    const stale = this.isStale(now)
    return html`<time datetime=${this.at ?? ''} title=${formatTime(this.at)} class=${stale ? 'stale' : ''}>${this.label} ${formatAgo(this.at, now)}</time>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-age': TwAge }
}
