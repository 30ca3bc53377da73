import type { Static } from 'typebox'
import type { LogEntry } from '../../logs/source.js'
import { redactSample } from '../group.js'
import { parseJsonFields, requestIdOf } from './parse-line.js'
import type { ContextLine } from './schemas.js'

/** A context line is clipped to this; a stack in one JSON line is still shown whole by its fields. */
const MAX_LINE = 8000

const nsToIso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString()

/**
 * One line as the context view shows it: secrets and e-mail addresses out (as in samples),
 * JSON fields parsed from the redacted line, a request id with its audit link.
 */
export function contextLine (e: LogEntry, isSample: boolean, auditBase: string): Static<typeof ContextLine> {
  const redacted = redactSample(e.line, Number.MAX_SAFE_INTEGER)
  const fields = parseJsonFields(redacted)
  const requestId = requestIdOf(redacted, fields)
  return {
    tsNs: String(e.tsNs),
    ts: nsToIso(e.tsNs),
    line: redacted.length > MAX_LINE ? redacted.slice(0, MAX_LINE) + '…' : redacted,
    ...(redacted.length > MAX_LINE ? { truncated: true } : {}),
    ...(isSample ? { sample: true } : {}),
    ...(fields !== undefined ? { fields } : {}),
    ...(requestId !== undefined ? { requestId, auditUrl: `${auditBase}?requestId=${encodeURIComponent(requestId)}` } : {}),
  }
}
