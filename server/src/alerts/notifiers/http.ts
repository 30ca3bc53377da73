import axios from 'axios'

export type SendOutcome = { ok: true } | { ok: false, status: number | null, retryAfterMs: number | null, message: string }

/** The URL is a secret (it carries the token): only its origin ever appears in logs. */
export function redactWebhookUrl (url: string): string {
  try {
    return new URL(url).origin + '/***'
  } catch {
    return '***'
  }
}

/** Discord answers 429 with { retry_after } in seconds (JSON) and a Retry-After header. */
export function retryAfterMs (headers: Record<string, unknown>, body: unknown): number | null {
  const fromBody = typeof body === 'object' && body !== null && 'retry_after' in body ? Number((body as { retry_after: unknown }).retry_after) : NaN
  if (Number.isFinite(fromBody) && fromBody >= 0) return Math.ceil(fromBody * 1000)
  const h = Number(headers['retry-after'])
  return Number.isFinite(h) && h >= 0 ? Math.ceil(h * 1000) : null
}

export async function postJson (url: string, body: unknown, timeoutMs: number): Promise<SendOutcome> {
  try {
    const res = await axios.post(url, body, {
      timeout: timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
      headers: { 'content-type': 'application/json', 'user-agent': 'TovWatch' },
    })
    if (res.status >= 200 && res.status < 300) return { ok: true }
    return { ok: false, status: res.status, retryAfterMs: res.status === 429 ? retryAfterMs(res.headers as Record<string, unknown>, res.data) : null, message: `HTTP ${res.status}` }
  } catch (err) {
    const e = err as { code?: string, message?: string }
    // axios error messages can hold the URL: keep only the code.
    return { ok: false, status: null, retryAfterMs: null, message: e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? `timeout after ${timeoutMs} ms` : (e.code ?? 'network error') }
  }
}
