import { LitElement, css, html } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import { AlertStream, type StreamState } from '../alert-stream.js'
import { AlertsStore } from '../alerts-store.js'
import { createApi } from '../api.js'
import { LiveErrors } from '../live-errors.js'
import { onTick } from '../clock.js'
import type { AppContext } from '../context.js'
import { basePath } from '../env.js'
import { beep, soundEnabled } from '../sound.js'
import { shared } from '../styles/tokens.js'
import type { HealthResponse, Me } from '../types.js'
import { formatHash, historyStep, parseHash, VIEWS, type UiState, type View } from '../url-state.js'
import './tw-alerts.js'
import './tw-connections.js'
import './tw-database.js'
import './tw-errors.js'
import './tw-header.js'
import './tw-overview.js'
import './tw-toast.js'
import type { TwToast } from './tw-toast.js'

const TITLES: Record<View, string> = { overview: 'Overview', errors: 'Errors', database: 'Database', connections: 'Connections', alerts: 'Alerts' }
const HEALTH_EVERY_MS = 30_000

/** The app shell: header, view tabs (state in the URL hash), the live alert stream and toasts. */
@customElement('tw-app')
export class TwApp extends LitElement {
  static override styles = [shared, css`
    :host { display: block; min-height: 100vh; }
    nav { background: var(--bg-card); border-bottom: 1px solid var(--border); }
    [role=tablist] { display: flex; flex-wrap: wrap; gap: 0 0.25rem; max-width: 1920px; margin: 0 auto; padding: 0 1rem; }
    @media (max-width: 640px) { [role=tablist] { padding: 0 0.5rem; } [role=tab] { padding: 0.5rem 0.55rem; } main { padding: 0.75rem; } }
    [role=tab] { border: 0; border-bottom: 3px solid transparent; border-radius: 0; background: none; padding: 0.6rem 0.75rem; white-space: nowrap; color: var(--muted); font-weight: 600; }
    [role=tab][aria-selected=true] { color: var(--fg); border-bottom-color: var(--accent); }
    [role=tab]:hover { color: var(--fg); background: var(--bg-hover); }
    .count.behind { background: none; color: var(--stale); border: 1px dashed var(--stale); }
    .count { display: inline-block; min-width: 1.4rem; margin-left: 0.3rem; padding: 0 0.35rem; border-radius: 999px; background: var(--danger-bg); color: var(--danger-fg); font-size: 0.78rem; }
    main { max-width: 1920px; margin: 0 auto; padding: 1rem; }
    main:focus { outline: none; }
    .skip { position: absolute; left: 0.5rem; top: -3rem; z-index: 20; }
    .skip:focus { top: 0.5rem; }
  `]

  @state() private ui: UiState = parseHash(location.hash)
  @state() private health: HealthResponse | undefined
  @state() private firing = 0
  @state() private acked = 0
  @state() private syncedAt: string | null = null
  @state() private ctx: AppContext

  private readonly store = new AlertsStore()
  private readonly stream: AlertStream
  private healthTimer: ReturnType<typeof setInterval> | undefined
  private unsubscribe: (() => void) | undefined
  private stopTick: (() => void) | undefined
  /** The typed field (q, aq) the last state change came from: a run of keystrokes is one history entry. */
  private typing = ''

  constructor () {
    super()
    const base = basePath()
    const api = createApi({
      base,
      onUnauthorized: () => { location.assign(`${base}/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`) },
    })
    const live = new LiveErrors((msg) => this.stream.send(msg))
    this.ctx = { api, alerts: this.store, base, embed: false, me: undefined, streamState: 'connecting', live }
    const wsBase = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base}/api/alerts/stream`
    this.stream = new AlertStream({
      url: (last) => last === undefined ? wsBase : `${wsBase}?lastEventId=${encodeURIComponent(last)}`,
      onSnapshot: (alerts, _id, nextCursor) => {
        this.store.replace(alerts, nextCursor === null)
        if (nextCursor !== null) this.pageFiring(nextCursor)
        // The stream pushes changes of the silenced/inhibited state; its current value is read once per connection.
        this.ctx.api.muting().then((m) => { this.store.setMuting(m) }).catch(() => {})
      },
      onMuting: (m) => { this.store.setMuting(m) },
      onEvent: (ev) => {
        if (this.store.apply(ev)) this.notifyCritical(ev.alert.alertname, ev.alert.annotations.summary ?? ev.alert.labels.instance ?? '')
      },
      onState: (s) => { this.setStream(s) },
      onMessage: () => { this.store.touch() },
      onOpen: () => { live.resend() },
      onOther: (msg) => live.handle(msg),
    })
  }

  /** The firing alerts a bounded snapshot left out, a page at a time. */
  private async pageFiring (cursor: string | null): Promise<void> {
    for (let n = 0; cursor !== null && n < 100; n++) {
      try {
        const page = await this.ctx.api.alerts({ state: 'firing', limit: 1000, cursor })
        this.store.merge(page.alerts)
        cursor = (page as { nextCursor?: string | null }).nextCursor ?? null
      } catch {
        return
      }
    }
  }

  private readonly onHash = () => { this.ui = parseHash(location.hash); this.typing = '' }
  private readonly onOnline = () => { this.stream.reconnectNow() }

  override connectedCallback (): void {
    super.connectedCallback()
    addEventListener('hashchange', this.onHash)
    addEventListener('online', this.onOnline)
    this.unsubscribe = this.store.subscribe(() => { this.firing = this.store.firingCount; this.acked = this.store.ackedCount(); this.syncedAt = this.store.syncedAt })
    // An acknowledgement for a chosen time ends on the page's clock, without an event.
    this.stopTick = onTick((now) => { if (this.acked > 0) this.acked = this.store.ackedCount(now) })
    this.stream.start()
    this.loadHealth()
    this.healthTimer = setInterval(() => { this.loadHealth() }, HEALTH_EVERY_MS)
    this.ctx.api.me().then((me: Me) => { this.ctx = { ...this.ctx, me } }).catch(() => {})
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    removeEventListener('hashchange', this.onHash)
    removeEventListener('online', this.onOnline)
    this.unsubscribe?.()
    this.stopTick?.()
    this.stream.stop()
    clearInterval(this.healthTimer)
  }

  private setStream (s: StreamState) {
    if (this.ctx.streamState !== s) this.ctx = { ...this.ctx, streamState: s }
  }

  private async loadHealth () {
    try { this.health = await this.ctx.api.health() } catch {}
  }

  private notifyCritical (title: string, body: string) {
    this.renderRoot.querySelector<TwToast>('tw-toast')?.show(`Critical: ${title}`, body)
    if (soundEnabled()) beep()
  }

  /** Views ask for state changes with a 'tw-state' event; the URL is the single source of truth. */
  private onState (e: CustomEvent<Partial<UiState>>) {
    const next = { ...this.ui, ...e.detail }
    const hash = formatHash(next)
    if (hash !== location.hash) {
      const step = historyStep(this.typing, e.detail)
      this.typing = step.typing
      history[step.mode === 'push' ? 'pushState' : 'replaceState'](null, '', hash)
    }
    this.ui = next
  }

  private select (view: View, focus = false) {
    this.onState(new CustomEvent('tw-state', { detail: { view } }))
    if (focus) this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${view}`)?.focus())
  }

  private onTabKey (e: KeyboardEvent) {
    const i = VIEWS.indexOf(this.ui.view)
    const next = e.key === 'ArrowRight'
      ? (i + 1) % VIEWS.length
      : e.key === 'ArrowLeft'
        ? (i - 1 + VIEWS.length) % VIEWS.length
        : e.key === 'Home' ? 0 : e.key === 'End' ? VIEWS.length - 1 : -1
    if (next < 0) return
    e.preventDefault()
    this.select(VIEWS[next] as View, true)
  }

  private async logout () {
    try { await this.ctx.api.logout() } catch {}
    location.assign(`${this.ctx.base}/login`)
  }

  private renderView () {
    const { ui, ctx } = this
    switch (ui.view) {
      case 'errors': return html`<tw-errors .ctx=${ctx} .ui=${ui}></tw-errors>`
      case 'database': return html`<tw-database .ctx=${ctx} .ui=${ui}></tw-database>`
      case 'connections': return html`<tw-connections .ctx=${ctx} .ui=${ui}></tw-connections>`
      case 'alerts': return html`<tw-alerts .ctx=${ctx} .ui=${ui}></tw-alerts>`
      default: return html`<tw-overview .ctx=${ctx}></tw-overview>`
    }
  }

  override updated (): void {
    document.title = `${TITLES[this.ui.view]}${this.firing > 0 ? ` (${this.firing} firing)` : ''} · TovWatch`
  }

  override render () {
    return html`
      <button class="skip" type="button" @click=${() => { this.renderRoot.querySelector<HTMLElement>('main')?.focus() }}>Skip to content</button>
      <tw-header .health=${this.health} .firing=${this.firing} .acked=${this.acked} .stream=${this.ctx.streamState} .syncedAt=${this.syncedAt} ?loaded=${this.syncedAt !== null} .me=${this.ctx.me} .base=${this.ctx.base} @tw-logout=${this.logout}></tw-header>
      <nav aria-label="Views">
        <div role="tablist" aria-label="Views" @keydown=${this.onTabKey}>
          ${VIEWS.map((v) => html`<button role="tab" id="tab-${v}" aria-controls="panel" aria-selected=${v === this.ui.view ? 'true' : 'false'}
              tabindex=${v === this.ui.view ? 0 : -1} @click=${() => { this.select(v) }}>${TITLES[v]}${v === 'alerts' && this.firing > 0 ? html`<span class="count ${this.ctx.streamState === 'open' ? '' : 'behind'}">${this.firing}</span>` : ''}</button>`)}
        </div>
      </nav>
      <main id="panel" role="tabpanel" aria-labelledby="tab-${this.ui.view}" tabindex="-1" @tw-state=${this.onState}>
        ${this.renderView()}
      </main>
      <tw-toast></tw-toast>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-app': TwApp }
}
