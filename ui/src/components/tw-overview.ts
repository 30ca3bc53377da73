import { isAcked, mutedOf } from '../alert-groups.js'
import { LitElement, css, html } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { AppContext } from '../context.js'
import { formatCount, formatDuration, formatPct, formatTime } from '../format.js'
import { PollController } from '../poll.js'
import { STREAM_TEXT, streamAge } from '../stream-age.js'
import { shared } from '../styles/tokens.js'
import { SEVERITIES, type ConnectionsResponse, type DatabaseResponse, type ErrorsResponse } from '../types.js'
import './tw-age.js'
import { StoreController } from '../store-controller.js'

/** One glance: errors of the last hour, firing alerts, database identity/guards/backup, connection use. */
@customElement('tw-overview')
export class TwOverview extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 19rem), 1fr)); gap: 1rem; }
    .head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.25rem 0.5rem; align-items: baseline; }
    .sevs { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.5rem; }
    @media (max-width: 480px) { .sevs { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
    .sevs a { display: block; text-decoration: none; color: inherit; border: 1px solid var(--border); border-radius: 6px; padding: 0.4rem; text-align: center; }
    .sevs a:hover { background: var(--bg-hover); }
    .big { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; display: block; }
    .bad { color: var(--sev-critical); font-weight: 700; }
    .good { color: var(--ok); font-weight: 700; }
    ul { margin: 0; padding-left: 1.1rem; }
    li { overflow-wrap: anywhere; }
    a { color: var(--link); }
    meter { width: 100%; height: 0.8rem; }
    .behind, .behind .sev { color: var(--stale); }
    .behind .sev { background: none; border: 1px dashed var(--stale); }
  `]

  @property({ attribute: false }) ctx!: AppContext

  private readonly errors = new PollController<ErrorsResponse>(this, (s) => this.ctx.api.errors({ range: '1h', minSeverity: 'low', limit: 1 }, s), 60_000)
  private readonly db = new PollController<DatabaseResponse>(this, (s) => this.ctx.api.database(s), 15_000)
  private readonly conn = new PollController<ConnectionsResponse>(this, (s) => this.ctx.api.connections(s), 15_000)
  private readonly alertsChanged = new StoreController(this, () => this.ctx.alerts)

  private failed (what: string, err: Error | undefined) {
    return err ? html`<p class="bad" role="alert">${what}: ${err.message}</p>` : html`<p class="muted" aria-busy="true">Loading…</p>`
  }

  private renderErrors () {
    const d = this.errors.data
    return html`<section class="card" aria-labelledby="ov-err"><div class="head"><h2 id="ov-err">Errors, last hour</h2>${d ? html`<tw-age .at=${d.measuredAt} .staleAfter=${180}></tw-age>` : ''}</div>
      ${d === undefined
? this.failed('Could not load errors', this.errors.error)
: html`
        <div class="sevs">${SEVERITIES.map((s) => html`<a href="#/errors?sev=${s}"><span class="big">${formatCount(d.totals[s])}</span><span class="sev ${s}">${s}</span></a>`)}</div>
        ${d.complete ? '' : html`<p class="bad">Incomplete: ${d.incompleteReasons.join('; ')}</p>`}`}
    </section>`
  }

  private renderAlerts () {
    const store = this.ctx.alerts
    const firing = store.list.filter((a) => a.status === 'firing')
    const acked = firing.filter((a) => isAcked(a)).length
    const state = this.ctx.streamState
    const open = state === 'open'
    return html`<section class="card" aria-labelledby="ov-al"><div class="head"><h2 id="ov-al">Firing alerts${store.loaded ? html` <span class="muted ${open ? '' : 'behind'}">(${firing.length}${acked > 0 ? ` · ${acked} acked` : ''})</span>` : ''}</h2>${streamAge(state, store.syncedAt)}</div>
      ${open || !store.loaded ? '' : html`<p class="muted" role="status">Alert stream ${STREAM_TEXT[state].toLowerCase()} this list may be behind.</p>`}
      <div class=${open ? '' : 'behind'}>
      ${!store.loaded
? html`<p class="muted">Waiting for the alert stream…</p>`
        : firing.length === 0
? html`<p class="good">Nothing is firing.</p>`
          : html`<ul>${firing.slice(0, 6).map((a) => html`<li><span class="sev ${a.severity}">${a.labels.severity ?? a.severity}</span> ${a.alertname} <span class="muted">since ${formatTime(a.startsAt)}</span>${isAcked(a) ? html` <span class="muted acked">· acked by ${a.acknowledged?.by}</span>` : ''}${mutedOf(a, store.muting) !== undefined ? html` <span class="muted">· silenced</span>` : ''}</li>`)}</ul>
            ${firing.length > 6 ? html`<p class="muted">and ${firing.length - 6} more</p>` : ''}`}
      </div>
      <a href="#/alerts">all alerts</a>
    </section>`
  }

  private renderDatabase () {
    const d = this.db.data
    if (d === undefined) return html`<section class="card"><h2>Database</h2>${this.failed('Could not load the database status', this.db.error)}</section>`
    const bad = d.guards.filter((g) => g.status !== 'ok')
    return html`<section class="card" aria-labelledby="ov-db"><div class="head"><h2 id="ov-db">Database</h2><tw-age .at=${d.measuredAt} .stale=${d.stale} .staleAfter=${d.probeIntervalS * 3}></tw-age></div>
      ${d.identity.ok
        ? html`<p><span class="good">Identity OK</span>: ${d.identity.currentDatabase}</p>`
        : html`<p class="bad" role="alert">${d.identity.status.replaceAll('_', ' ').toUpperCase()}: ${d.identity.message}</p>`}
      <p>${bad.length === 0 ? html`<span class="good">Table guards OK</span> <span class="muted">(${d.guards.length} watched)</span>` : html`<span class="bad">${bad.length} table guard(s) tripped:</span> ${bad.map((g) => g.table).join(', ')}`}</p>
      <p>Last good backup: <span class=${d.backup.stale ? 'bad' : ''}>${d.backup.ageSeconds === null ? 'none found' : `${formatDuration(d.backup.ageSeconds)} ago`}${d.backup.stale && d.backup.ageSeconds !== null ? ` (limit ${d.backup.maxAgeHours} h)` : ''}</span></p>
      <a href="#/database">tables</a>
    </section>`
  }

  private renderConnections () {
    const d = this.conn.data
    if (d === undefined) return html`<section class="card"><h2>Connections</h2>${this.failed('Could not load connections', this.conn.error)}</section>`
    const c = d.current
    return html`<section class="card" aria-labelledby="ov-cn"><div class="head"><h2 id="ov-cn">Connections</h2><tw-age .at=${d.measuredAt} .stale=${d.stale}></tw-age></div>
      ${c === null
? html`<p class="muted">No sample yet.</p>`
: html`
        <span class="big ${c.usedPct >= 80 ? 'bad' : ''}">${formatCount(c.total)} / ${formatCount(c.maxConnections)}</span>
        <meter min="0" max=${c.maxConnections} high=${Math.round(c.maxConnections * 0.8)} optimum="0" .value=${c.total} aria-label="connections used"></meter>
        <p>${formatPct(c.usedPct)} used · oldest idle in transaction: ${c.oldestIdleInTxSeconds === null ? 'none' : formatDuration(c.oldestIdleInTxSeconds)}</p>`}
      <a href="#/connections">details</a>
    </section>`
  }

  override render () {
    return html`<h1 class="sr-only">Overview</h1><div class="grid">${this.renderErrors()}${this.renderAlerts()}${this.renderDatabase()}${this.renderConnections()}</div>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-overview': TwOverview }
}
