/**
 * What the context view shows of a line: the fields of a JSON (pino) line, and a request id
 * (JSON reqId / requestId / request_id, or an `x-request-id: …` / `request_id=…` token in text),
 * which links to the scheduling core's audit entries of that request.
 */

export interface ParsedFields {
  level?: string
  msg?: string
  err?: string
  reqId?: string
  time?: string
}

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
const REQ_KEYS = ['reqId', 'requestId', 'request_id', 'req_id', 'x-request-id', 'traceId'] as const
const TEXT_REQ_ID = /\b(?:x-request-id|request[_-]?id|req[_-]?id)["']?\s*[=:]\s*["']?([A-Za-z0-9][A-Za-z0-9._:-]{0,127})/i
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const MAX_FIELD = 2000

const clip = (s: string) => (s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) + '…' : s)

function text (v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return undefined
}

function errText (v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object') return text(v)
  const e = v as Record<string, unknown>
  const head = [text(e.type), text(e.message)].filter((s) => s !== undefined).join(': ')
  const stack = text(e.stack)
  // A pino err's stack starts with its own "Type: message": show the stack alone then.
  if (stack !== undefined) return stack.startsWith(head) || head === '' ? stack : `${head}\n${stack}`
  return head === '' ? JSON.stringify(v) : head
}

function timeText (v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const d = new Date(v < 1e11 ? v * 1000 : v)
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
  }
  return text(v)
}

/** The fields of a JSON object line, or undefined for any other line. */
export function parseJsonFields (line: string): ParsedFields | undefined {
  if (line.charCodeAt(0) !== 123 /* { */) return undefined
  let obj: unknown
  try {
    obj = JSON.parse(line)
  } catch {
    return undefined
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined
  const o = obj as Record<string, unknown>
  const out: ParsedFields = {}
  const level = typeof o.level === 'number' ? PINO_LEVELS[o.level] ?? String(o.level) : text(o.level ?? o.levelname ?? o.severity)
  if (level !== undefined) out.level = level.toLowerCase()
  const msg = text(o.msg ?? o.message)
  if (msg !== undefined) out.msg = clip(msg)
  const err = errText(o.err ?? o.error ?? o.exc_info)
  if (err !== undefined) out.err = clip(err)
  const req = o.req !== null && typeof o.req === 'object' ? (o.req as Record<string, unknown>).id : undefined
  const reqId = [...REQ_KEYS.map((k) => o[k]), req].map(text).find((v) => v !== undefined && ID.test(v))
  if (reqId !== undefined) out.reqId = reqId
  const time = timeText(o.time ?? o.timestamp ?? o['@timestamp'] ?? o.ts)
  if (time !== undefined) out.time = time
  return out
}

/** A request id in the line: from its JSON fields, or a request-id token in its text. */
export function requestIdOf (line: string, fields: ParsedFields | undefined): string | undefined {
  if (fields?.reqId !== undefined) return fields.reqId
  return TEXT_REQ_ID.exec(line.slice(0, 4000))?.[1]
}
