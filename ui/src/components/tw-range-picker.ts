import { LitElement, css, html, type PropertyValues } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { formatDuration, parseDuration, parseTimeExpr } from '../../../shared/time-range.js'
import { shared } from '../styles/tokens.js'
import type { UiState } from '../url-state.js'

const PRESETS = ['15m', '1h', '6h', '24h', '7d'] as const
const RELATIVE = /^now\s*-\s*\d{1,6}\s*[mhd]$/i

/** The range a From/To pair asks for, or what is wrong with it (naming the field). */
export function rangeOf (fromRaw: string, toRaw: string, maxDays: number, now = Date.now()): { patch: Pick<UiState, 'range' | 'start' | 'end'> } | { field: 'from' | 'to', error: string } {
  const from = parseTimeExpr(fromRaw, now)
  if ('error' in from) return { field: 'from', error: `From: ${from.error}` }
  const to = parseTimeExpr(toRaw, now)
  if ('error' in to) return { field: 'to', error: `To: ${to.error}` }
  if (from.ms >= to.ms) return { field: 'from', error: 'From must be before To' }
  if (to.ms - from.ms > maxDays * 86_400_000) return { field: 'from', error: `The range is ${((to.ms - from.ms) / 86_400_000).toFixed(1)} days; the longest is ${maxDays} days` }
  if (to.ms > now + 86_400_000) return { field: 'to', error: 'To is more than a day in the future' }
  const toNow = toRaw.trim().toLowerCase() === 'now'
  // "now-2h … now" stays relative (and live); anything else is a fixed window.
  if (toNow && RELATIVE.test(fromRaw.trim())) return { patch: { range: formatDuration(to.ms - from.ms), start: '', end: '' } }
  const keep = (raw: string, ms: number) => RELATIVE.test(raw.trim()) || raw.trim().toLowerCase() === 'now' ? raw.trim().toLowerCase().replace(/\s+/g, '') : new Date(ms).toISOString()
  return { patch: { range: 'custom', start: keep(fromRaw, from.ms), end: keep(toRaw, to.ms) } }
}

/**
 * The error feed's range: preset buttons, and From/To that take relative times (now, now-2h,
 * 15m) and absolute ones (2026-11-22 02:00, ISO, epoch ms), with a clear message for bad input.
 * Asks for a change with a `tw-range` event (detail: range, start, end), never sets it itself.
 */
@customElement('tw-range-picker')
export class TwRangePicker extends LitElement {
  static override styles = [shared, css`
    :host { display: flex; flex-wrap: wrap; gap: 0.5rem 0.75rem; align-items: flex-end; }
    fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.25rem; }
    legend, label { font-size: 0.8rem; color: var(--muted); display: block; margin-bottom: 0.2rem; padding: 0; }
    button[aria-pressed=true] { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }
    .pick { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: flex-end; }
    input { width: 11.5rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    input[aria-invalid=true] { border-color: var(--sev-critical); border-width: 2px; }
    .field-error { flex-basis: 100%; color: var(--danger-fg); background: var(--danger-bg); border-radius: 4px; padding: 0.25rem 0.5rem; margin: 0; font-size: 0.85rem; }
  `]

  @property() range = '1h'
  @property() start = ''
  @property() end = ''
  @property({ type: Number }) maxDays = 7

  @state() private from = ''
  @state() private to = ''
  @state() private error: { field: 'from' | 'to', error: string } | undefined

  protected override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('range') || changed.has('start') || changed.has('end')) {
      const custom = this.range === 'custom'
      this.from = custom ? this.start : `now-${this.range}`
      this.to = custom ? (this.end === '' ? 'now' : this.end) : 'now'
      this.error = undefined
    }
  }

  private emit (patch: Pick<UiState, 'range' | 'start' | 'end'>) {
    this.dispatchEvent(new CustomEvent('tw-range', { detail: patch, bubbles: true, composed: true }))
  }

  private readonly onKey = (e: KeyboardEvent) => { if (e.key === 'Enter') this.apply(e) }

  /** Not a form of its own: the picker sits inside the page's search form, whose submit is the search. */
  private apply (e: Event) {
    e.preventDefault()
    e.stopPropagation()
    // A bare duration in From ("15m") means the last 15 minutes.
    const from = parseDuration(this.from) !== undefined ? `now-${this.from.trim()}` : this.from
    const r = rangeOf(from, this.to, this.maxDays)
    if ('error' in r) { this.error = r; return }
    this.error = undefined
    this.emit(r.patch)
  }

  override render () {
    const err = this.error
    return html`
      <fieldset><legend>Range</legend>
        ${PRESETS.map((r) => html`<button type="button" aria-pressed=${this.range === r ? 'true' : 'false'} @click=${() => { this.emit({ range: r, start: '', end: '' }) }}>${r}</button>`)}
      </fieldset>
      <div class="pick" role="group" aria-label="Time range">
        <div><label for="from">From</label><input id="from" autocomplete="off" spellcheck="false" placeholder="now-6h or 2026-11-22 02:00" .value=${this.from}
          aria-invalid=${err?.field === 'from' ? 'true' : 'false'} aria-describedby="range-error" @keydown=${this.onKey} @input=${(e: Event) => { this.from = (e.target as HTMLInputElement).value }}></div>
        <div><label for="to">To</label><input id="to" autocomplete="off" spellcheck="false" placeholder="now" .value=${this.to}
          aria-invalid=${err?.field === 'to' ? 'true' : 'false'} aria-describedby="range-error" @keydown=${this.onKey} @input=${(e: Event) => { this.to = (e.target as HTMLInputElement).value }}></div>
        <button type="button" @click=${this.apply}>Apply</button>
        ${err === undefined ? '' : html`<p id="range-error" class="field-error" role="alert">${err.error}</p>`}
      </div>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-range-picker': TwRangePicker }
}
