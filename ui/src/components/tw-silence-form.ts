import { LitElement, css, html, nothing } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { formatMatcher, matchesAll, type Matcher } from '../../../server/src/alerts/matchers.js'
import { browserCompile, parseChip, silenceMatchersFor } from '../alert-groups.js'
import { ApiError } from '../api.js'
import type { AppContext } from '../context.js'
import { shared } from '../styles/tokens.js'

const DURATIONS: Array<[string, number]> = [['1 hour', 1], ['2 hours', 2], ['4 hours', 4], ['1 day', 24], ['3 days', 72], ['1 week', 168]]

/** Create a silence: matchers pre-filled from an alert or a group, how many firing alerts it would mute, then POST. */
@customElement('tw-silence-form')
export class TwSilenceForm extends LitElement {
  static override styles = [shared, css`
    :host { display: block; border: 2px solid var(--border); border-radius: 8px; padding: 0.7rem; margin-bottom: 1rem; background: var(--bg-card); }
    h3 { margin: 0 0 0.5rem; }
    textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.4rem 0; }
    .row input[name=comment] { flex: 1 1 16rem; min-width: 0; }
    .err { color: var(--danger-fg); }
    .reach { font-weight: 700; }
  `]

  @property({ attribute: false }) ctx!: AppContext
  @property({ attribute: false }) labels: Record<string, string> = {}
  @property() heading = ''
  @state() private text = ''
  @state() private error = ''
  @state() private needsConfirm = ''
  @state() private busy = false
  private seeded: Record<string, string> | undefined

  protected override willUpdate (): void {
    if (this.seeded !== this.labels) {
      this.seeded = this.labels
      this.text = silenceMatchersFor(this.labels).map(formatMatcher).join('\n')
      this.error = ''
      this.needsConfirm = ''
    }
  }

  private parsed (): { matchers: Matcher[], errors: string[] } {
    const matchers: Matcher[] = []
    const errors: string[] = []
    for (const line of this.text.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
      const r = parseChip(line)
      if ('matcher' in r) matchers.push(r.matcher)
      else errors.push(r.error)
    }
    return { matchers, errors }
  }

  private async submit (e: Event, confirm = false) {
    e.preventDefault()
    const { matchers, errors } = this.parsed()
    if (errors.length > 0 || matchers.length === 0) { this.error = errors[0] ?? 'Add at least one matcher.'; return }
    const form = this.renderRoot.querySelector('form') as HTMLFormElement
    const data = new FormData(form)
    const hours = Number(data.get('hours'))
    const now = Date.now()
    this.busy = true
    try {
      const r = await this.ctx.api.createSilence({
        matchers: matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.op.endsWith('~'), isEqual: m.op.startsWith('=') })),
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + hours * 3600_000).toISOString(),
        comment: String(data.get('comment') ?? '').trim() || 'silenced from TovWatch',
      }, confirm)
      this.dispatchEvent(new CustomEvent('tw-silenced', { detail: r, bubbles: true, composed: true }))
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) this.needsConfirm = err.message
      else this.error = (err as Error).message
    } finally {
      this.busy = false
    }
  }

  private cancel () {
    this.dispatchEvent(new CustomEvent('tw-silence-cancel', { bubbles: true, composed: true }))
  }

  override render () {
    const { matchers, errors } = this.parsed()
    const firing = this.ctx.alerts.list.filter((a) => a.status === 'firing')
    const reach = errors.length === 0 && matchers.length > 0 ? firing.filter((a) => matchesAll(matchers, a.labels, browserCompile)).length : null
    return html`
      <h3>Silence ${this.heading}</h3>
      <form @submit=${(e: Event) => this.submit(e)} aria-label="New silence">
        <label for="matchers">Matchers, one a line (Alertmanager syntax: =, !=, =~, !~)</label>
        <textarea id="matchers" rows=${Math.min(8, Math.max(2, this.text.split('\n').length))} .value=${this.text}
          @input=${(e: Event) => { this.text = (e.target as HTMLTextAreaElement).value; this.needsConfirm = ''; this.error = '' }}></textarea>
        <p class="reach" role="status">${reach === null ? '' : `Would silence ${reach} of ${firing.length} firing alerts now.`}${reach === 0 ? ' (None right now: it will mute matching alerts when they fire.)' : ''}</p>
        ${errors.map((m) => html`<p class="err">${m}</p>`)}
        <div class="row">
          <label>For <select name="hours">${DURATIONS.map(([t, h]) => html`<option value=${h} ?selected=${h === 2}>${t}</option>`)}</select></label>
          <input name="comment" maxlength="500" placeholder="Why (shown in Alertmanager)" aria-label="Comment" required>
        </div>
        <div class="row">
          <button class="primary" type="submit" ?disabled=${this.busy || errors.length > 0}>Create silence</button>
          <button type="button" @click=${this.cancel}>Cancel</button>
        </div>
        ${this.needsConfirm ? html`<p class="err" role="alert">${this.needsConfirm} <button type="button" @click=${(e: Event) => this.submit(e, true)}>Create it anyway</button></p>` : nothing}
        ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : nothing}
      </form>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-silence-form': TwSilenceForm }
}
