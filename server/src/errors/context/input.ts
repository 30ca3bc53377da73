import type { ContextQuery } from '../../logs/source.js'

export const DEFAULT_CONTEXT_LINES = 20
export const MAX_CONTEXT_LINES = 200
const MAX_LABELS = 30
const MAX_LABEL_VALUE = 1024
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

type Field = 'labels' | 'tsNs' | 'lineHash' | 'before' | 'after'

/** Bad input: 400 naming the field (the one error handler shows both). */
export class ContextInputError extends Error {
  readonly statusCode = 400
  constructor (readonly field: Field, message: string) {
    super(message)
    this.name = 'ContextInputError'
  }
}

export interface RawContextQuery { labels?: string, tsNs?: string, lineHash?: string, before?: string, after?: string }

function count (field: 'before' | 'after', raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_CONTEXT_LINES
  if (!/^\d{1,4}$/.test(raw.trim())) throw new ContextInputError(field, `${field} must be a whole number of lines from 0 to ${MAX_CONTEXT_LINES}`)
  const n = Number(raw)
  if (n > MAX_CONTEXT_LINES) throw new ContextInputError(field, `${field} is ${n} lines; at most ${MAX_CONTEXT_LINES}`)
  return n
}

function labelsOf (raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') throw new ContextInputError('labels', 'labels is required: the sample\'s stream labels as a JSON object, e.g. {"job":"tovplay/api"}')
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ContextInputError('labels', 'labels must be a JSON object of label names to string values')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ContextInputError('labels', 'labels must be a JSON object of label names to string values')
  const entries = Object.entries(parsed as Record<string, unknown>)
  if (entries.length === 0) throw new ContextInputError('labels', 'labels must name at least one label')
  if (entries.length > MAX_LABELS) throw new ContextInputError('labels', `labels has ${entries.length} labels; at most ${MAX_LABELS}`)
  for (const [name, value] of entries) {
    if (!LABEL_NAME.test(name)) throw new ContextInputError('labels', `"${name.slice(0, 60)}" is not a label name (letters, digits and _, not starting with a digit)`)
    if (typeof value !== 'string') throw new ContextInputError('labels', `the value of ${name} must be a string`)
    if (value.length > MAX_LABEL_VALUE) throw new ContextInputError('labels', `the value of ${name} is longer than ${MAX_LABEL_VALUE} characters`)
  }
  return parsed as Record<string, string>
}

/** GET /api/errors/context's query, checked: every refusal names its field. */
export function parseContextQuery (q: RawContextQuery): Omit<ContextQuery, 'signal'> {
  const labels = labelsOf(q.labels)
  const ts = (q.tsNs ?? '').trim()
  if (!/^\d{1,19}$/.test(ts) || BigInt(ts) > 9_223_372_036_854_775_807n) throw new ContextInputError('tsNs', 'tsNs must be the sample\'s time in nanoseconds since the epoch (the tsNs of a sample in the feed)')
  const hash = q.lineHash?.trim()
  if (hash !== undefined && hash !== '' && !/^[0-9a-f]{16}$/.test(hash)) throw new ContextInputError('lineHash', 'lineHash must be the 16 hex digits of a sample\'s lineHash')
  return { labels, tsNs: BigInt(ts), ...(hash !== undefined && hash !== '' ? { lineHash: hash } : {}), before: count('before', q.before), after: count('after', q.after) }
}
