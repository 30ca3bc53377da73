import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios'
import type { Config } from '../../config.js'
import { redactText } from '../../infra/logger.js'
import type { Metrics } from '../../metrics/registry.js'

/** Why a call to Alertmanager failed, in words a person can act on; `status` is what TovWatch answers. */
export class AlertmanagerError extends Error {
  constructor (readonly status: 400 | 404 | 502 | 503 | 504, message: string) {
    super(message)
    this.name = 'AlertmanagerError'
  }
}

export interface AmMatcher { name: string, value: string, isRegex: boolean, isEqual?: boolean }
export interface PostableSilence { id?: string, matchers: AmMatcher[], startsAt: string, endsAt: string, createdBy: string, comment: string }
export interface GettableSilence extends PostableSilence { id: string, status: { state: 'active' | 'pending' | 'expired' }, updatedAt: string }
export interface AmAlert {
  fingerprint: string
  labels: Record<string, string>
  status: { state: 'active' | 'suppressed' | 'unprocessed', silencedBy: string[], inhibitedBy: string[] }
}

export type AlertmanagerClient = ReturnType<typeof createAlertmanagerClient>

const RETRIES = 2
const LOOK_AGAIN_MS = 1000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Alertmanager's API v2, with a timeout on every call, a bounded retry and a metric. Reads and
 * expiring a silence are safe to repeat, so they retry on a network error, a timeout or a 5xx. A
 * POST that may have reached Alertmanager is never repeated (it would create a second silence):
 * only a refused connection, which proves it did not, is retried.
 */
export function createAlertmanagerClient (cfg: NonNullable<Config['alerts']['alertmanager']> & { url: string }, metrics: Metrics) {
  const http: AxiosInstance = axios.create({
    baseURL: `${cfg.url}/api/v2`,
    timeout: cfg.timeoutMs,
    auth: cfg.username !== undefined && cfg.password !== undefined ? { username: cfg.username, password: cfg.password } : undefined,
    headers: cfg.token !== undefined ? { authorization: `Bearer ${cfg.token}` } : {},
    validateStatus: () => true,
    maxRedirects: 0,
  })

  async function call<T> (req: AxiosRequestConfig, idempotent: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now()
      let outcome = 'ok'
      try {
        const r = await http.request<T>(req)
        if (r.status >= 200 && r.status < 300) return r.data
        outcome = r.status >= 500 ? 'server_error' : 'client_error'
        const text = redactText(typeof r.data === 'string' ? r.data : JSON.stringify(r.data ?? '')).slice(0, 300)
        if (r.status === 404) throw new AlertmanagerError(404, `Alertmanager has no such thing (404): ${text}`)
        if (r.status === 401 || r.status === 403) throw new AlertmanagerError(502, `Alertmanager refused TovWatch's credentials (${r.status}): check ALERTMANAGER_USERNAME/PASSWORD or ALERTMANAGER_TOKEN.`)
        if (r.status < 500) throw new AlertmanagerError(400, `Alertmanager refused it (${r.status}): ${text}`)
        if (!idempotent || attempt >= RETRIES) throw new AlertmanagerError(502, `Alertmanager failed (${r.status}): ${text}`)
      } catch (err) {
        if (err instanceof AlertmanagerError) throw err
        const e = err as { code?: string, message: string }
        const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT'
        outcome = timedOut ? 'timeout' : 'unreachable'
        const retryable = idempotent || e.code === 'ECONNREFUSED'
        if (!retryable || attempt >= RETRIES) {
          if (timedOut) {
            throw new AlertmanagerError(504, idempotent
              ? `Alertmanager did not answer within ${cfg.timeoutMs} ms.`
              : `Alertmanager did not answer within ${cfg.timeoutMs} ms; it may or may not have taken the request: look at the silences before trying again.`)
          }
          throw new AlertmanagerError(503, `Alertmanager is unreachable (${e.code ?? redactText(e.message)}).`)
        }
      } finally {
        metrics.externalCallDuration.observe({ target: 'alertmanager', outcome }, (performance.now() - started) / 1000)
      }
      await sleep(200 * 2 ** attempt)
    }
  }

  const silences = () => call<GettableSilence[]>({ method: 'GET', url: '/silences' }, true)

  /**
   * Create a silence. A POST that timed out may still have been taken: rather than answer "maybe",
   * look at the silences (twice, a second apart, for a request still being applied) for this exact one
   * and answer with its id. Only when it is not there does the timeout reach the user, saying so.
   */
  async function create (s: PostableSilence): Promise<{ silenceID: string }> {
    try {
      return await call<{ silenceID: string }>({ method: 'POST', url: '/silences', data: s }, false)
    } catch (err) {
      if (!(err instanceof AlertmanagerError) || err.status !== 504) throw err
      for (let look = 0; look < 2; look++) {
        if (look > 0) await sleep(LOOK_AGAIN_MS)
        const found = await silences().then((all) => all.find((g) => sameSilence(g, s)), () => undefined)
        if (found !== undefined) return { silenceID: found.id }
      }
      throw new AlertmanagerError(504, `Alertmanager did not answer within ${cfg.timeoutMs} ms, and the silence is not among its silences a second later: it was probably not created. Look at the silences before trying again.`)
    }
  }

  return {
    silences,
    silence: (id: string) => call<GettableSilence>({ method: 'GET', url: `/silence/${encodeURIComponent(id)}` }, true),
    create,
    expire: (id: string) => call<unknown>({ method: 'DELETE', url: `/silence/${encodeURIComponent(id)}` }, true),
    alerts: () => call<AmAlert[]>({ method: 'GET', url: '/alerts', params: { active: true, silenced: true, inhibited: true, unprocessed: true } }, true),
  }
}

/** The silence TovWatch asked for: same matchers, author, comment and end (Alertmanager may move a past start to now). */
export function sameSilence (got: GettableSilence, asked: PostableSilence): boolean {
  const key = (m: AmMatcher) => JSON.stringify([m.name, m.value, m.isRegex, m.isEqual ?? true])
  const a = got.matchers.map(key).sort()
  const b = asked.matchers.map(key).sort()
  return got.status.state !== 'expired' && got.createdBy === asked.createdBy && got.comment === asked.comment &&
    Date.parse(got.endsAt) === Date.parse(asked.endsAt) && a.length === b.length && a.every((k, i) => k === b[i])
}
