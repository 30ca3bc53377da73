import { LitElement, css, html } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { connectionColumns, type StackedColumns } from '../charts/columns.js'
import '../charts/connections-chart.js'
import type { AppContext } from '../context.js'
import { formatCount, formatDuration, formatPct } from '../format.js'
import { PollController } from '../poll.js'
import { shared } from '../styles/tokens.js'
import type { ConnectionsResponse, SessionQuery, TerminateResponse } from '../types.js'
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
    td.query { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.78rem; overflow-wrap: anywhere; max-width: 40rem; }
    tr.iit th, tr.iit td { color: var(--sev-critical); }
    .terminate { display: flex; flex-wrap: wrap; gap: 0.5rem 0.75rem; align-items: flex-end; margin: 0.5rem 0; }
    .terminate label { display: block; font-size: 0.8rem; color: var(--muted); margin-bottom: 0.2rem; }
    .terminate input { width: 7rem; }
    button.danger { background: var(--danger-bg); color: var(--danger-fg); border-color: var(--danger-border); font-weight: 600; }
    .result.failed { color: var(--danger-fg); background: var(--danger-bg); border-radius: 4px; padding: 0.25rem 0.5rem; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  /** Embeds show only the chart. */
  @property({ type: Boolean }) compact = false

  private columns: StackedColumns | undefined
  private lastData: ConnectionsResponse | undefined
  private readonly poll = new PollController<ConnectionsResponse>(this, (s) => this.ctx.api.connections(s), 15_000)
  @state() private idleMinutes = 30
  /** The last dry run or real run, and any error from the server (403 when ALLOW_TERMINATE_IDLE is off). */
  @state() private term: TerminateResponse | undefined
  @state() private termError = ''
  @state() private busy = false

  /** Admin actions show for an admin's own session or token only: never in an embed. */
  private get admin (): boolean {
    return !this.compact && !this.ctx.embed && this.ctx.me?.role === 'admin'
  }

  private async terminate (dryRun: boolean) {
    const minutes = this.idleMinutes
    if (!dryRun) {
      const n = this.term?.dryRun === true ? this.term.connections.length : undefined
      if (!confirm(`Terminate ${n === undefined ? 'every' : n} connection${n === 1 ? '' : 's'} of the monitored database idle for more than ${minutes} min?\n\nTheir clients lose the connection and must reconnect. The action is audited.`)) return
    }
    this.busy = true
    this.termError = ''
    try {
      this.term = await this.ctx.api.terminateIdle(minutes, dryRun)
      if (!dryRun) this.poll.run()
    } catch (err) {
      this.term = undefined
      this.termError = (err as Error).message
    } finally {
      this.busy = false
    }
  }

  private renderSessions (queries: SessionQuery[]) {
    const rank = (q: SessionQuery) => q.state.startsWith('idle in transaction') ? 0 : q.state === 'active' ? 1 : 2
    const rows = [...queries].sort((a, b) => rank(a) - rank(b) || b.ageSeconds - a.ageSeconds).slice(0, 50)
    return html`<h3 id="sess-h">Sessions in a query or a transaction <span class="muted">(${formatCount(queries.length)}${queries.length > rows.length ? `, longest ${rows.length} shown` : ''})</span></h3>
      ${rows.length === 0
        ? html`<p class="empty">None: every other session is idle.</p>`
        : html`<div class="table-wrap"><table aria-labelledby="sess-h">
          <thead><tr><th scope="col" class="num">PID</th><th scope="col">State</th><th scope="col">Application</th><th scope="col" class="num">For</th><th scope="col">Query</th></tr></thead>
          <tbody>${rows.map((q) => html`<tr class=${rank(q) === 0 ? 'iit' : ''}><td class="num">${q.pid}</td><td>${q.state}</td><td>${q.application || '(none)'}</td><td class="num">${formatDuration(q.ageSeconds)}</td><td class="query">${q.query}</td></tr>`)}</tbody>
        </table></div>`}`
  }

  private renderTerminate () {
    const t = this.term
    return html`<h3 id="term-h">Terminate idle connections</h3>
      <p class="muted">Ends client connections of the monitored database that are <em>idle</em> (not idle in transaction) for longer than this; TovWatch's own are never touched. List them first.</p>
      <form class="terminate" aria-labelledby="term-h" @submit=${(e: Event) => { e.preventDefault(); this.terminate(true) }}>
        <div><label for="idle-min">Idle for more than (minutes)</label>
          <input id="idle-min" type="number" min="0" max="10080" step="1" required .value=${String(this.idleMinutes)}
            @input=${(e: Event) => { const v = (e.target as HTMLInputElement).valueAsNumber; if (Number.isFinite(v)) { this.idleMinutes = v; this.term = undefined } }}></div>
        <button type="submit" ?disabled=${this.busy}>List idle connections</button>
        ${t?.dryRun === true && t.connections.length > 0
          ? html`<button type="button" class="danger" ?disabled=${this.busy} @click=${() => this.terminate(false)}>Terminate ${t.connections.length} connection${t.connections.length === 1 ? '' : 's'}…</button>`
          : ''}
      </form>
      ${this.termError ? html`<p class="result failed" role="alert">${this.termError}</p>` : ''}
      ${t === undefined
        ? ''
        : html`<p class="result" role="status">${t.dryRun
            ? t.connections.length === 0 ? `No connection idle for more than ${t.idleMinutes} min.` : `${t.connections.length} connection${t.connections.length === 1 ? '' : 's'} idle for more than ${t.idleMinutes} min:`
            : `Terminated ${t.connections.filter((c) => c.terminated).length} of ${t.connections.length} connection${t.connections.length === 1 ? '' : 's'} idle for more than ${t.idleMinutes} min${t.auditId === null ? '' : ` (audit ${t.auditId})`}.`}
          <tw-age .at=${t.measuredAt}></tw-age></p>
          ${t.connections.length === 0
            ? ''
            : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col" class="num">PID</th><th scope="col">Application</th><th scope="col">User</th><th scope="col">Client</th><th scope="col" class="num">Idle</th>${t.dryRun ? '' : html`<th scope="col">Terminated</th>`}</tr></thead>
              <tbody>${t.connections.map((c) => html`<tr><td class="num">${c.pid}</td><td>${c.application || '(none)'}</td><td>${c.user}</td><td>${c.client}</td><td class="num">${formatDuration(c.idleSeconds)}</td>${t.dryRun ? '' : html`<td>${c.terminated ? 'yes' : 'no'}</td>`}</tr>`)}</tbody>
            </table></div>`}`}`
  }

  private renderAdmin (d: ConnectionsResponse) {
    if (!this.admin) return html`<p class="muted">Admins see each session here and can terminate idle connections.</p>`
    return html`<section class="card admin" aria-labelledby="adm-h">
      <div class="head"><h2 id="adm-h">Sessions and idle connections <span class="muted">(admin)</span></h2><tw-age .at=${d.measuredAt} .stale=${d.stale}></tw-age></div>
      ${d.current?.queries === undefined ? '' : this.renderSessions(d.current.queries)}
      ${this.renderTerminate()}
    </section>`
  }

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
      ${d.history.timestamps.length < 2
? html`<p class="empty">${d.history.timestamps.length === 0 ? 'No history yet.' : 'One sample so far: the chart starts with the next probe.'}</p>`
        : html`<tw-connections-chart .columns=${this.columns} summary=${`Connections by state over 24 hours; now ${d.current?.total ?? 'unknown'} of ${d.current?.maxConnections ?? 'unknown'}`}></tw-connections-chart>`}
    </section>`
    if (this.compact) return chart
    return html`
      ${error ? html`<div class="banner warn" role="status">Refresh failed (${error.message}); showing the last answer.</div>` : ''}
      ${this.renderCurrent(d)}${chart}${this.renderPools(d)}${this.renderAdmin(d)}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-connections': TwConnections }
}
