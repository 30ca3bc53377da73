import { LitElement, css, html } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { onTick } from '../clock.js'
import { formatDuration, formatTime } from '../format.js'

/** "for 26 min", ticking on the page's shared clock; the start time on hover. */
@customElement('tw-since')
export class TwSince extends LitElement {
  static override styles = css`:host { display: inline; white-space: nowrap; }`

  @property() start = ''
  /** Set for a resolved alert: the duration stops there. */
  @property() end: string | null = null
  @property() lead = 'for'

  private stop: (() => void) | undefined
  private last = ''

  override connectedCallback (): void {
    super.connectedCallback()
    this.stop = onTick((now) => { if (this.end === null && this.text(now) !== this.last) this.requestUpdate() })
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.stop?.()
  }

  private text (now: number): string {
    const to = this.end === null ? now : Date.parse(this.end)
    const s = (to - Date.parse(this.start)) / 1000
    // Whole minutes past the first one: a list of 300 alerts should not repaint every second.
    return `${this.lead} ${formatDuration(s >= 60 ? Math.floor(s / 60) * 60 : s)}`
  }

  override render () {
    this.last = this.text(Date.now())
    return html`<time datetime=${this.start} title="started ${formatTime(this.start)}${this.end === null ? '' : `, ended ${formatTime(this.end)}`}">${this.last}</time>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-since': TwSince }
}
