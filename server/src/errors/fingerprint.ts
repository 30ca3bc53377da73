import crypto from 'node:crypto'
import { DEFAULT_GROUP_LABELS } from '../config.js'

// The labels that split groups (ERROR_GROUP_LABELS). A bounded subset: Loki streams carry
// per-pod or per-file labels that would split one error into many.
export const GROUP_LABELS: readonly string[] = DEFAULT_GROUP_LABELS

const MAX_TEMPLATE_LENGTH = 400

// Order matters: whole shapes (URLs' queries, e-mails, UUIDs, timestamps) before the
// numbers and hex inside them.
const STEPS: Array<[RegExp, string | ((m: string, ...a: string[]) => string)]> = [
  [/([a-z][a-z0-9+.-]*:\/\/[^\s?"'<>]*|(?<![\w])\/[\w.~%/-]*)\?[^\s"'<>]*/gi, '$1?<query>'],
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi, '<email>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d|\s?UTC)?\b/g, '<ts>'],
  [/\b\d{1,2}\/[A-Z][a-z]{2}\/\d{4}[: ]\d\d:\d\d:\d\d(?: [+-]\d{4})?/g, '<ts>'],
  [/\b\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\b/g, '<ts>'],
  [/\b[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\b/g, '<ts>'],
  [/\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b/g, '<ts>'],
  [/(?<![\w.:])(?:::ffff:)?\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])/g, '<ip>'],
  [/(?<![\w:])(?=[0-9a-f:]*\d)(?:[0-9a-f]{1,4}:|:){2,7}[0-9a-f]{0,4}(?![\w:])/gi, '<ip>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds|m|min|minutes|h|hours)\b/g, '<duration>'],
  // Quoted values, except an HTTP request line, whose path tells endpoints apart.
  [/"([A-Z]{3,7} \/[^"\n]*)"|"[^"\n]{0,300}"/g, (m, request) => request !== undefined ? m : '"<str>"'],
  [/(?<![\w])'[^'\n]{0,300}'(?![\w])/g, "'<str>'"],
  // Numbers, except an access line's status code ("GET / HTTP/1.1" 502).
  [/(?<!HTTP\/[\d.]*" )\b\d+(?:\.\d+)?\b/g, '<n>'],
]

/** The message of a line with its variable parts replaced by placeholders. */
export function normalize (text: string): string {
  let out = text
  for (const [re, rep] of STEPS) out = out.replace(re, rep as string)
  out = out.replace(/\s+/g, ' ').trim()
  return out.length > MAX_TEMPLATE_LENGTH ? out.slice(0, MAX_TEMPLATE_LENGTH) + '…' : out
}

/**
 * The part of a line worth grouping on. For a JSON line that is its message and
 * error (msg/message, err.type, err.message, status), not the time, pid or request id.
 */
export function messageOf (line: string): string {
  if (line.charCodeAt(0) !== 123 /* { */) return line
  let obj: Record<string, unknown>
  try {
    obj = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  if (typeof obj !== 'object' || obj === null) return line
  const parts: string[] = []
  const msg = obj.msg ?? obj.message ?? obj.event
  if (typeof msg === 'string') parts.push(msg)
  const err = (obj.err ?? obj.error ?? obj.exception) as unknown
  if (typeof err === 'string') parts.push(err)
  else if (typeof err === 'object' && err !== null) {
    const e = err as Record<string, unknown>
    const type = typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : undefined
    const message = typeof e.message === 'string' ? e.message : undefined
    if (type !== undefined || message !== undefined) parts.push([type, message].filter(Boolean).join(': '))
  }
  return parts.length > 0 ? parts.join(' | ') : line
}

/** A JSON line's HTTP status (pino-http res.statusCode, or statusCode/status), kept verbatim in templates. */
function statusOf (line: string): number | undefined {
  const m = /"(?:statusCode|status)":\s*"?([1-5]\d\d)\b/.exec(line)
  return m?.[1] === undefined ? undefined : Number(m[1])
}

export function templateOf (line: string): string {
  const message = messageOf(line)
  const template = normalize(message)
  const status = message !== line ? statusOf(line) : undefined
  return status === undefined ? template : `${template} [status ${status}]`
}

/** The labels that take part in grouping, in a stable order. */
export function groupLabels (labels: Record<string, string>, names: readonly string[] = GROUP_LABELS): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of names) {
    const v = labels[name]
    if (v !== undefined && v !== '') out[name] = v
  }
  return out
}

/** A stable key for labels + template (a hash, so it can go in URLs and survive restarts). */
export function fingerprintOf (labels: Record<string, string>, template: string): string {
  const key = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join('\u0001') + '\u0000' + template
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 16)
}
