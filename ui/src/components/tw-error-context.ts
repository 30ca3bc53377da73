import { LitElement, css, html, nothing, type PropertyValues } from 'lit'
import { customElement, property, query, state } from 'lit/decorators.js'
import type { Static } from 'typebox'
import type { ContextResponse } from '../../../server/src/errors/context/schemas.js'
import type { AuditList } from '../../../server/src/scheduling/audit-read.js'
import { ApiError, type Api } from '../api.js'
import { formatTime } from '../format.js'
import { shared } from '../styles/tokens.js'
import type { ErrorSample } from '../types.js'

type Context = Static<typeof ContextResponse>
type ContextLine = Context['lines'][number]
type Audit = Static<typeof AuditList>

const SIZES = [10, 20, 50, 100, 200] as const
const LEVEL_SEV: Record<string, string> = { fatal: 'critical', critical: 'critical', error: 'high', warn: 'medium', warning: 'medium' }

/**
 * The lines around one sample in its own stream, in a modal dialog: the sample highlighted
 * and focused, JSON lines shown by their fields (level, msg, err, reqId) with the raw line one
 * click away, a request id opening the scheduling core's audit entries of that request, and
 * Grafana Explore when configured. Escape or Close returns focus to the button that opened it.
 */
@customElement('tw-error-context')
export class TwErrorContext extends LitElement {
  static override styles = [shared, css`
    dialog { width: min(70rem, calc(100vw - 1rem)); max-height: calc(100vh - 2rem); padding: 0; border: 1px solid var(--border-strong); border-radius: 8px; background: var(--bg-card); color: var(--fg); }
    dialog::backdrop { background: rgb(0 0 0 / 45%); }
    header { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between; padding: 0.75rem 1rem; border-bottom: 1px solid var(--border); position: sticky; top: 0; background: var(--bg-card); z-index: 1; }
    header h2 { margin: 0; font-size: 1.05rem; }
    .stream { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.8rem; color: var(--muted); overflow-wrap: anywhere; }
    .tools { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    .tools label { font-size: 0.85rem; color: var(--muted); display: inline-flex; gap: 0.35rem; align-items: center; }
    .body { padding: 0.5rem 1rem 1rem; }
    ol { list-style: none; margin: 0; padding: 0; }
    li.line { display: grid; grid-template-columns: 7.5rem minmax(0, 1fr); gap: 0.15rem 0.75rem; padding: 0.35rem 0.5rem; border-left: 4px solid transparent; border-bottom: 1px solid var(--border); font-size: 0.82rem; }
    li.line.sample { border-left-color: var(--accent); background: var(--info-bg); }
    li.line:focus { outline: 3px solid var(--focus); outline-offset: -3px; }
    time { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
    .text, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
    pre.err { color: var(--danger-fg); margin-top: 0.25rem; }
    .marker { font-weight: 700; color: var(--accent); margin-right: 0.4rem; }
    .meta { display: flex; flex-wrap: wrap; gap: 0.35rem 0.6rem; align-items: center; margin-top: 0.2rem; }
    details summary { cursor: pointer; color: var(--muted); font-size: 0.78rem; }
    details pre { background: var(--bg); border: 1px solid var(--border); border-radius: 4px; padding: 0.35rem 0.5rem; margin-top: 0.25rem; }
    button.link { min-height: 0; padding: 0.05rem 0.4rem; font-size: 0.78rem; }
    .edge { color: var(--muted); font-size: 0.8rem; padding: 0.35rem 0.5rem; font-style: italic; }
    .audit { margin: 0.35rem 0 0.2rem; padding: 0.4rem 0.6rem; border: 1px solid var(--border); border-radius: 6px; background: var(--bg); }
    .audit table { font-size: 0.8rem; }
    a { color: var(--link, var(--accent)); }
    @media (max-width: 40rem) {
      li.line { grid-template-columns: minmax(0, 1fr); }
      header { padding: 0.5rem; }
      .body { padding: 0.25rem 0.5rem 0.75rem; }
    }
  `]

  @property({ attribute: false }) api: Api | undefined
  /** The sample to show; setting it opens the dialog. */
  @property({ attribute: false }) sample: ErrorSample | undefined
  @state() private data: Context | undefined
  @state() private error: string | undefined
  @state() private loading = false
  @state() private size = 20
  @state() private audits = new Map<string, Audit | string>()
  @query('dialog') private dialog!: HTMLDialogElement
  private opener: HTMLElement | undefined
  private controller: AbortController | undefined

  protected override updated (changed: PropertyValues<this>) {
    if (changed.has('sample') && this.sample !== undefined) {
      this.opener = deepActive()
      if (!this.dialog.open) this.dialog.showModal()
      this.load().catch(() => {})
    }
  }

  override disconnectedCallback () {
    super.disconnectedCallback()
    this.controller?.abort()
  }

  private async load () {
    const s = this.sample
    if (s === undefined || this.api === undefined) return
    this.controller?.abort()
    const ac = this.controller = new AbortController()
    this.loading = true
    this.error = undefined
    try {
      const data = await this.api.get<Context>('/errors/context', { labels: JSON.stringify(s.labels), tsNs: s.tsNs, lineHash: s.lineHash, before: this.size, after: this.size }, ac.signal)
      if (ac.signal.aborted) return
      this.data = data
      this.audits = new Map()
      await this.updateComplete
      const mark = this.renderRoot.querySelector<HTMLElement>('li.sample')
      mark?.scrollIntoView({ block: 'center' })
      mark?.focus({ preventScroll: true })
    } catch (err) {
      if (ac.signal.aborted) return
      this.data = undefined
      this.error = err instanceof ApiError ? err.message : 'The lines around this sample could not be loaded.'
    } finally {
      if (this.controller === ac) this.loading = false
    }
  }

  private close () {
    this.dialog.close()
  }

  private onClosed () {
    this.controller?.abort()
    this.sample = undefined
    this.data = undefined
    this.dispatchEvent(new CustomEvent('tw-close', { bubbles: true, composed: true }))
    this.opener?.focus()
  }

  private onSize (e: Event) {
    this.size = Number((e.target as HTMLSelectElement).value)
    this.load().catch(() => {})
  }

  /** `key`: the line's place, so the entries open under the line whose button was pressed. */
  private async toggleAudit (key: string, requestId: string) {
    const next = new Map(this.audits)
    if (next.has(key)) {
      next.delete(key)
      this.audits = next
      return
    }
    next.set(key, 'Loading the audit entries…')
    this.audits = next
    let value: Audit | string
    try {
      value = await (this.api as Api).get<Audit>('/scheduling/audit', { requestId })
    } catch (err) {
      value = err instanceof ApiError && err.status === 403 ? 'The audit entries need the admin role.' : err instanceof ApiError ? err.message : 'The audit entries could not be loaded.'
    }
    if (this.audits.has(key)) this.audits = new Map(this.audits).set(key, value)
  }

  override render () {
    const d = this.data
    const stream = Object.entries(this.sample?.labels ?? d?.stream ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')
    return html`
      <dialog aria-labelledby="ctx-title" @close=${this.onClosed}>
        <header>
          <div>
            <h2 id="ctx-title">Lines around the sample</h2>
            <div class="stream">${stream}</div>
          </div>
          <div class="tools">
            <label>Lines each side
              <select @change=${this.onSize} .value=${String(this.size)}>${SIZES.map((n) => html`<option value=${n} ?selected=${n === this.size}>${n}</option>`)}</select>
            </label>
            ${d?.exploreUrl !== undefined ? html`<a href=${d.exploreUrl} target="_blank" rel="noopener noreferrer">Open in Grafana Explore</a>` : nothing}
            <button @click=${this.close}>Close</button>
          </div>
        </header>
        <div class="body" aria-busy=${this.loading ? 'true' : 'false'}>
          ${this.error !== undefined ? html`<p class="banner danger" role="alert">${this.error}</p>` : nothing}
          ${this.loading && d === undefined ? html`<p class="muted" role="status">Loading…</p>` : nothing}
          ${d !== undefined ? this.renderLines(d) : nothing}
        </div>
      </dialog>`
  }

  private renderLines (d: Context) {
    // Loki is searched up to an hour each way (logs/loki/context.ts); a file, whole.
    const within = d.source === 'files' ? 'in this log file' : 'within an hour of the sample'
    return html`
      ${d.match === 'time' ? html`<p class="banner warn">The sample's own line was not found; this is the line of the same instant in its stream.</p>` : nothing}
      <p class="edge">${d.moreBefore ? 'Earlier lines exist: choose more lines each side to see them.' : `No earlier lines ${within}.`}</p>
      <ol aria-label="Log lines, oldest first">${d.lines.map((l, i) => this.renderLine(l, String(i)))}</ol>
      <p class="edge">${d.moreAfter ? 'Later lines exist: choose more lines each side to see them.' : `No later lines ${within}.`}</p>`
  }

  private renderLine (l: ContextLine, key: string) {
    const f = l.fields
    const audit = this.audits.get(key)
    return html`
      <li class="line ${l.sample === true ? 'sample' : ''}" tabindex=${l.sample === true ? '0' : nothing} aria-current=${l.sample === true ? 'true' : nothing}>
        <time datetime=${l.ts}>${formatTime(l.ts)}</time>
        <div>
          ${l.sample === true ? html`<span class="marker">▶ Sample</span>` : nothing}
          ${f !== undefined
            ? html`${f.level !== undefined ? html`<span class="sev ${LEVEL_SEV[f.level] ?? 'low'}">${f.level}</span> ` : nothing}<span class="text">${f.msg ?? ''}</span>
                ${f.err !== undefined ? html`<pre class="err">${f.err}</pre>` : nothing}`
            : html`<span class="text">${l.line}</span>`}
          <div class="meta">
            ${l.requestId !== undefined
              ? html`<button class="link" aria-expanded=${audit !== undefined ? 'true' : 'false'} @click=${() => { this.toggleAudit(key, l.requestId as string).catch(() => {}) }}>Audit entries of request ${l.requestId}</button>`
              : nothing}
            ${f !== undefined ? html`<details><summary>Raw line</summary><pre>${l.line}</pre></details>` : nothing}
            ${l.truncated === true ? html`<span class="muted">(line cut)</span>` : nothing}
          </div>
          ${audit !== undefined ? this.renderAudit(audit, l) : nothing}
        </div>
      </li>`
  }

  private renderAudit (a: Audit | string, l: ContextLine) {
    if (typeof a === 'string') return html`<div class="audit" role="status">${a}</div>`
    return html`<div class="audit">
      ${a.items.length === 0
        ? html`<p class="muted">No audit entries for request ${l.requestId}: it changed nothing in the scheduling core.</p>`
        : html`<div class="table-wrap"><table><caption class="sr-only">Audit entries of request ${l.requestId}</caption>
            <thead><tr><th>When</th><th>Who</th><th>Action</th><th>Entity</th></tr></thead>
            <tbody>${a.items.map((e) => html`<tr><td>${formatTime(e.at)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.entity} ${e.entityId}</td></tr>`)}</tbody>
          </table></div>`}
      ${l.auditUrl !== undefined ? html`<a href=${l.auditUrl} target="_blank" rel="noopener">As JSON</a>` : nothing}
    </div>`
  }
}

/** The focused element, through shadow roots (the opener lives in another component's). */
function deepActive (): HTMLElement | undefined {
  let el = document.activeElement
  while (el?.shadowRoot?.activeElement != null) el = el.shadowRoot.activeElement
  return el instanceof HTMLElement ? el : undefined
}

declare global {
  interface HTMLElementTagNameMap { 'tw-error-context': TwErrorContext }
}
