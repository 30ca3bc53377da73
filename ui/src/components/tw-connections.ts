import { LitElement, css, html } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { connectionColumns, type StackedColumns } from '../charts/columns.js'
import '../charts/connections-chart.js'
import type { AppContext } from '../context.js'
import { formatCount, formatDuration, formatPct } from '../format.js'
import { PollController } from '../poll.js'
import { shared } from '../styles/tokens.js'
import type { ConnectionsResponse } from '../types.js'
import './tw-age.js'

/** Connection use against max_connections, by state over 24 h, idle-in-transaction age, PgBouncer pools. */
@customElement('tw-connections')
export class TwConnections extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 14rem), 1fr)); gap: 1rem; margin-bottom: 1rem; }
    .big { font-size: 1.8rem; font-weight: 700; font-variant-numeric: tabular-nums; }
    .bar { height: 0.6rem; background: var(--grid); border-radius: 999px; overflow: hidden; margin: 0.4rem 0; }
    .bar > div { height: 100%; background: var(--accent); }
    meter { width: 100%; height: 0.8rem; }
    .head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem; align-items: baseline; }
    .hot { color: var(--sev-critical); }
    section { margin-bottom: 1rem; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  /** Embeds show only the chart. */
  @property({ type: Boolean }) compact = false

  private columns: StackedColumns | undefined
  private lastData: ConnectionsResponse | undefined
  private readonly poll = new PollController<ConnectionsResponse>(this, (s) => this.ctx.api.connections(s), 15_000)

  private renderCurrent (d: ConnectionsResponse) {
    const c = d.current
    const why = d.unavailable.filter((u) => /^connections\b/i.test(u))
    if (c === null) return html`<div class="banner warn" role="status">No connection sample${why.length > 0 ? html`: ${why.join('; ')}` : ' yet.'}</div>`
    const hot = c.usedPct >= 80
    return html`<div class="grid">
      <section class="card" aria-labelledby="use-h"><h2 id="use-h">Utilization</h2>
        <div class="big ${hot ? 'hot' : ''}">${formatPct(c.usedPct)}</div>
        <meter min="0" max=${c.maxConnections} high=${Math.round(c.maxConnections * 0.8)} optimum="0" .value=${c.total} aria-label="connections used"></meter>
        <div>${formatCount(c.total)} of ${formatCount(c.maxConnections)} <span class="muted">(${c.reserved} reserved)</span></div>
        <tw-age .at=${d.measuredAt} .stale=${d.stale}></tw-age></section>
      <section class="card" aria-labelledby="iit-h"><h2 id="iit-h">Oldest idle in transaction</h2>
        <div class="big">${c.oldestIdleInTxSeconds === null ? 'none' : formatDuration(c.oldestIdleInTxSeconds)}</div>
        <div class="muted">${formatCount(c.byState.idle_in_transaction)} idle in transaction · ${formatCount(c.byState.idle_in_transaction_aborted)} aborted</div>
        <div class="muted">longest query ${c.longestQuerySeconds === null ? 'none running' : formatDuration(c.longestQuerySeconds)} · ${c.waitingOnLocks} waiting on locks</div></section>
      <section class="card" aria-labelledby="st-h"><h2 id="st-h">By state</h2>
        <table><tbody>
          ${(['active', 'idle', 'idle_in_transaction', 'idle_in_transaction_aborted', 'other'] as const).map((k) => html`<tr><th scope="row">${k.replaceAll('_', ' ')}</th><td class="num">${formatCount(c.byState[k])}</td></tr>`)}
        </tbody></table></section>
      <section class="card" aria-labelledby="app-h"><h2 id="app-h">By application</h2>
        <table><tbody>${c.byApplication.slice(0, 8).map((a) => html`<tr><th scope="row">${a.name || '(none)'}</th><td class="num">${formatCount(a.count)}</td></tr>`)}</tbody></table></section>
    </div>`
  }

  private renderPools (d: ConnectionsResponse) {
    const pb = d.pgbouncer
    return html`<section class="card" aria-labelledby="pb-h">
      <div class="head"><h2 id="pb-h">PgBouncer pools</h2>${pb.measuredAt ? html`<tw-age .at=${pb.measuredAt}></tw-age>` : ''}</div>
      ${pb.status === 'disabled'
? html`<p class="muted">PgBouncer is not configured (PGBOUNCER_ADMIN_URL).</p>`
        : pb.status !== 'up'
? html`<div class="banner danger" role="alert">PgBouncer is ${pb.status === 'auth_failed' ? 'refusing our login' : 'down'}: ${pb.message}</div>`
          : pb.pools.length === 0
? html`<p class="empty">No pools.</p>`
            : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Database</th><th scope="col">User</th><th scope="col" class="num">Clients active</th><th scope="col" class="num">Waiting</th><th scope="col" class="num">Servers active</th><th scope="col" class="num">Idle</th><th scope="col" class="num">Max wait</th><th scope="col">Mode</th></tr></thead>
              <tbody>${pb.pools.map((p) => html`<tr><td>${p.database}</td><td>${p.user}</td><td class="num">${p.clActive}</td><td class="num ${p.clWaiting > 0 ? 'hot' : ''}">${p.clWaiting}</td><td class="num">${p.svActive}</td><td class="num">${p.svIdle}</td><td class="num">${formatDuration(p.maxWaitSeconds)}</td><td>${p.poolMode}</td></tr>`)}</tbody>
            </table></div>`}
    </section>`
  }

  override render () {
    const { data: d, error } = this.poll
    if (d === undefined) {
      return error ? html`<div class="banner danger" role="alert">Could not load connections: ${error.message}</div>` : html`<p class="empty" aria-busy="true">Loading connections…</p>`
    }
    if (d !== this.lastData) { this.lastData = d; this.columns = connectionColumns(d.history) }
    const chart = html`<section class="card" aria-labelledby="ch-h">
      <div class="head"><h2 id="ch-h">Connections, last 24 h</h2><tw-age .at=${d.measuredAt} .stale=${d.stale}></tw-age></div>
      ${d.history.timestamps.length === 0
? html`<p class="empty">No history yet.</p>`
        : html`<tw-connections-chart .columns=${this.columns} summary=${`Connections by state over 24 hours; now ${d.current?.total ?? 'unknown'} of ${d.current?.maxConnections ?? 'unknown'}`}></tw-connections-chart>`}
    </section>`
    if (this.compact) return chart
    return html`
      ${error ? html`<div class="banner warn" role="status">Refresh failed (${error.message}); showing the last answer.</div>` : ''}
      ${this.renderCurrent(d)}${chart}${this.renderPools(d)}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-connections': TwConnections }
}
