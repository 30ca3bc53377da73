/** What the file source needs from a line: its time (ms) and, when it says, its level. */
export interface ParsedLine { tsMs: number | undefined, level: string | undefined }

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 }

const ISO_PREFIX = /^\[?(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))?\s?(Z|[+-]\d\d:?\d\d|UTC)?/
const SYSLOG_PREFIX = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)/
const CLF_TIME = /\[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\]/
const TEXT_LEVEL = /\b(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL|PANIC)\b/

function levelLabel (value: unknown): string | undefined {
  if (typeof value === 'number') return PINO_LEVELS[value]
  if (typeof value === 'string' && /^[A-Za-z]{1,10}$/.test(value)) {
    const l = value.toLowerCase()
    return l === 'warning' ? 'warn' : l
  }
  return undefined
}

function timeOf (value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value // seconds or ms
  if (typeof value === 'string') {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

function parseJson (line: string): ParsedLine | undefined {
  let obj: unknown
  try {
    obj = JSON.parse(line)
  } catch {
    return undefined // broken JSON is read as text
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined
  const o = obj as Record<string, unknown>
  return { tsMs: timeOf(o.time ?? o.timestamp ?? o['@timestamp'] ?? o.ts), level: levelLabel(o.level ?? o.levelname ?? o.severity) }
}

/** `yearHint`: the file's mtime, for syslog lines that carry no year. */
function parseText (line: string, yearHint: number): ParsedLine {
  const head = line.slice(0, 120)
  const lm = TEXT_LEVEL.exec(head)
  const level = lm?.[1] === undefined ? undefined : levelLabel(lm[1])
  let m = ISO_PREFIX.exec(head)
  if (m !== null) {
    const frac = (m[3] ?? '').slice(0, 3).padEnd(3, '0')
    const zone = m[4] === undefined || m[4] === 'UTC' ? 'Z' : m[4]
    const ms = Date.parse(`${m[1]}T${m[2]}.${frac}${zone}`)
    return { tsMs: Number.isNaN(ms) ? undefined : ms, level }
  }
  m = SYSLOG_PREFIX.exec(head)
  if (m !== null && MONTHS[m[1] as string] !== undefined) {
    const hint = new Date(yearHint)
    let ms = Date.UTC(hint.getUTCFullYear(), MONTHS[m[1] as string] as number, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))
    // A December line in a file last written in January is from the year before.
    if (ms > yearHint + 86_400_000) ms = Date.UTC(hint.getUTCFullYear() - 1, MONTHS[m[1] as string] as number, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))
    return { tsMs: ms, level }
  }
  m = CLF_TIME.exec(line.slice(0, 300))
  if (m !== null && MONTHS[m[2] as string] !== undefined) {
    const offsetMin = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1)
    const ms = Date.UTC(Number(m[3]), MONTHS[m[2] as string] as number, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offsetMin * 60_000
    return { tsMs: ms, level }
  }
  return { tsMs: undefined, level }
}

/** Time and level of a line: NDJSON (pino: time in ms or ISO, level number or label) or text. */
export function parseLine (line: string, yearHint: number): ParsedLine {
  if (line.charCodeAt(0) === 123 /* { */) {
    const parsed = parseJson(line)
    if (parsed !== undefined) return parsed
  }
  return parseText(line, yearHint)
}
