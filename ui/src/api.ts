import type { MutingState } from './alert-groups.js'
import { readCookie } from './env.js'
import type { NewSilence, SilenceCreated, SilencesResponse } from './silence-types.js'
import type { AlertsResponse, Alert, ApiErrorBody, ConnectionsResponse, DatabaseResponse, TableHistoryResponse, TrendsResponse, ErrorsResponse, GroupLifecycleAnswer, HealthResponse, Me, Severity, TerminateResponse } from './types.js'

export class ApiError extends Error {
  constructor (readonly status: number, message: string, readonly field?: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface ApiOptions {
  base: string
  /** Grafana embeds authenticate with a signed token instead of the session cookie. */
  embedToken?: string
  fetch?: typeof fetch
  cookies?: () => string
  /** Called on 401 (the session expired): the app sends the user to the login page. */
  onUnauthorized?: () => void
}

export interface ErrorsQuery {
  range?: string
  start?: string
  end?: string
  minSeverity?: Severity
  q?: string
  limit?: number
  /** `include` shows muted groups too. */
  muted?: 'include'
}

export type Params = Record<string, string | number | undefined>

export function queryString (params: Params): string {
  const sp = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') sp.set(k, String(v))
  const s = sp.toString()
  return s === '' ? '' : '?' + s
}

/** Typed client for {base}/api: CSRF header on writes, embed header in iframes, 401 → login. */
export function createApi (opts: ApiOptions) {
  const doFetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const cookies = opts.cookies ?? (() => document.cookie)

  async function request<T> (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (opts.embedToken !== undefined) headers['x-tovwatch-embed'] = opts.embedToken
    if (method !== 'GET') {
      const csrf = readCookie(cookies(), 'tw_csrf')
      if (csrf !== undefined) headers['x-tovwatch-csrf'] = csrf
      if (body !== undefined) headers['content-type'] = 'application/json'
    }
    const res = await doFetch(`${opts.base}/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    })
    if (res.status === 401 && opts.embedToken === undefined) opts.onUnauthorized?.()
    if (res.status === 204) return undefined as T
    const text = await res.text()
    let json: unknown
    try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
    if (!res.ok) {
      const e = json as Partial<ApiErrorBody> | undefined
      throw new ApiError(res.status, e?.message ?? `${res.status} ${res.statusText || 'error'}`, e?.field)
    }
    return json as T
  }

  return {
    get: <T>(path: string, params: Params = {}, signal?: AbortSignal) => request<T>('GET', path + queryString(params), undefined, signal),
    post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
    errors: (q: ErrorsQuery, signal?: AbortSignal) => request<ErrorsResponse>('GET', '/errors' + queryString({ ...q }), undefined, signal),
    /** Resolve (or reopen) and mute (a duration such as 1h, 24h, 7d, or forever) an error group. */
    resolveGroup: (fp: string, on: boolean) => request<GroupLifecycleAnswer>(on ? 'POST' : 'DELETE', `/errors/groups/${encodeURIComponent(fp)}/resolve`),
    muteGroup: (fp: string, duration: string | null) => request<GroupLifecycleAnswer>(duration === null ? 'DELETE' : 'POST', `/errors/groups/${encodeURIComponent(fp)}/mute`, duration === null ? undefined : { duration }),
    database: (signal?: AbortSignal) => request<DatabaseResponse>('GET', '/database', undefined, signal),
    connections: (signal?: AbortSignal) => request<ConnectionsResponse>('GET', '/connections', undefined, signal),
    /** Each table's change over 1 h, 24 h and 7 d, and any drop within ROW_DROP_WINDOW. */
    trends: (signal?: AbortSignal) => request<TrendsResponse>('GET', '/database/trends', undefined, signal),
    tableHistory: (table: string, range: string, signal?: AbortSignal) => request<TableHistoryResponse>('GET', `/database/tables/${encodeURIComponent(table)}/history?range=${encodeURIComponent(range)}`, undefined, signal),
    alerts: (params: Params = {}, signal?: AbortSignal) => request<AlertsResponse>('GET', '/alerts' + queryString(params), undefined, signal),
    /** Admin: the table's current row count becomes its guard's new normal. Answers the database view. */
    resetGuard: (table: string) => request<DatabaseResponse>('POST', '/database/guards/reset', { table }),
    /** Admin: lists (dryRun) or terminates the monitored database's connections idle for more than N minutes. */
    terminateIdle: (idleMinutes: number, dryRun: boolean) => request<TerminateResponse>('POST', '/connections/terminate-idle', { idleMinutes, dryRun }),
    alert: (id: string, signal?: AbortSignal) => request<Alert>('GET', `/alerts/${encodeURIComponent(id)}`, undefined, signal),
    ack: (id: string, note: string, forMinutes?: number) => request<Alert>('POST', `/alerts/${encodeURIComponent(id)}/ack`, { note, forMinutes }),
    unack: (id: string) => request<Alert>('DELETE', `/alerts/${encodeURIComponent(id)}/ack`),
    muting: () => request<MutingState>('GET', '/alerts/muting'),
    silences: () => request<SilencesResponse>('GET', '/silences'),
    /** Admin: Alertmanager's PostableSilence; `confirm` allows one that matches every firing alert. */
    createSilence: (s: NewSilence, confirm = false) => request<SilenceCreated>('POST', `/silences${confirm ? '?confirm=true' : ''}`, s),
    expireSilence: (id: string) => request<{ id: string, expired: boolean }>('DELETE', `/silences/${encodeURIComponent(id)}`),
    health: (signal?: AbortSignal) => request<HealthResponse>('GET', '/health', undefined, signal),
    me: () => request<Me>('GET', '/me'),
    logout: () => request<void>('POST', '/logout'),
    login: (token: string) => request<Me>('POST', '/login', { token }),
  }
}

export type Api = ReturnType<typeof createApi>
