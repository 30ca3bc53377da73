import { LitElement, css, html } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import type { AppContext } from '../context.js'
import { formatBytes, formatCount, formatSigned, formatTime } from '../format.js'
import { PollController } from '../poll.js'
import { shared } from '../styles/tokens.js'
import { formatSorts, parseSorts, sortableTable, type Column, type Sort } from '../sort-table.js'
import type { DatabaseResponse, TableInfo, TableTrend, TrendsResponse } from '../types.js'
import type { UiState } from '../url-state.js'
import './tw-age.js'
import './tw-table-history.js'
import type { HistoryRange } from './tw-table-history.js'

const IDENTITY_TITLE: Record<string, string> = {
  database_missing: 'The database is MISSING',
  unreachable: 'The database is unreachable',
  auth_failed: 'TovWatch cannot log in to the database',
  wrong_database: 'Connected to the WRONG database',
  tables_missing: 'Tables are missing',
  unknown: 'The database identity is unknown',
  unverified: 'Not sure this is the TovPlay database',
}

/** The probes this view depends on that the database cannot answer (connection ones have their own view). */
const tableProbesUnavailable = (d: DatabaseResponse) => d.unavailable.filter((u) => !/^(connections|pgbouncer)\b/i.test(u))

/** Watched tables first, then by size; ties by name. */
export function sortTables (tables: readonly TableInfo[]): TableInfo[] {
  return [...tables].sort((a, b) => (a.watched === b.watched ? 0 : a.watched ? -1 : 1) ||
    ((b.rows ?? b.estimatedRows ?? -1) - (a.rows ?? a.estimatedRows ?? -1)) || a.name.localeCompare(b.name))
}

/** Database identity (loudly when wrong), row-collapse guards, backup age and the table counts. */
@customElement('tw-database')
export class TwDatabase extends LitElement {
  static override styles = [shared, css`
    :host { display: block; }
    .loud { font-size: 1.05rem; border-width: 3px; }
    .loud strong { font-size: 1.3rem; display: block; margin-bottom: 0.25rem; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr)); gap: 1rem; margin-bottom: 1rem; }
    .head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem; align-items: baseline; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 0.75rem; margin: 0; }
    dt { color: var(--muted); }
    dd { margin: 0; overflow-wrap: anywhere; }
    .watched { display: inline-block; white-space: nowrap; overflow-wrap: normal; font-size: 0.72rem; border: 1px solid var(--accent); color: var(--link); border-radius: 999px; padding: 0 0.35rem; margin-left: 0.3rem; }
    .neg { color: var(--sev-critical); font-weight: 600; }
    .ok { color: var(--ok); }
    td.name { overflow-wrap: anywhere; min-width: 8rem; }
    .guard-action { display: flex; flex-wrap: wrap; gap: 0.3rem 0.6rem; align-items: center; margin: 0.3rem 0 0.5rem; }
    .guard-action button { color: var(--fg); }
    .result { color: var(--fg); background: var(--bg-card); border-radius: 4px; padding: 0.1rem 0.4rem; }
    .result.failed { color: var(--danger-fg); font-weight: 600; }
    button.link { all: unset; cursor: pointer; color: var(--link); text-decoration: underline; overflow-wrap: anywhere; }
    button.link:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    .drop { display: inline-block; font-size: 0.72rem; border: 1px solid var(--sev-critical); color: var(--sev-critical); border-radius: 999px; padding: 0 0.35rem; margin-left: 0.3rem; white-space: nowrap; }
    tr.history-row td { background: var(--bg); }
    tr.history-row td::before { content: none !important; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  /** Embeds show the table list only. */
  @property({ type: Boolean }) compact = false
  /** The URL state (sorts, open table); embeds have none and keep it here. */
  @property({ attribute: false }) ui: UiState | undefined
  @state() private localSort = ''
  @state() private localTable = ''
  @state() private localRange: HistoryRange = '24h'

  private readonly poll = new PollController<DatabaseResponse>(this, (s) => this.ctx.api.database(s), 15_000)
  private readonly trends = new PollController<TrendsResponse>(this, (s) => this.ctx.api.trends(s), 15_000)

  private get sorts () { return parseSorts(this.ui?.sort ?? this.localSort) }
  private get openTable () { return this.ui?.table ?? this.localTable }
  private get range (): HistoryRange { return this.ui?.tableRange ?? this.localRange }

  private patch (p: Partial<UiState>) {
    if (this.ui === undefined) {
      if (p.sort !== undefined) this.localSort = p.sort
      if (p.table !== undefined) this.localTable = p.table
      if (p.tableRange !== undefined) this.localRange = p.tableRange
      return
    }
    this.dispatchEvent(new CustomEvent('tw-state', { detail: p, bubbles: true, composed: true }))
  }

  private setSort (table: string, s: Sort) {
    const m = this.sorts
    m.set(table, s)
    this.patch({ sort: formatSorts(m) })
  }

  /** The last guard reset: which table, and what the server said. */
  @state() private reset: { table: string, ok: boolean, text: string } | undefined
  @state() private resetting = ''

  /** Admin actions show for an admin's own session or token only: never in an embed. */
  private get admin (): boolean {
    return !this.compact && !this.ctx.embed && this.ctx.me?.role === 'admin'
  }

  private async resetGuard (table: string) {
    // The runbook: reset only once the table is repaired; the current count becomes the new normal.
    if (!confirm(`Reset the row guard of ${table}?\n\nIts current row count becomes the new normal and the collapse alert ends. Do this only once the table is repaired or the drop was intended.`)) return
    this.resetting = table
    try {
      const d = await this.ctx.api.resetGuard(table)
      this.poll.data = d
      const g = d.guards.find((x) => x.table === table)
      this.reset = { table, ok: true, text: `Guard of ${table} reset${g ? `: now ${g.status}` : ''}.` }
    } catch (err) {
      this.reset = { table, ok: false, text: `Reset of ${table} failed: ${(err as Error).message}` }
    } finally {
      this.resetting = ''
    }
  }

  private renderGuardAction (table: string) {
    const r = this.reset?.table === table ? this.reset : undefined
    return html`<div class="guard-action">
      ${this.admin
        ? html`<button type="button" class="reset-guard" data-table=${table} ?disabled=${this.resetting !== ''} @click=${() => this.resetGuard(table)}>${this.resetting === table ? 'Resetting…' : html`Reset guard<span class="sr-only"> of ${table}</span>`}</button>`
        : this.compact || this.ctx.embed ? '' : html`<span>Once the table is repaired, an admin can reset this guard here.</span>`}
      ${r ? html`<span class="result ${r.ok ? '' : 'failed'}" role=${r.ok ? 'status' : 'alert'}>${r.text}</span>` : ''}
    </div>`
  }

  private renderIdentity (d: DatabaseResponse) {
    const id = d.identity
    if (id.ok) return ''
    return html`<div class="banner danger loud" role="alert">
      <strong>${IDENTITY_TITLE[id.status] ?? 'Database check failed'}</strong>
      ${id.message}
      <div>Expected <code>${id.expectedDatabase}</code>, connected to <code>${id.currentDatabase ?? 'nothing'}</code>.
      ${id.missingTables.length > 0 ? html`Missing tables: ${id.missingTables.join(', ')}.` : ''}
      Row counts below are not trustworthy until this is fixed.</div>
    </div>`
  }

  private renderGuards (d: DatabaseResponse) {
    const bad = d.guards.filter((g) => g.status !== 'ok')
    const done = this.reset?.ok === true ? this.reset : undefined
    if (bad.length === 0) return done ? html`<div class="banner" role="status">${done.text}</div>` : ''
    return html`<div class="banner danger" role="alert"><strong>Row-collapse warnings</strong>
      <ul>${bad.map((g) => html`<li><strong>${g.table}</strong>: ${g.status} — ${g.message}
        ${g.before !== null ? html`(${formatCount(g.before)} → ${formatCount(g.after)})` : ''} ${g.at ? html`at ${formatTime(g.at)}` : ''}
        ${this.renderGuardAction(g.table)}</li>`)}</ul></div>`
  }

  private rowsCell (t: TableInfo, identityOk: boolean) {
    // Never show a count we cannot trust: a wrong database once showed "0 users".
    if (!identityOk) return html`<span class="muted">unknown</span>`
    if (t.rows !== null) return html`${formatCount(t.rows)}${t.rowsExact ? '' : html` <abbr title="estimate from statistics">≈</abbr>`}`
    if (t.estimatedRows !== null && t.estimatedRows >= 0) return html`≈ ${formatCount(t.estimatedRows)}`
    return html`<span class="muted">not yet</span>`
  }

  private changeCell (n: number | null | undefined, ok: boolean) {
    return ok ? html`<span class=${(n ?? 0) < 0 ? 'neg' : ''}>${formatSigned(n ?? null)}</span>` : '—'
  }

  private tableColumns (d: DatabaseResponse, trends: Record<string, TableTrend>): Array<Column<TableInfo>> {
    const ok = d.identity.ok
    const key = (t: TableInfo) => t.schema === 'public' ? t.name : `${t.schema}.${t.name}`
    const tr = (t: TableInfo) => trends[key(t)]
    const change = (w: '1h' | '24h' | '7d', label: string): Column<TableInfo> => ({
      key: `c${w}`, label, num: true, value: (t) => ok ? tr(t)?.changes[w] ?? null : null, cell: (t) => this.changeCell(tr(t)?.changes[w], ok),
    })
    return [
      {
        key: 'name',
        label: 'Table',
        value: key,
        cls: () => 'name',
        cell: (t) => {
          const drop = tr(t)?.drop
          return html`<button type="button" class="link" aria-expanded=${String(this.openTable === key(t))} @click=${() => this.patch({ table: this.openTable === key(t) ? '' : key(t) })}>${key(t)}</button>${t.watched ? html`<span class="watched">watched</span>` : ''}${drop ? html`<span class="drop" title=${`${drop.from} → ${drop.to} since ${new Date(drop.fromAt).toLocaleTimeString()}`}>−${drop.pct} % drop</span>` : ''}`
        },
      },
      { key: 'rows', label: 'Rows', num: true, value: (t) => ok ? t.rows ?? t.estimatedRows : null, cell: (t) => this.rowsCell(t, ok) },
      { key: 'probe', label: 'Last probe', num: true, value: (t) => ok ? t.changeSinceLastProbe : null, cell: (t) => this.changeCell(t.changeSinceLastProbe, ok) },
      change('1h', '1 h'),
      change('24h', '24 h'),
      change('7d', '7 d'),
      { key: 'size', label: 'Size', num: true, value: (t) => ok ? t.totalBytes : null, cell: (t) => ok ? formatBytes(t.totalBytes) : '—' },
      { key: 'measured', label: 'Measured', value: (t) => t.measuredAt, cell: (t) => html`<tw-age .at=${t.measuredAt} label="" .stale=${d.stale} .staleAfter=${d.probeIntervalS * 3}></tw-age>` },
    ]
  }

  private renderDrops (t: TrendsResponse | undefined) {
    const drops = Object.entries(t?.tables ?? {}).filter(([, x]) => x.drop !== null)
    if (drops.length === 0 || t === undefined) return ''
    return html`<div class="banner warn" role="status"><strong>Rows lost within ${t.dropRule.window}:</strong>
      ${drops.map(([name, x], i) => html`${i > 0 ? ', ' : ''}<button type="button" class="link" @click=${() => this.patch({ table: name })}>${name}</button> ${formatCount(x.drop?.from)} → ${formatCount(x.drop?.to)} (−${x.drop?.pct} %)`)}
      <span class="muted">(a warning above ${t.dropRule.pct} %${t.dropRule.rows !== null ? ` or ${formatCount(t.dropRule.rows)} rows` : ''})</span></div>`
  }

  private renderTables (d: DatabaseResponse) {
    const ok = d.identity.ok
    const trends = this.trends.data?.tables ?? {}
    const columns = this.tableColumns(d, trends)
    const open = this.openTable
    return html`<section class="card" aria-labelledby="tables-h">
      <div class="head"><h2 id="tables-h">Tables</h2><tw-age .at=${d.measuredAt} .stale=${d.stale} .staleAfter=${d.probeIntervalS * 3}></tw-age></div>
      ${this.renderDrops(this.trends.data)}
      ${d.tables.length === 0
        ? html`<p class="empty">${ok ? 'No tables measured yet.' : 'No table counts: the database check failed.'}</p>`
        : sortableTable({
          id: 'tables',
          label: 'tables',
          columns,
          rows: sortTables(d.tables),
          sort: this.sorts.get('tables'),
          onSort: (s) => this.setSort('tables', s),
          after: (t) => {
            const key = t.schema === 'public' ? t.name : `${t.schema}.${t.name}`
            return key !== open
              ? ''
              : html`<tr class="history-row"><td colspan=${columns.length}><tw-table-history .ctx=${this.ctx} .table=${key} .range=${this.range} @tw-range=${(e: CustomEvent<HistoryRange>) => this.patch({ tableRange: e.detail })}></tw-table-history></td></tr>`
          },
        })}
      <p class="muted">Select a table for its row count over 24 h, 7 d or 30 d. Changes compare with the stored history; — means it does not reach back that far.</p>
    </section>`
  }

  private renderSummary (d: DatabaseResponse) {
    const b = d.backup
    return html`<div class="grid">
      <section class="card" aria-labelledby="id-h"><h2 id="id-h">Identity</h2>
        <dl>
          <dt>Status</dt><dd class=${d.identity.ok ? 'ok' : 'neg'}>${d.identity.ok ? 'OK' : d.identity.status}</dd>
          <dt>Database</dt><dd>${d.identity.currentDatabase ?? '—'} <span class="muted">(expected ${d.identity.expectedDatabase})</span></dd>
          <dt>Server</dt><dd>${d.identity.serverVersion ?? '—'}${d.embedded ? ' (embedded)' : ''}</dd>
        </dl></section>
      <section class="card" aria-labelledby="bk-h"><h2 id="bk-h">Last good backup</h2>
        <dl>
          <dt>Age</dt><dd class=${b.stale ? 'neg' : ''}>${b.lastGoodAt === null
            ? 'no good backup found'
            // Ticks on this page's clock, and greys out past BACKUP_MAX_AGE_H even between probes.
            : html`<tw-age .at=${b.lastGoodAt} label="" .stale=${b.stale} .staleAfter=${b.maxAgeHours * 3600}></tw-age>${b.stale ? ' — too old' : ''}`}</dd>
          <dt>Limit</dt><dd>${b.maxAgeHours} h</dd>
          <dt>Finished</dt><dd>${formatTime(b.lastGoodAt)}${!b.verified && b.lastGoodAt !== null ? html` <span class="muted">(unverified dump file)</span>` : ''}</dd>
        </dl>
        <p class="muted">${b.message}</p></section>
    </div>
    ${tableProbesUnavailable(d).map((u) => html`<p class="muted">Not available: ${u}</p>`)}`
  }

  override render () {
    const { data: d, error } = this.poll
    if (d === undefined) {
      return error ? html`<div class="banner danger" role="alert">Could not load the database status: ${error.message}</div>` : html`<p class="empty" aria-busy="true">Loading the database status…</p>`
    }
    return html`
      ${error ? html`<div class="banner warn" role="status">Refresh failed (${error.message}); showing the last answer.</div>` : ''}
      ${this.renderIdentity(d)}
      ${this.renderGuards(d)}
      ${this.compact ? '' : this.renderSummary(d)}
      ${this.renderTables(d)}`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-database': TwDatabase }
}
