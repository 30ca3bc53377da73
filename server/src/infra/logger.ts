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
  // credentials inside URLs: scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, '$1***@'],
  // Discord and Slack webhook URLs are bearer secrets in themselves
  [/(discord(?:app)?\.com\/api\/webhooks\/)[^\s"']+/gi, '$1***'],
  [/(hooks\.slack\.com\/services\/)[^\s"']+/gi, '$1***'],
  // Authorization headers and token-ish key=value pairs
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  [/\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, '$1$2***'],
  // Sentry-style keys and AWS access key ids
  [/\bAKIA[0-9A-Z]{16}\b/g, 'AKIA***'],
]

/** Remove secrets from free text (log lines, error messages, samples shown in the UI). */
export function redactText (text: string): string {
  let out = text
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement)
  return out
}

/** Query parameters that carry credentials (embed tokens in Grafana iframe URLs, WebSocket tokens). */
const SECRET_QUERY = /([?&](?:[a-z_]*token|key|secret|password|sig)=)[^&#\s]*/gi

export function redactQuery (url: string): string {
  return url.replace(SECRET_QUERY, '$1***')
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
    fs.mkdirSync(path.dirname(file), { recursive: true })
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: file, mkdir: true, sync: false }) })
  }
  return pino(loggerOptions(level), pino.multistream(streams))
}
