import fs from 'node:fs'
import path from 'node:path'
import pino, { type Logger, type LoggerOptions } from 'pino'

/**
 * Paths pino removes from every log line. Secrets also hide in free text (URLs with
 * passwords, webhook URLs), so messages go through redactText where they are built.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-tovwatch-csrf"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.webhookUrl',
  '*.connectionString',
  'password',
  'token',
  'secret',
  'webhookUrl',
  'connectionString',
]

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // credentials inside URLs, anywhere in a line: scheme://user:password@host (also percent-encoded)
  [/([a-z][a-z0-9+.-]*:\/\/[^:/\s@]*:)[^@\s/]+@/gi, '$1***@'],
  [/([a-z][a-z0-9+.-]*%3A%2F%2F[^\s/@%]+(?:%[0-9a-f]{2}[^\s/@%]*)*?%3A)[^\s/@]+?%40/gi, '$1***%40'],
  // Discord and Slack webhook URLs are bearer secrets in themselves
  [/(discord(?:app)?\.com\/api\/webhooks\/)[^\s"']+/gi, '$1***'],
  [/(hooks\.slack\.com\/services\/)[^\s"']+/gi, '$1***'],
  // Authorization headers and token-ish key=value pairs (embed_token=, "api-key": ..., auth=)
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  [/([a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth|signature|credentials?))(["']?\s*[:=]\s*["']?)(?!\*\*\*)[^\s"',;&]+/gi, '$1$2***'],
  // Sentry-style keys and AWS access key ids
  [/\bAKIA[0-9A-Z]{16}\b/g, 'AKIA***'],
]

/** A query parameter's name, decoded and normalised: `embed%5Ftoken`, `API-Key` → `embedtoken`, `apikey`. */
function normalKey (raw: string): string {
  let k = raw.replaceAll('+', ' ')
  try {
    k = decodeURIComponent(k)
  } catch {}
  return k.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Parameter names whose value is a credential, after normalKey. */
const SECRET_KEY = /password|passwd|pwd|secret|token|apikey|accesskey|auth|signature|credential|session|csrf|privatekey|^key$|^sig$|^pass$/

/** Query parameters (`?k=v&k2=v2` anywhere in text) whose decoded name says they carry a credential. */
const QUERY_PARAM = /([?&;])([^=&#\s?;]{1,200})=([^&#\s;]*)/g

function redactParams (text: string): string {
  return text.replace(QUERY_PARAM, (m, sep: string, key: string) => SECRET_KEY.test(normalKey(key)) ? `${sep}${key}=***` : m)
}

/** Remove secrets from free text (log lines, error messages, samples shown in the UI). */
export function redactText (text: string): string {
  let out = redactParams(text)
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement)
  return out
}

/**
 * A request URL fit for a log line: credential-bearing query parameters by their decoded
 * name, and URL credentials anywhere in it (`/logs/x/postgres://user:PW@host`), also when
 * percent-encoded (then the decoded, redacted path is logged).
 */
export function redactQuery (url: string): string {
  const out = redactText(url)
  if (!out.includes('%')) return out
  let decoded: string
  try {
    decoded = decodeURIComponent(out)
  } catch {
    return out
  }
  const again = redactText(decoded)
  return again === decoded ? out : again
}

interface RawRequest { method?: string, url?: string, hostname?: string, ip?: string, socket?: { remoteAddress?: string } }

export function loggerOptions (level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '***' },
    serializers: {
      req: (req: RawRequest) => ({
        method: req.method,
        url: req.url === undefined ? undefined : redactQuery(req.url),
        host: req.hostname,
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
    },
    base: { service: 'tovwatch' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }
}

/**
 * JSON logs to stdout (for Promtail) and to a file that the embedded log source
 * reads back, so `npm start` alone shows TovWatch's own errors in the feed.
 */
export function createLogger (level: string, file: string | undefined): Logger {
  const streams: pino.StreamEntry[] = [{ level: level as pino.Level, stream: process.stdout }]
  if (file !== undefined) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: file, mkdir: true, sync: false, mode: 0o600 }) })
  }
  return pino(loggerOptions(level), pino.multistream(streams))
}
