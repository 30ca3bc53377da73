import { LitElement, css, html } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { sparklinePoints } from '../charts/columns.js'
import { formatCount, formatTime } from '../format.js'
import type { Api } from '../api.js'
import type { ErrorGroup } from '../types.js'
import './tw-age.js'
import './tw-error-actions.js'

/**
 * Styles for tw-error-group, adopted by the list that holds the groups: the rows render
 * into the list's shadow root (no shadow root per row), so 500 of them stay cheap, and
 * content-visibility skips layout and paint for the rows off screen.
 */
export const errorGroupStyles = css`
    tw-error-group { display: block; border-bottom: 1px solid var(--border); content-visibility: auto; contain-intrinsic-size: auto 3.4rem; }
    tw-error-group[highlight] { background: var(--bg-hover); box-shadow: inset 3px 0 0 var(--accent); }
    tw-error-group .row { display: grid; grid-template-columns: 5.5rem minmax(0, 1fr) 5rem 96px 10rem; gap: 0.25rem 0.75rem; align-items: center; padding: 0.45rem 0.25rem; }
    tw-error-group button.toggle { all: unset; cursor: pointer; display: block; min-width: 0; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; border-radius: 3px; }
    tw-error-group button.toggle:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    tw-error-group button.toggle::before { content: "▸ "; color: var(--muted); }
    tw-error-group button.toggle[aria-expanded=true]::before { content: "▾ "; }
    tw-error-group .labels { display: block; color: var(--muted); font-family: inherit; font-size: 0.78rem; margin-top: 0.15rem; }
    tw-error-group .count { font-weight: 700; }
    tw-error-group .seen { font-size: 0.78rem; color: var(--muted); line-height: 1.3; }
    tw-error-group svg { width: 96px; height: 24px; display: block; color: var(--spark, var(--accent)); overflow: visible; }
    tw-error-group .samples { margin: 0 0.25rem 0.6rem 6rem; padding: 0; list-style: none; }
    tw-error-group .samples li { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.8rem; white-space: pre-wrap; overflow-wrap: anywhere; padding: 0.35rem 0.5rem; background: var(--bg); border: 1px solid var(--border); border-radius: 4px; margin-top: 0.3rem; }
    tw-error-group .samples time { color: var(--muted); display: block; }
    tw-error-group .samples button.context { float: right; min-height: 0; padding: 0.1rem 0.5rem; margin: 0 0 0.25rem 0.5rem; font-size: 0.78rem; font-family: system-ui, sans-serif; }
    tw-error-group .explore { margin: 0.3rem 0 0; font-size: 0.82rem; }
    tw-error-group .badge { display: inline-block; font-family: system-ui, sans-serif; font-size: 0.7rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.03em; border-radius: 3px; padding: 0 0.3rem; margin-right: 0.35rem; border: 1px solid var(--border-strong); color: var(--muted); }
    tw-error-group .badge.new { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
    tw-error-group .badge.regressed { background: var(--danger-bg); border-color: var(--danger-border); color: var(--danger-fg); }
    @media (max-width: 720px) {
      tw-error-group .row { grid-template-columns: auto minmax(0, 1fr) auto; }
      tw-error-group .toggle-cell { grid-column: 1 / -1; grid-row: 1; }
      tw-error-group .seen { grid-column: 1 / -1; }
      tw-error-group .samples { margin-left: 0.25rem; }
    }
  `

/** One error group: template, count, first/last seen, sparkline; expands to its sample lines. */
@customElement('tw-error-group')
export class TwErrorGroup extends LitElement {
  @property({ attribute: false }) group: ErrorGroup | undefined
  @property({ type: Boolean, reflect: true }) expanded = false
  /** Embedded (a Grafana panel): no surrounding lines, which need a logged-in viewer. */
  @property({ type: Boolean }) noContext = false
  /** Set where a person may triage (not in embeds): the expanded group shows resolve and mute. */
  @property({ attribute: false }) api: Api | undefined

  protected override createRenderRoot () { return this }

  /** A sample asks for the lines around it (tw-error-context, opened by the list). */
  private openContext (sample: ErrorGroup['samples'][number]) {
    this.dispatchEvent(new CustomEvent('tw-error-context', { detail: { sample }, bubbles: true, composed: true }))
  }

  private toggle () {
    this.dispatchEvent(new CustomEvent('tw-toggle', { detail: { fingerprint: this.group?.fingerprint, expanded: !this.expanded }, bubbles: true, composed: true }))
  }

  override render () {
    const g = this.group
    if (g === undefined) return ''
    const labels = Object.entries(g.labels).map(([k, v]) => `${k}=${v}`).join(' ')
    const id = `samples-${g.fingerprint}`
    return html`
      <div class="row">
        <span><span class="sev ${g.severity}">${g.severity}</span></span>
        <div class="toggle-cell"><button class="toggle" aria-expanded=${this.expanded ? 'true' : 'false'} aria-controls=${id} @click=${this.toggle}>${badges(g)}${g.template}<span class="labels">${labels}</span></button></div>
        <span class="num count" title="occurrences in range">${formatCount(g.count)}<span class="sr-only"> ${g.count === 1 ? 'occurrence' : 'occurrences'}</span></span>
        <svg viewBox="0 0 96 24" preserveAspectRatio="none" aria-hidden="true" focusable="false"><polyline points=${sparklinePoints(g.sparkline, 96, 24, 1.5)} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"></polyline></svg>
        <span class="seen">first ${formatTime(g.firstSeen)}<br>last ${formatTime(g.lastSeen)}</span>
      </div>
      ${this.expanded && this.api !== undefined ? html`<tw-error-actions .api=${this.api} .group=${g}></tw-error-actions>` : ''}
      ${this.expanded
        ? html`<ul class="samples" id=${id} aria-label="Sample lines">
            ${g.samples.length === 0 ? html`<li>No samples kept for this group.</li>` : g.samples.map((s) => html`<li>${this.noContext ? '' : html`<button class="context" @click=${() => this.openContext(s)}>Lines around this sample</button>`}<time datetime=${s.ts}>${formatTime(s.ts)} ${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(' ')}</time>${s.line}</li>`)}
            ${g.exploreUrl !== undefined ? html`<li class="explore"><a href=${g.exploreUrl} target="_blank" rel="noopener noreferrer">Open this group in Grafana Explore</a></li>` : ''}
          </ul>`
        : ''}`
  }
}

/** new, regressed, resolved, muted: from the group's lifecycle (errors/lifecycle/), with who and when in the title. */
function badges (g: ErrorGroup) {
  const l = g.lifecycle
  if (l === undefined) return ''
  return html`${l.new ? html`<span class="badge new" title=${`first seen ever ${formatTime(l.firstSeenEver)}`}>new</span>` : ''}${l.regressed ? html`<span class="badge regressed" title="seen again after it was resolved">regressed</span>` : ''}${l.resolved === null ? '' : html`<span class="badge resolved" title=${`resolved by ${l.resolved.by} ${formatTime(l.resolved.at)}`}>resolved</span>`}${l.muted === null ? '' : html`<span class="badge muted" title=${`muted by ${l.muted.by} ${formatTime(l.muted.at)}`}>${l.muted.until === null ? 'muted' : `muted until ${formatTime(l.muted.until)}`}</span>`}`
}

declare global {
  interface HTMLElementTagNameMap { 'tw-error-group': TwErrorGroup }
}
