/**
 * The lines around one entry of one log file. The stream is the file, named by its base name
 * as the file source labels it; only files LOG_FILES resolves to are read (a name is never
 * a path). Lines get their times as the file source gives them (a line without a time takes
 * the previous one's plus its place after it, in ns), so a sample's tsNs names its line.
 * One pass: a ring of the last `before` lines, then `after` lines once the entry is passed.
 */
import path from 'node:path'
import { lineHash } from '../line-hash.js'
import type { ContextOutcome, ContextQuery, LogEntry } from '../source.js'
import { readLines } from './lines.js'
import { parseLine } from './parse.js'
import { resolveLogFiles } from './resolve.js'

export class UnknownStream extends Error {}

export async function fileContext (patterns: readonly string[], q: ContextQuery): Promise<ContextOutcome> {
  const name = q.labels.file
  if (q.labels.source !== 'file' || name === undefined) throw new UnknownStream('a file stream is named by its labels { source: "file", file: "<name>" }')
  const { files } = await resolveLogFiles(patterns)
  const file = files.find((f) => path.basename(f.path) === name)
  if (file === undefined) throw new UnknownStream(`no log file named "${name}" among LOG_FILES`)

  const ring: LogEntry[] = []
  const lines: LogEntry[] = []
  let sampleIndex = -1
  let match: ContextOutcome['match'] = 'none'
  let sameInstant = false
  let dropped = false
  let moreBefore = false
  let last = file.mtimeMs
  let seq = -1
  let moreAfter = false
  const labels = { source: 'file', file: name }
  for await (const line of readLines(file.path, q.signal)) {
    const parsed = parseLine(line, file.mtimeMs)
    const tsMs = parsed.tsMs ?? last
    seq = parsed.tsMs === undefined ? seq + 1 : 0
    last = tsMs
    const entry: LogEntry = { tsNs: BigInt(Math.floor(tsMs)) * 1_000_000n + BigInt(Math.max(0, Math.min(seq, 999_999))), labels, line }
    if (sampleIndex >= 0) {
      if (lines.length - 1 - sampleIndex >= q.after) { moreAfter = q.after > 0; break }
      lines.push(entry)
      continue
    }
    if (entry.tsNs === q.tsNs && (q.lineHash === undefined || lineHash(line) === q.lineHash)) {
      lines.push(...ring, entry)
      sampleIndex = ring.length
      match = q.lineHash === undefined ? 'time' : 'exact'
      moreBefore = dropped && q.before > 0
      continue
    }
    // The line changed since (rotated, rewritten): the first line of that instant, if no exact one comes.
    if (entry.tsNs === q.tsNs) sameInstant = true
    ring.push(entry)
    if (ring.length > q.before) { ring.shift(); dropped = true }
  }
  if (sampleIndex < 0 && sameInstant && q.lineHash !== undefined) {
    // Read again from the first line of that instant: rare, and bounded like the first pass.
    return await fileContext(patterns, { ...q, lineHash: undefined }).then((o) => ({ ...o, match: 'time' as const }))
  }
  if (sampleIndex < 0) return { lines: [], sampleIndex: -1, match: 'none', moreBefore: false, moreAfter: false }
  return { lines, sampleIndex, match, moreBefore, moreAfter }
}
