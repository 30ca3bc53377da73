import { LitElement, css, html } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import { ApiError, createApi } from '../api.js'
import { basePath } from '../env.js'
import { safeNext } from '../safe-next.js'
import { shared } from '../styles/tokens.js'

/** The login page: trade a token for a session cookie, then go back where the user was going. */
@customElement('tw-login')
export class TwLogin extends LitElement {
  static override styles = [shared, css`
    :host { display: flex; min-height: 100vh; align-items: center; justify-content: center; padding: 1rem; }
    main { width: 100%; max-width: 24rem; }
    h1 { font-size: 1.4rem; margin: 0 0 0.25rem; }
    form { display: flex; flex-direction: column; gap: 0.6rem; margin-top: 1rem; }
    label { font-weight: 600; }
    .err { color: var(--danger-fg); background: var(--danger-bg); padding: 0.4rem 0.6rem; border-radius: 4px; margin: 0; }
  `]

  @state() private error = ''
  @state() private busy = false
  private readonly base = basePath()
  private readonly api = createApi({ base: this.base })

  private async submit (e: Event) {
    e.preventDefault()
    const token = String(new FormData(e.target as HTMLFormElement).get('token') ?? '').trim()
    if (token === '') { this.error = 'Enter your access token.'; return }
    this.busy = true
    try {
      await this.api.login(token)
      // The browser keeps the view's #hash across the redirect to this page: keep it going back.
      const next = safeNext(new URLSearchParams(location.search).get('next'), this.base, location.origin)
      location.assign(next.includes('#') ? next : next + location.hash)
    } catch (err) {
      this.error = err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : `Login failed: ${(err as Error).message}`
      this.busy = false
    }
  }

  override render () {
    return html`<main class="card">
      <h1>TovWatch</h1>
      <p class="muted">Log in with your access token. It is kept only as an httpOnly session cookie.</p>
      <form @submit=${this.submit}>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus
          aria-invalid=${this.error ? 'true' : 'false'} aria-describedby="login-error">
        <p id="login-error" class="err" role="alert" ?hidden=${this.error === ''}>${this.error}</p>
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </main>`
  }
}

declare global {
  interface HTMLElementTagNameMap { 'tw-login': TwLogin }
}
