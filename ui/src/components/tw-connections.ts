import { LitElement, css, html } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { connectionColumns, type StackedColumns } from '../charts/columns.js'
import '../charts/connections-chart.js'
import type { AppContext } from '../context.js'
import { formatCount, formatDuration, formatPct } from '../format.js'
import { PollController } from '../poll.js'
import { shared } from '../styles/tokens.js'
import { formatSorts, parseSorts, sortableTable, type Column, type Sort } from '../sort-table.js'
import type { ClientSession, ConnectionsResponse, PgBouncerPool, SessionQuery, TerminateResponse } from '../types.js'
import type { UiState } from '../url-state.js'
import './tw-age.js'

interface Group { name: string, sessions: number, active: number, idle: number, idleInTx: number, longestIdle: number | null }
const IDLE_RANK: Record<string, number> = { 'idle in transaction': 0, 'idle in transaction (aborted)': 0, idle: 1 }
const isIdle = (s: ClientSession) => s.state.startsWith('idle')

/** Sessions summed per application or per client address. */
export function groupSessions (sessions: readonly ClientSession[], by: 'application' | 'client'): Group[] {
  const m = new Map<string, Group>()
  for (const s of sessions) {
    const name = s[by] || '(none)'
    const g = m.get(name) ?? { name, sessions: 0, active: 0, idle: 0, idleInTx: 0, longestIdle: null }
    g.sessions++
    if (s.state === 'active') g.active++
    else if (s.state === 'idle') g.idle++
    else if (s.state.startsWith('idle in transaction')) g.idleInTx++
    if (isIdle(s) && s.stateSeconds !== null) g.longestIdle = Math.max(g.longestIdle ?? 0, s.stateSeconds)
    m.set(name, g)
  }
  return [...m.values()].sort((a, b) => b.idleInTx - a.idleInTx || b.idle - a.idle || b.sessions - a.sessions)
}

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
    dl.states { display: grid; grid-template-columns: 1fr auto; gap: 0.3rem 1rem; margin: 0; }
    dl.states dt { color: var(--muted); }
    dl.states dd { margin: 0; }
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
  /** The URL state (table sorts); embeds have none and keep it here. */
  @property({ attribute: false }) ui: UiState | undefined
  @state() private localSort = ''

  private get sorts () { return parseSorts(this.ui?.sort ?? this.localSort) }
  private setSort (table: string, s: Sort) {
    const m = this.sorts
    m.set(table, s)
    if (this.ui === undefined) this.localSort = formatSorts(m)
    else this.dispatchEvent(new CustomEvent('tw-state', { detail: { sort: formatSorts(m) }, bubbles: true, composed: true }))
  }

  private table<R> (id: string, label: string, columns: Array<Column<R>>, rows: readonly R[], rowClass?: (r: R) => string) {
    return sortableTable({ id, label, columns, rows, sort: this.sorts.get(id), onSort: (x) => this.setSort(id, x), rowClass })
  }

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
        : this.table<SessionQuery>('queries', 'sessions in a query', [
          { key: 'pid', label: 'PID', num: true, value: (q) => q.pid },
          { key: 'state', label: 'State', value: (q) => q.state },
          { key: 'app', label: 'Application', value: (q) => q.application || '(none)' },
          { key: 'for', label: 'For', num: true, value: (q) => q.ageSeconds, cell: (q) => formatDuration(q.ageSeconds) },
          { key: 'query', label: 'Query', value: (q) => q.query, cls: () => 'query' },
        ], rows, (q) => rank(q) === 0 ? 'iit' : '')}`
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
            : this.table<TerminateResponse['connections'][number]>('idle', 'idle connections', [
              { key: 'pid', label: 'PID', num: true, value: (c) => c.pid },
              { key: 'app', label: 'Application', value: (c) => c.application || '(none)' },
              { key: 'user', label: 'User', value: (c) => c.user },
              { key: 'client', label: 'Client', value: (c) => c.client },
              { key: 'idle', label: 'Idle', num: true, value: (c) => c.idleSeconds, cell: (c) => formatDuration(c.idleSeconds) },
              ...(t.dryRun ? [] : [{ key: 'done', label: 'Terminated', value: (c: TerminateResponse['connections'][number]) => c.terminated ? 'yes' : 'no' }]),
            ], t.connections)}`}`
  }

  private renderClients (d: ConnectionsResponse) {
    const sessions = d.current?.sessions
    if (sessions === undefined) return ''
    const groupCols = (label: string): Array<Column<Group>> => [
      { key: 'name', label, value: (g) => g.name },
      { key: 'sessions', label: 'Sessions', num: true, value: (g) => g.sessions },
      { key: 'iit', label: 'Idle in transaction', num: true, value: (g) => g.idleInTx, cls: (g) => g.idleInTx > 0 ? 'hot' : '' },
      { key: 'idle', label: 'Idle', num: true, value: (g) => g.idle },
      { key: 'active', label: 'Active', num: true, value: (g) => g.active },
      { key: 'longest', label: 'Longest idle', num: true, value: (g) => g.longestIdle, cell: (g) => formatDuration(g.longestIdle) },
    ]
    const when = (iso: string | null) => iso === null ? '—' : new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    const cols: Array<Column<ClientSession>> = [
      { key: 'state', label: 'State', value: (x) => `${IDLE_RANK[x.state] ?? 2}${x.state}`, cell: (x) => x.state },
      { key: 'for', label: 'In this state', num: true, value: (x) => x.stateSeconds, cell: (x) => formatDuration(x.stateSeconds) },
      { key: 'tx', label: 'In transaction', num: true, value: (x) => x.xactSeconds, cell: (x) => formatDuration(x.xactSeconds) },
      { key: 'app', label: 'Application', value: (x) => x.application || '(none)' },
      { key: 'user', label: 'User', value: (x) => x.user },
      { key: 'client', label: 'Client', value: (x) => x.client },
      { key: 'since', label: 'Connected since', value: (x) => x.backendStart, cell: (x) => when(x.backendStart) },
      { key: 'pid', label: 'PID', num: true, value: (x) => x.pid },
      ...(sessions.some((x) => x.query !== undefined) ? [{ key: 'query', label: 'Query', value: (x: ClientSession) => x.query ?? '', cls: () => 'query' }] : []),
    ]
    return html`<section class="card" aria-labelledby="cl-h">
      <div class="head"><h2 id="cl-h">Who holds the connections</h2><tw-age .at=${d.measuredAt} .stale=${d.stale}></tw-age></div>
      <div class="grid">
        <div><h3>By application</h3>${this.table('apps', 'applications', groupCols('Application'), groupSessions(sessions, 'application'))}</div>
        <div><h3>By client</h3>${this.table('clients', 'clients', groupCols('Client address'), groupSessions(sessions, 'client'))}</div>
      </div>
      <h3>Every session <span class="muted">(${formatCount(sessions.length)}; idle in a transaction first, then idle${this.admin ? '' : '; query text is for admins'})</span></h3>
      ${sessions.length === 0 ? html`<p class="empty">No other session.</p>` : this.table('sessions', 'sessions', cols, sessions, (x) => IDLE_RANK[x.state] === 0 ? 'iit' : '')}
    </section>`
  }

  private renderAdmin (d: ConnectionsResponse) {
    if (!this.admin) return html`<p class="muted">Admins also see each session's query here and can terminate idle connections (when ALLOW_TERMINATE_IDLE is on).</p>`
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
        <dl class="states">${(['active', 'idle', 'idle_in_transaction', 'idle_in_transaction_aborted', 'other'] as const).map((k) => html`<dt>${k.replaceAll('_', ' ')}</dt><dd class="num">${formatCount(c.byState[k])}</dd>`)}</dl></section>
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
            : this.table<PgBouncerPool>('pools', 'pools', [
              { key: 'db', label: 'Database', value: (p) => p.database },
              { key: 'user', label: 'User', value: (p) => p.user },
              { key: 'cla', label: 'Clients active', num: true, value: (p) => p.clActive },
              { key: 'clw', label: 'Waiting', num: true, value: (p) => p.clWaiting, cls: (p) => p.clWaiting > 0 ? 'hot' : '' },
              { key: 'sva', label: 'Servers active', num: true, value: (p) => p.svActive },
              { key: 'svi', label: 'Idle', num: true, value: (p) => p.svIdle },
              { key: 'wait', label: 'Max wait', num: true, value: (p) => p.maxWaitSeconds, cell: (p) => formatDuration(p.maxWaitSeconds) },
              { key: 'mode', label: 'Mode', value: (p) => p.poolMode },
            ], pb.pools)}
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
      ${this.renderCurrent(d)}${chart}${this.renderClients(d)}${this.renderPools(d)}${this.renderAdmin(d)}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-connections': TwConnections }
}
