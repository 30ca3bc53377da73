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

  return {
    silences: () => call<GettableSilence[]>({ method: 'GET', url: '/silences' }, true),
    silence: (id: string) => call<GettableSilence>({ method: 'GET', url: `/silence/${encodeURIComponent(id)}` }, true),
    create: (s: PostableSilence) => call<{ silenceID: string }>({ method: 'POST', url: '/silences', data: s }, false),
    expire: (id: string) => call<unknown>({ method: 'DELETE', url: `/silence/${encodeURIComponent(id)}` }, true),
    alerts: () => call<AmAlert[]>({ method: 'GET', url: '/alerts', params: { active: true, silenced: true, inhibited: true, unprocessed: true } }, true),
  }
}
