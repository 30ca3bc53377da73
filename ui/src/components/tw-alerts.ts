import { LitElement, css, html, nothing } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { repeat } from 'lit/directives/repeat.js'
import { parseMatcher, type Matcher } from '../../../server/src/alerts/matchers.js'
import { browserCompile, buildView, type AlertView } from '../alert-groups.js'
import type { AppContext } from '../context.js'
import { setSoundEnabled, soundEnabled } from '../sound.js'
import { STREAM_TEXT, streamAge } from '../stream-age.js'
import { shared } from '../styles/tokens.js'
import { DEFAULT_STATE, type UiState } from '../url-state.js'
import './tw-dead-letters.js'
import { StoreController } from '../store-controller.js'
import { groupsOpen, rememberGroup } from '../group-memory.js'
import type { SilenceCreated } from '../silence-types.js'
import './tw-age.js'
import './tw-alert-filter.js'
import './tw-alert-group.js'
import './tw-silence-form.js'
import './tw-silences.js'

/** Resolved alerts read from the history when the view opens (newest first). */
const HISTORY = 200
/** Groups are open by default while the view shows at most this many alerts; the user's choice wins. */
const OPEN_BELOW = 100
const GROUPS_PAGE = 50

/** The Alerts view, karma-style: grouped by a label, filtered by matchers and text, with silences and acknowledgements. */
@customElement('tw-alerts')
export class TwAlerts extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    .bar { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: center; margin-bottom: 0.6rem; }
    .bar label { display: inline-flex; gap: 0.4rem; align-items: center; }
    h2 { margin: 0.8rem 0 0.5rem; }
    .streamline { display: flex; flex-wrap: wrap; gap: 0.25rem 0.6rem; align-items: baseline; margin: 0 0 0.5rem; font-size: 0.85rem; }
    .behind h2 .muted { color: var(--stale); }
    .behind-text { color: var(--warn-fg); background: var(--warn-bg); border-radius: 4px; padding: 0 0.3rem; }
    .ok { color: var(--ok); }
  `]

  @property({ attribute: false }) ctx!: AppContext
  @property({ attribute: false }) ui: UiState = DEFAULT_STATE
  @property({ type: Boolean }) compact = false

  @state() private sound = soundEnabled()
  @state() private history: 'idle' | 'loading' | 'done' | 'failed' = 'idle'
  @state() private historyError = ''
  @state() private linkedMissing = ''
  @state() private silencing: { labels: Record<string, string>, title: string } | undefined
  @state() private notice = ''
  @state() private groupsShown = GROUPS_PAGE
  @state() private open: Record<string, boolean> = groupsOpen()
  private linkedAsked = ''
  private scrolledTo = ''
  private readonly alertsChanged = new StoreController(this, () => this.ctx.alerts)
  private memo: { key: string, view: AlertView } | undefined

  private setState (detail: Partial<UiState>) {
    this.dispatchEvent(new CustomEvent('tw-state', { detail, bubbles: true, composed: true }))
  }

  private toggleSound (e: Event) {
    this.sound = (e.target as HTMLInputElement).checked
    setSoundEnabled(this.sound)
  }

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
    const group = [...this.renderRoot.querySelectorAll('tw-alert-group')].find((g) => g.selected === id)
    const li = group?.renderRoot.querySelector<HTMLElement>('li.selected')
    if (li === undefined || li === null) return
    this.scrolledTo = id
    li.scrollIntoView({ block: 'center' })
  }

  private matchers (): { matchers: Matcher[], bad: string[] } {
    const matchers: Matcher[] = []
    const bad: string[] = []
    for (const f of this.ui.filters) {
      try { matchers.push(parseMatcher(f, browserCompile)) } catch (err) { bad.push((err as Error).message) }
    }
    return { matchers, bad }
  }

  /** The grouped, filtered view; rebuilt only when the alerts, the muting state or the filters change. */
  private view (matchers: Matcher[]): AlertView {
    const store = this.ctx.alerts
    const state = this.compact ? 'firing' : this.ui.alertState
    const key = [store.version, state, this.ui.groupBy, this.ui.filters.join('\u0000'), this.ui.aq, this.ui.showMuted, this.ui.hideAcked, this.compact].join('\u0001')
    if (this.memo?.key !== key) {
      this.memo = {
        key,
        view: buildView(store.list, { state, groupBy: this.ui.groupBy, matchers, text: this.ui.aq, showMuted: this.ui.showMuted || this.compact, showAcked: !this.ui.hideAcked, muting: store.muting }),
      }
    }
    return this.memo.view
  }

  private labelKeys (): string[] {
    const keys = new Set<string>(['alertname', 'severity', 'job', 'instance'])
    for (const a of this.ctx.alerts.list.slice(0, 500)) for (const k of Object.keys(a.labels)) keys.add(k)
    keys.add(this.ui.groupBy)
    return [...keys].sort()
  }

  private onToggle (e: CustomEvent<{ key: string, open: boolean }>) {
    this.open = { ...this.open, [e.detail.key]: e.detail.open }
    rememberGroup(e.detail.key, e.detail.open)
  }

  private onSilence (e: CustomEvent<{ labels: Record<string, string>, title: string }>) {
    this.silencing = e.detail
    this.notice = ''
    this.updateComplete.then(() => this.renderRoot.querySelector('tw-silence-form')?.scrollIntoView({ block: 'nearest' }))
  }

  private onSilenced (e: CustomEvent<SilenceCreated>) {
    this.silencing = undefined
    this.notice = `Silence ${e.detail.id} created: it mutes ${e.detail.matched} of ${e.detail.firing} firing alerts.${e.detail.warning === null ? '' : ` ${e.detail.warning}`}`
  }

  override render () {
    const store = this.ctx.alerts
    const { matchers, bad } = this.matchers()
    const v = this.view(matchers)
    const state = this.compact ? 'firing' : this.ui.alertState
    const open = this.ctx.streamState === 'open'
    const heading = state === 'firing' ? 'Firing' : state === 'resolved' ? 'Resolved' : 'Alerts'
    const none = state === 'firing' ? 'Nothing is firing.' : state === 'resolved' ? 'No resolved alerts.' : 'No alerts.'
    const filtering = matchers.length > 0 || this.ui.aq !== ''
    const defaultOpen = v.shown <= OPEN_BELOW || this.compact
    const groups = v.groups.slice(0, this.groupsShown)
    // A linked alert (#/alerts?alert=<id>) is always on the page, however far down the list it is.
    const linked = this.compact || this.ui.alert === '' ? undefined : v.groups.find((g) => g.alerts.some((a) => a.id === this.ui.alert))
    if (linked !== undefined && !groups.includes(linked)) groups.push(linked)
    return html`
      ${this.compact
        ? html`<p class="streamline" role="status"><span class=${open ? '' : 'behind-text'}>Alert stream: ${STREAM_TEXT[this.ctx.streamState]}</span>${streamAge(this.ctx.streamState, store.syncedAt)}</p>`
        : html`<div class="bar">
        <label>Show <select aria-label="Show" @change=${(e: Event) => { this.setState({ alertState: (e.target as HTMLSelectElement).value as UiState['alertState'] }) }}>
          ${(['all', 'firing', 'resolved'] as const).map((s) => html`<option value=${s} ?selected=${s === state}>${s}</option>`)}
        </select></label>
        <label>Group by <select id="group-by" @change=${(e: Event) => { this.setState({ groupBy: (e.target as HTMLSelectElement).value }) }}>
          ${this.labelKeys().map((k) => html`<option value=${k} ?selected=${k === this.ui.groupBy}>${k}</option>`)}
        </select></label>
        <label><input type="checkbox" id="show-muted" .checked=${this.ui.showMuted} @change=${(e: Event) => { this.setState({ showMuted: (e.target as HTMLInputElement).checked }) }}> Show silenced and inhibited <span class="muted">(${v.muted})</span></label>
        <label><input type="checkbox" id="hide-acked" .checked=${this.ui.hideAcked} @change=${(e: Event) => { this.setState({ hideAcked: (e.target as HTMLInputElement).checked }) }}> Hide acknowledged <span class="muted">(${v.acked})</span></label>
        <label><input type="checkbox" .checked=${this.sound} @change=${this.toggleSound}> Sound for new critical alerts</label>
        ${open ? html`<span class="muted">live</span>` : html`<span class="banner warn" role="status">${STREAM_TEXT[this.ctx.streamState].toLowerCase()} the list may be behind</span>`}
        ${streamAge(this.ctx.streamState, store.syncedAt)}
      </div>
      <tw-alert-filter .filters=${this.ui.filters} .text=${this.ui.aq}></tw-alert-filter>
      ${bad.map((m) => html`<p class="banner warn" role="status">Filter ignored: ${m}</p>`)}
      ${store.muting.available ? (store.muting.error ? html`<p class="banner warn" role="status">${store.muting.error}</p>` : nothing) : nothing}
      <tw-silences .ctx=${this.ctx} .version=${store.muting.measuredAt === null ? 0 : Date.parse(store.muting.measuredAt)}></tw-silences>
      ${this.notice ? html`<p class="banner ok" role="status">${this.notice}</p>` : nothing}
      ${this.silencing !== undefined
        ? html`<tw-silence-form .ctx=${this.ctx} .labels=${this.silencing.labels} .heading=${this.silencing.title} @tw-silenced=${this.onSilenced} @tw-silence-cancel=${() => { this.silencing = undefined }}></tw-silence-form>`
        : nothing}`}
      <div class=${open ? '' : 'behind'} @tw-group-toggle=${this.onToggle} @tw-silence=${this.onSilence}>
      ${!store.loaded ? html`<p class="empty" aria-busy="true">Waiting for the alert stream…</p>` : nothing}
      ${!this.compact && this.ui.alert !== '' && this.linkedMissing === this.ui.alert
        ? html`<p class="banner warn" role="status">The linked alert (${this.ui.alert}) does not exist any more: alerts are kept for ALERT_RETENTION_DAYS.</p>`
        : nothing}
      ${this.history === 'failed' && state !== 'firing' ? html`<p class="banner warn" role="status">Older resolved alerts could not be loaded: ${this.historyError}</p>` : nothing}
      <h2 id="alerts-h">${heading} <span class="muted" id="alerts-count">(${!store.loaded ? '–' : state === 'all' ? `${v.firing} firing · ${v.resolved} resolved` : v.inState})</span>
        <span class="muted">${filtering ? ' matching the filter' : ''}${v.hiddenMuted > 0 ? ` · ${v.hiddenMuted} silenced or inhibited hidden` : ''}${v.hiddenAcked > 0 ? ` · ${v.hiddenAcked} acknowledged hidden` : ''}</span></h2>
      ${v.shown === 0 && store.loaded && this.history !== 'loading' ? html`<p class="empty">${v.inState > 0 ? 'Every matching alert is hidden by the switches above.' : filtering ? 'No alert matches the filter.' : none}</p>` : nothing}
      <div role="list" aria-labelledby="alerts-h">${repeat(groups, (g) => g.key, (g) => {
        const selected = !this.compact && this.ui.alert !== '' && g.alerts.some((a) => a.id === this.ui.alert) ? this.ui.alert : ''
        return html`<tw-alert-group role="listitem" .group=${g} .ctx=${this.ctx} .muting=${store.muting} .groupBy=${this.ui.groupBy} .selected=${selected}
          ?open=${selected !== '' || (this.open[g.key] ?? defaultOpen)} ?compact=${this.compact}></tw-alert-group>`
      })}</div>
      ${v.groups.length > groups.length ? html`<button type="button" @click=${() => { this.groupsShown += GROUPS_PAGE }}>Show ${Math.min(GROUPS_PAGE, v.groups.length - groups.length)} more groups</button>` : nothing}
      ${this.compact ? nothing : html`<tw-dead-letters .ctx=${this.ctx}></tw-dead-letters>`}
      </div>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-alerts': TwAlerts }
}
