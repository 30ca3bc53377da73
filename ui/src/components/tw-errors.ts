import { LitElement, css, html, type PropertyValues } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { repeat } from 'lit/directives/repeat.js'
import { ApiError } from '../api.js'
import { errorRateColumns, type StackedColumns } from '../charts/columns.js'
import '../charts/error-rate-chart.js'
import type { AppContext } from '../context.js'
import { formatCount, formatTime } from '../format.js'
import { composeQuery, isRegexQuery, splitQuery } from '../search.js'
import { shared } from '../styles/tokens.js'
import { SEVERITIES, type ErrorSample, type ErrorsResponse, type GroupLifecycleAnswer, type Severity } from '../types.js'
import { DEFAULT_STATE, errorsQuery, type UiState } from '../url-state.js'
import { ErrorsLiveController, LIVE_REBASE_MS } from './errors-live.js'
import './tw-age.js'
import './tw-error-context.js'
import { errorGroupStyles } from './tw-error-group.js'
import './tw-range-picker.js'

const REFRESH_MS = 60_000
// Groups appear in chunks, one task each: the first screenful paints at once and no task
// grows long with 500 groups (rows off screen also skip layout: content-visibility).
const FIRST_CHUNK = 40
const CHUNK = 120
const queryKey = (u: UiState) => JSON.stringify([u.range, u.start, u.end, u.minSeverity, u.q, u.showMuted])

/** The error feed: range, minimum severity and search in the URL; chart; grouped errors. */
@customElement('tw-errors')
export class TwErrors extends LitElement {
  static override styles = [shared, errorGroupStyles, css`
    :host { display: block; }
    form { display: flex; flex-wrap: wrap; gap: 0.75rem 1rem; align-items: flex-end; margin-bottom: 1rem; }
    fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.25rem; min-width: 0; }
    legend, label { font-size: 0.8rem; color: var(--muted); display: block; margin-bottom: 0.2rem; padding: 0; }
    fieldset button[aria-pressed=true] { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }
    .search { flex: 1 1 16rem; min-width: 0; }
    .search-row { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
    .case { display: inline-flex; align-items: center; gap: 0.3rem; margin: 0; font-size: 0.85rem; color: var(--fg); white-space: nowrap; }
    .case input { margin: 0; }
    .case.off { color: var(--muted); }
    .search #q { flex: 1 1 12rem; min-width: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    input[aria-invalid=true] { border-color: var(--sev-critical); border-width: 2px; }
    .field-error { color: var(--danger-fg); background: var(--danger-bg); border-radius: 4px; padding: 0.25rem 0.5rem; margin: 0.3rem 0 0; font-size: 0.85rem; overflow-wrap: anywhere; }
    .totals { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin-bottom: 0.5rem; }
    .head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem; align-items: baseline; }
    .list-head { display: grid; grid-template-columns: 5.5rem minmax(0, 1fr) 5rem 96px 10rem; gap: 0.75rem; padding: 0.3rem 0.25rem; border-bottom: 1px solid var(--border); font-size: 0.8rem; color: var(--muted); font-weight: 600; }
    .list-head .num { text-align: right; }
    @media (max-width: 720px) { .list-head { display: none; } }
    .chart { margin-bottom: 1rem; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  @property({ attribute: false }) ui: UiState = DEFAULT_STATE
  /** Set directly (benchmarks, embeds) to skip fetching. */
  @property({ attribute: false }) data: ErrorsResponse | undefined
  @property({ type: Boolean }) noFetch = false
  /** Embeds show one part: the chart or the groups, without the controls. */
  @property() mode: 'full' | 'chart' | 'groups' = 'full'

  @state() private loading = false
  @state() private error: ApiError | Error | undefined
  @state() private columns: StackedColumns | undefined
  @state() private draftQ = ''
  /** The "Ignore case" switch: sends the text as /escaped/i (derived from ui.q, see search.ts). */
  @state() private ignoreCase = false
  @state() private shownGroups = FIRST_CHUNK
  /** The sample whose surrounding lines are open (tw-error-context). */
  @state() private contextSample: ErrorSample | undefined
  private chunkTimer: ReturnType<typeof setTimeout> | undefined

  private loadedKey = ''
  /** The query the shown data answers, so a failed new query never shows the old one's groups. */
  private dataKey = ''
  private abort: AbortController | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  /** Live updates on the stream: counts, new groups and the chart's end between loads. */
  private readonly live = new ErrorsLiveController(this, { tail: (merged) => { this.data = merged }, reload: () => { this.load() } })
  /** The group a link pointed at, scrolled to once its row is drawn ('' when done). */
  private linkedGroup = ''
  private shownKey = ''

  override connectedCallback (): void {
    super.connectedCallback()
    this.linkedGroup = this.ui.group
    this.timer = setInterval(() => {
      if (this.noFetch || (this.ui.range === 'custom' && !this.live.active)) return
      // Followed live: reloaded now and then only, so a relative window slides.
      if (this.live.active && this.ctx.streamState === 'open' && Date.now() - this.live.followingSince < LIVE_REBASE_MS) return
      this.load()
    }, REFRESH_MS)
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    clearInterval(this.timer)
    clearTimeout(this.chunkTimer)
    this.abort?.abort()
  }

  protected override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('ui')) {
      if (changed.get('ui')?.q !== this.ui.q || this.draftQ === '') {
        const { text, ignoreCase } = splitQuery(this.ui.q)
        this.draftQ = text
        this.ignoreCase = ignoreCase
      }
      if (!this.noFetch && queryKey(this.ui) !== this.loadedKey) this.load()
    }
    if (changed.has('data')) {
      this.columns = this.data === undefined ? undefined : errorRateColumns(this.data.series)
      // Keep the expanded group visible even when it is far down the list.
      const at = this.data?.groups.findIndex((g) => g.fingerprint === this.ui.group) ?? -1
      // A live update of the same answer keeps the rows already drawn (no flicker back to the first chunk).
      const same = changed.get('data') !== undefined && this.shownKey === this.dataKey
      this.shownKey = this.dataKey
      this.shownGroups = Math.max(same ? this.shownGroups : FIRST_CHUNK, at + 1)
    }
  }

  protected override updated (): void {
    const total = this.data?.groups.length ?? 0
    clearTimeout(this.chunkTimer)
    if (this.shownGroups < total) this.chunkTimer = setTimeout(() => { this.shownGroups += CHUNK }, 0)
    else if (total > 0) this.dispatchEvent(new CustomEvent('tw-groups-rendered', { detail: { count: total } }))
    if (this.linkedGroup !== '') this.scrollToGroup()
  }

  /** A link to a group (group= in the URL): its row scrolled into view and highlighted for a moment. */
  private scrollToGroup () {
    const row = this.renderRoot.querySelector<HTMLElement>('tw-error-group[expanded]')
    if (row === null) return
    this.linkedGroup = ''
    row.scrollIntoView({ block: 'center' })
    row.setAttribute('highlight', '')
    setTimeout(() => row.removeAttribute('highlight'), 2500)
  }

  async load (): Promise<void> {
    const key = queryKey(this.ui)
    this.loadedKey = key
    this.abort?.abort()
    const ac = new AbortController()
    this.abort = ac
    this.loading = true
    try {
      // An embed token may not ask for muted groups (auth/embed-policy.ts).
      const { muted, ...rest } = errorsQuery(this.ui)
      const data = await this.ctx.api.errors(this.ctx.embed ? rest : { ...rest, muted }, ac.signal)
      if (ac.signal.aborted) return
      this.data = data
      this.dataKey = key
      this.error = undefined
      if (!this.noFetch) this.live.follow(this.ctx, this.ui, data)
    } catch (err) {
      if (ac.signal.aborted) return
      this.error = err as Error
      // A refresh that failed keeps the last answer (under a banner); a new range, severity or
      // search that failed (a bad regex: 400) must not leave the previous one's groups on screen.
      if (this.dataKey !== key) this.data = undefined
    } finally {
      if (this.abort === ac) this.loading = false
    }
  }

  private set (patch: Partial<UiState>) {
    this.dispatchEvent(new CustomEvent('tw-state', { detail: patch, bubbles: true, composed: true }))
  }

  private onSubmit (e: Event) {
    e.preventDefault()
    this.search()
  }

  private search () {
    const q = composeQuery(this.draftQ, this.ignoreCase)
    if (q === this.ui.q) this.load()
    else this.set({ q, group: '' })
  }

  private setIgnoreCase (on: boolean) {
    this.ignoreCase = on
    if (this.draftQ.trim() !== '') this.search()
  }

  private onZoom (e: CustomEvent<{ startMs: number, endMs: number }>) {
    this.set({ range: 'custom', start: new Date(e.detail.startMs).toISOString(), end: new Date(e.detail.endMs).toISOString() })
  }

  private onContext (e: CustomEvent<{ sample: ErrorSample }>) {
    this.contextSample = e.detail.sample
  }

  private onToggle (e: CustomEvent<{ fingerprint: string, expanded: boolean }>) {
    this.set({ group: e.detail.expanded ? e.detail.fingerprint : '' })
  }

  private renderControls () {
    const qErr = this.error instanceof ApiError && this.error.status === 400 && (this.error.field === undefined || this.error.field === 'q') ? this.error.message : ''
    const otherErr = this.error !== undefined && qErr === '' ? this.error.message : ''
    if (this.mode !== 'full') return this.error ? html`<div class="banner danger" role="alert">Could not load errors: ${this.error.message}</div>` : ''
    const regex = isRegexQuery(this.draftQ)
    return html`
      <form role="search" aria-label="Filter errors" @submit=${this.onSubmit}>
        <tw-range-picker .range=${this.ui.range} .start=${this.ui.start} .end=${this.ui.end} @tw-range=${(e: CustomEvent<Partial<UiState>>) => { e.stopPropagation(); this.set(e.detail) }}></tw-range-picker>
        <div><label for="sev">Minimum severity</label>
          <select id="sev" @change=${(e: Event) => { this.set({ minSeverity: (e.target as HTMLSelectElement).value as Severity }) }}>
            ${SEVERITIES.map((s) => html`<option value=${s} ?selected=${s === this.ui.minSeverity}>${s}</option>`)}
          </select>
        </div>
        <div class="search">
          <label for="q">Search: text (as written), or /regex/ (RE2; /…/i ignores case)</label>
          <div class="search-row">
            <input id="q" type="search" name="q" autocomplete="off" spellcheck="false" placeholder="timeout  or  /refused|reset/i"
              .value=${this.draftQ} @input=${(e: Event) => { this.draftQ = (e.target as HTMLInputElement).value }}
              aria-invalid=${qErr === '' ? 'false' : 'true'} aria-describedby="q-error">
            <label class="case ${regex ? 'off' : ''}" title=${regex ? 'A /regex/ sets its own case: add i after the closing slash to ignore case' : 'Find any spelling: error, Error, ERROR'}>
              <input id="ignore-case" type="checkbox" .checked=${this.ignoreCase && !regex} ?disabled=${regex}
                @change=${(e: Event) => { this.setIgnoreCase((e.target as HTMLInputElement).checked) }}>Ignore case</label>
            <button type="submit" class="primary">Search</button>
          </div>
          <p id="q-error" class="field-error" role="alert" ?hidden=${qErr === ''}>${qErr}</p>
        </div>
      </form>
      ${otherErr === '' ? '' : html`<div class="banner danger" role="alert">Could not load errors: ${otherErr}</div>`}`
  }

  private renderIncomplete (d: ErrorsResponse) {
    if (d.complete) return ''
    return html`<div class="banner warn" role="status">
      <strong>Incomplete result.</strong> Some of the range could not be read, so counts may be low.
      <ul>
        ${d.incompleteReasons.map((r) => html`<li>${r}</li>`)}
        ${d.failedChunks.map((c) => html`<li>${formatTime(c.start)} – ${formatTime(c.end)}: ${c.reason}</li>`)}
      </ul>
    </div>`
  }

  /** How many groups are muted, and the switch that shows them (muted=show in the URL). */
  private renderMuted (d: ErrorsResponse) {
    const muted = d.muted ?? { groups: 0, events: 0 }
    if (this.mode !== 'full' || (muted.groups === 0 && !this.ui.showMuted)) return ''
    return html`<label class="case"><input id="show-muted" type="checkbox" .checked=${this.ui.showMuted} @change=${(e: Event) => { this.set({ showMuted: (e.target as HTMLInputElement).checked }) }}>Show ${formatCount(muted.groups)} muted ${muted.groups === 1 ? 'group' : 'groups'} <span class="muted">(${formatCount(muted.events)} events)</span></label>`
  }

  override render () {
    const d = this.data
    return html`
      ${this.renderControls()}
      ${d === undefined
        ? html`<p class="empty" aria-busy=${this.loading ? 'true' : 'false'}>${this.loading ? 'Loading errors…' : this.error instanceof ApiError && this.error.status === 400 ? 'No results: the request was refused (see above).' : this.error ? '' : 'No data yet.'}</p>`
        : html`
          ${this.renderIncomplete(d)}
          ${this.mode === 'groups'
? ''
: html`<section class="card chart" aria-labelledby="rate-h" aria-busy=${this.loading ? 'true' : 'false'}>
            <div class="head">
              <h2 id="rate-h">Error rate</h2>
              <span><tw-age .at=${d.measuredAt} .staleAfter=${120}></tw-age> · ${d.source === 'loki' ? 'Loki' : 'local log files'}</span>
            </div>
            <div class="totals">
              ${SEVERITIES.map((s) => html`<span><span class="sev ${s}">${s}</span> <span class="num">${formatCount(d.totals[s])}</span></span>`)}
            </div>
            <tw-error-rate-chart @tw-zoom=${this.onZoom} .columns=${this.columns} summary=${`Errors per ${d.series.stepSeconds} s from ${formatTime(d.range.start)} to ${formatTime(d.range.end)}, stacked by severity`}></tw-error-rate-chart>
          </section>`}
          ${this.mode === 'chart'
? ''
: html`<section class="card" aria-labelledby="groups-h">
            <div class="head"><h2 id="groups-h">Grouped errors <span class="muted">(${formatCount(d.groups.length)})</span></h2>${this.renderMuted(d)}</div>
            ${d.groups.length === 0
              ? html`<p class="empty">No errors at or above ${this.ui.minSeverity} in this range${this.ui.q === '' ? '' : ' matching the search'}.</p>`
              : html`<div class="list-head" aria-hidden="true"><span>Severity</span><span>Message</span><span class="num">Count</span><span>Trend</span><span>Seen</span></div>
                <div role="list" @tw-toggle=${this.onToggle} @tw-error-context=${this.onContext} @tw-lifecycle=${(e: CustomEvent<GroupLifecycleAnswer>) => { this.live.applyLifecycle(e.detail); this.load() }}>
                  ${repeat(d.groups.slice(0, this.shownGroups), (g) => g.fingerprint, (g) => html`<tw-error-group role="listitem" .group=${g} .api=${this.ctx?.embed === false ? this.ctx.api : undefined} ?expanded=${g.fingerprint === this.ui.group} ?noContext=${this.ctx.embed}></tw-error-group>`)}
                </div>`}
            ${this.contextSample !== undefined ? html`<tw-error-context .api=${this.ctx.api} .sample=${this.contextSample} @tw-close=${() => { this.contextSample = undefined }}></tw-error-context>` : ''}
          </section>`}`}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-errors': TwErrors }
}
