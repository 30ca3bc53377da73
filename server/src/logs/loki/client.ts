/**
 * One HTTP attempt against Loki with axios: auth headers from config, a timeout,
 * and every failure mapped to a LokiHttpError kind that the retry loop and the
 * error mapping understand. Credentials never appear in a message.
 */
import axios, { type AxiosInstance } from 'axios'
import type { Config } from '../../config.js'
import { redactText } from '../../infra/logger.js'
import { parseSizeLimit } from './budget.js'
import { parseRetryAfter } from './retry.js'

export type LokiErrorKind =
  | 'rate_limited' | 'server_error' | 'timeout' | 'network'
  | 'bad_request' | 'bad_regex' | 'too_long' | 'limit_too_high' | 'too_large' | 'auth' | 'aborted'
  /** Loki (or a proxy in front of it) answered 200 with something that is not a Loki answer. */
  | 'bad_answer'

export class LokiHttpError extends Error {
  constructor (
    readonly kind: LokiErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The server's max_entries_limit_per_query, parsed from its 400. */
    readonly maxEntries?: number,
    /** The server's query-size limit in bytes, parsed from its 400 `input size too long (N > M)`. */
    readonly sizeLimit?: number
  ) {
    super(message)
    this.name = 'LokiHttpError'
  }
}

export const RETRYABLE: ReadonlySet<LokiErrorKind> = new Set(['rate_limited', 'server_error', 'timeout', 'network'])

/** Loki's error bodies are plain text; keep them short, single-line and free of secrets. */
export function sanitizeBody (body: unknown, max = 300): string {
  const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body)
  // eslint-disable-next-line no-control-regex
  const flat = redactText(text).replace(/[\x00-\x1f\x7f]+/g, ' ').trim()
  return flat.length > max ? flat.slice(0, max) + '…' : flat
}

/** What a body that is not JSON looks like, for the message: its start, printable and short. */
export function describeBody (body: unknown): string {
  const text = typeof body === 'string' ? body : String(body)
  if (text.trim() === '') return 'an empty body'
  const head = sanitizeBody(text.replace(/[^\x20-\x7e]+/g, ' '), 60)
  return `${text.length} bytes starting "${head}"`
}

export function classify (status: number, body: string, retryAfter: string | undefined): LokiHttpError {
  const msg = sanitizeBody(body)
  if (status === 429) return new LokiHttpError('rate_limited', msg || 'too many requests', status, parseRetryAfter(retryAfter))
  if (status === 401 || status === 403) return new LokiHttpError('auth', `Loki refused the credentials (${status})`, status)
  const size = status === 400 ? parseSizeLimit(body) : undefined
  if (size !== undefined) return new LokiHttpError('too_large', msg, status, undefined, undefined, size.limit)
  if (/error parsing regexp|invalid escape sequence|invalid or unsupported Perl syntax/i.test(body)) return new LokiHttpError('bad_regex', msg, status)
  if (status >= 500) return new LokiHttpError('server_error', msg || `status ${status}`, status, parseRetryAfter(retryAfter))
  const limit = /max entries limit per query exceeded.*\(\d+ > (\d+)\)/.exec(body)
  if (limit !== null) return new LokiHttpError('limit_too_high', msg, status, undefined, Number(limit[1]))
  if (/query time range exceeds the limit|time range exceeds/i.test(body)) return new LokiHttpError('too_long', msg, status)
  return new LokiHttpError('bad_request', msg || `status ${status}`, status)
}

export interface LokiHttp {
  /** One GET; resolves to the parsed JSON body of a 200, throws LokiHttpError otherwise. */
  get: (path: string, params: Record<string, string>, opts: { signal: AbortSignal, timeoutMs: number }) => Promise<unknown>
  /** A plain GET (/ready, /config): resolves to the status and the body (sanitized to `maxBody` characters), throws LokiHttpError only when there is no answer. */
  probe: (path: string, timeoutMs: number, maxBody?: number) => Promise<{ status: number, body: string }>
}

export function createLokiHttp (loki: Config['loki']): LokiHttp {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (loki.tenant !== undefined) headers['X-Scope-OrgID'] = loki.tenant
  if (loki.token !== undefined) headers.Authorization = `Bearer ${loki.token}`
  const client: AxiosInstance = axios.create({
    baseURL: loki.url,
    headers,
    auth: loki.username !== undefined && loki.password !== undefined ? { username: loki.username, password: loki.password } : undefined,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: 256 * 1024 * 1024,
  })
  return {
    async probe (path, timeoutMs, maxBody) {
      try {
        const res = await client.get<string>(path, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain, application/json, application/yaml' } })
        return { status: res.status, body: maxBody === undefined ? sanitizeBody(res.data, 120) : String(res.data).slice(0, maxBody) }
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code === 'ERR_CANCELED') throw new LokiHttpError('timeout', `no answer within ${timeoutMs} ms`)
        throw new LokiHttpError('network', `cannot reach Loki (${code ?? 'network error'})`)
      }
    },
    async get (path, params, { signal, timeoutMs }) {
      if (signal.aborted) throw new LokiHttpError('aborted', 'cancelled')
      const timeout = AbortSignal.timeout(timeoutMs)
      let res
      try {
        res = await client.get<string>(path, { params, signal: AbortSignal.any([signal, timeout]) })
      } catch (err) {
        if (signal.aborted) throw new LokiHttpError('aborted', 'cancelled')
        if (timeout.aborted) throw new LokiHttpError('timeout', `no answer within ${timeoutMs} ms`)
        const code = (err as { code?: string }).code
        throw new LokiHttpError('network', `cannot reach Loki (${code ?? 'network error'})`)
      }
      if (res.status === 200) {
        try {
          return JSON.parse(res.data)
        } catch {
          throw new LokiHttpError('bad_answer', `Loki's answer was not understood: expected JSON (${path}), got ${describeBody(res.data)}`, 200)
        }
      }
      const ra = res.headers['retry-after']
      throw classify(res.status, res.data, typeof ra === 'string' ? ra : undefined)
    },
  }
}
