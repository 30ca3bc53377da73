import { LitElement, css, html } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import { AlertStream } from '../alert-stream.js'
import { AlertsStore } from '../alerts-store.js'
import { createApi } from '../api.js'
import type { AppContext } from '../context.js'
import { basePath, embedTokenFromUrl } from '../env.js'
import { shared } from '../styles/tokens.js'
import { DEFAULT_STATE, parseHash, type UiState } from '../url-state.js'
import './tw-alerts.js'
import './tw-connections.js'
import './tw-database.js'
import './tw-errors.js'

const PANELS = ['error-rate', 'error-groups', 'connections', 'tables', 'alerts'] as const
type Panel = (typeof PANELS)[number]

const embedState = (hash: string): UiState => ({ ...DEFAULT_STATE, ...parseHash(hash), view: 'errors' })

/** One panel for a Grafana iframe: no chrome, authenticated by the embed token in its URL. */
@customElement('tw-embed')
export class TwEmbed extends LitElement {
  static override styles = [shared, css`
    :host { display: block; padding: 0.5rem; }
  `]

  @state() private ctx: AppContext
  /**
   * The panel's state: from the iframe URL's hash at first (a dashboard may choose the range),
   * then changed by the panel itself (tw-state: expand a group). The iframe's URL is left as it
   * is: Grafana's page history is not the panel's to change.
   */
  @state() private ui: UiState = embedState(location.hash)
  private readonly panel: Panel | undefined
  private readonly stream: AlertStream | undefined

  constructor () {
    super()
    const base = basePath()
    const token = embedTokenFromUrl(location.href)
    const name = location.pathname.split('/').filter(Boolean).pop() ?? ''
    this.panel = (PANELS as readonly string[]).includes(name) ? name as Panel : undefined
    const store = new AlertsStore()
    this.ctx = { api: createApi({ base, embedToken: token }), alerts: store, base, embed: true, me: undefined, streamState: 'connecting' }
    if (this.panel === 'alerts') {
      const ws = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base}/api/alerts/stream`
      const auth = token === undefined ? '' : `embed_token=${encodeURIComponent(token)}`
      this.stream = new AlertStream({
        url: (last) => `${ws}?${[auth, last === undefined ? '' : `lastEventId=${encodeURIComponent(last)}`].filter(Boolean).join('&')}`,
        onSnapshot: (alerts) => { store.replace(alerts) },
        onEvent: (ev) => { store.apply(ev) },
        onState: (s) => { this.ctx = { ...this.ctx, streamState: s } },
        onMessage: () => { store.touch() },
      })
    }
  }

  private readonly onHash = () => { this.ui = embedState(location.hash) }
  private readonly onState = (e: Event) => {
    const patch = (e as CustomEvent<Partial<UiState>>).detail
    this.ui = { ...this.ui, ...patch, view: 'errors' }
  }

  override connectedCallback (): void {
    super.connectedCallback()
    this.stream?.start()
    this.addEventListener('tw-state', this.onState)
    addEventListener('hashchange', this.onHash)
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.stream?.stop()
    this.removeEventListener('tw-state', this.onState)
    removeEventListener('hashchange', this.onHash)
  }

  override render () {
    const ui = this.ui
    switch (this.panel) {
      case 'error-rate': return html`<tw-errors .ctx=${this.ctx} .ui=${ui} mode="chart"></tw-errors>`
      case 'error-groups': return html`<tw-errors .ctx=${this.ctx} .ui=${ui} mode="groups"></tw-errors>`
      case 'connections': return html`<tw-connections .ctx=${this.ctx} compact></tw-connections>`
      case 'tables': return html`<tw-database .ctx=${this.ctx} compact></tw-database>`
      case 'alerts': return html`<tw-alerts .ctx=${this.ctx} compact></tw-alerts>`
      default: return html`<p role="alert">Unknown panel.</p>`
    }
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-embed': TwEmbed }
}
