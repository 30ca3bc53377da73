import path from 'node:path'
import type { Logger } from 'pino'
import RE2 from 're2'
import type { Config } from '../../config.js'
import { lineMatcher } from '../filter.js'
import type { LineFilter, LogEntry, LogSource, QueryOutcome, SeriesOutcome } from '../source.js'
import { fileContext } from './context.js'
import { readLines } from './lines.js'
import { createNewest } from './newest.js'
import { parseLine } from './parse.js'
import { resolveLogFiles, type LogFile } from './resolve.js'

const PAGE_SIZE = 1000

interface Scanned { tsMs: number, line: string, level: string | undefined, file: LogFile, seq: number }

/**
 * Streams every line of the files in [startMs, endMs) that passes the filter and the
 * include/exclude patterns. A line without a time takes the previous line's (a stack
 * trace's frames belong to its first line), or the file's mtime for a first line.
 */
async function scanFiles (
  files: LogFile[], startMs: number, endMs: number, accept: (line: string) => boolean,
  visit: (s: Scanned) => void, problems: string[], signal?: AbortSignal
): Promise<void> {
  for (const file of files) {
    // An append-only log last written before the range holds nothing in it.
    if (file.mtimeMs < startMs) continue
    let last = file.mtimeMs
    // Lines without a time (a traceback's frames) take their first line's time plus their place
    // after it in nanoseconds, so multi-line events keep their order (errors/events/).
    let seq = -1
    try {
      for await (const line of readLines(file.path, signal)) {
        const parsed = parseLine(line, file.mtimeMs)
        const tsMs = parsed.tsMs ?? last
        seq = parsed.tsMs === undefined ? seq + 1 : 0
        last = tsMs
        if (tsMs < startMs || tsMs >= endMs || !accept(line)) continue
        visit({ tsMs, line, level: parsed.level, file, seq: Math.max(0, Math.min(seq, 999_999)) })
      }
    } catch (err) {
      if (signal?.aborted === true) throw err
      const code = (err as NodeJS.ErrnoException).code
      problems.push(`log file ${file.path} could not be read to the end (${code ?? (err as Error).message})`)
    }
  }
}

function compile (filter: LineFilter | undefined, include: string | undefined, exclude: string | undefined) {
  const matches = lineMatcher(filter)
  const inc = include === undefined ? undefined : new RE2(include)
  const exc = exclude === undefined ? undefined : new RE2(exclude)
  return (line: string) => (inc === undefined || inc.test(line)) && (exc === undefined || !exc.test(line)) && matches(line)
}

const labelsOf = (s: Scanned): Record<string, string> =>
  s.level === undefined ? { source: 'file', file: path.basename(s.file.path) } : { source: 'file', file: path.basename(s.file.path), level: s.level }

/** The embedded log source: NDJSON (pino) and plain-text files from LOG_FILES (globs allowed). */
export function createFileSource (config: Config, deps: { logger: Logger }): LogSource {
  const patterns = config.logFiles

  return {
    kind: 'files',

    async query (q, onPage): Promise<QueryOutcome> {
      const startMs = Number(q.startNs / 1_000_000n)
      const endMs = Number(q.endNs / 1_000_000n)
      const { files, problems } = await resolveLogFiles(patterns)
      const newest = createNewest(q.maxEntries)
      const accept = compile(q.filter, q.include, q.exclude)
      const reasons = [...problems]
      try {
        await scanFiles(files, startMs, endMs, accept, (s) => {
          const tsNs = BigInt(Math.floor(s.tsMs)) * 1_000_000n + BigInt(s.seq)
          if (!newest.wants(tsNs)) { newest.skip(); return }
          newest.push({ tsNs, labels: labelsOf(s), line: s.line })
        }, reasons, q.signal)
      } catch (err) {
        if (q.signal?.aborted !== true) throw err
        reasons.push('the query was cancelled')
      }
      if (newest.seen() > newest.size()) reasons.push(`${newest.seen()} lines matched; only the newest ${newest.size()} were returned (limit ${q.maxEntries})`)
      const entries = newest.drain()
      for (let i = 0; i < entries.length; i += PAGE_SIZE) onPage(entries.slice(i, i + PAGE_SIZE) as LogEntry[])
      if (problems.length > 0) deps.logger.warn({ problems }, 'some log files could not be read')
      return { complete: reasons.length === 0, incompleteReasons: reasons, failedChunks: [], entries: entries.length }
    },

    async series (q): Promise<SeriesOutcome> {
      const startMs = Number(q.startNs / 1_000_000n)
      const endMs = Number(q.endNs / 1_000_000n)
      const stepMs = q.stepSeconds * 1000
      // Steps aligned to the step size, as Loki aligns them, covering [start, end).
      const first = Math.floor(startMs / stepMs) * stepMs
      const timestamps: number[] = []
      for (let t = first; t < endMs; t += stepMs) timestamps.push(t)
      const values: Record<string, number[]> = {}
      const buckets = q.buckets.map((b) => {
        values[b.name] = new Array<number>(timestamps.length).fill(0)
        return { counts: values[b.name] as number[], accept: compile(undefined, b.include, b.exclude) }
      })
      const { files, problems } = await resolveLogFiles(patterns)
      const reasons = [...problems]
      const matches = lineMatcher(q.filter)
      try {
        await scanFiles(files, startMs, endMs, matches, (s) => {
          const idx = Math.floor((s.tsMs - first) / stepMs)
          for (const b of buckets) if (b.accept(s.line)) b.counts[idx] = (b.counts[idx] as number) + 1
        }, reasons, q.signal)
      } catch (err) {
        if (q.signal?.aborted !== true) throw err
        reasons.push('the query was cancelled')
      }
      return { timestamps, values, complete: reasons.length === 0, incompleteReasons: reasons }
    },

    async health () {
      const started = performance.now()
      const { files, problems, empty } = await resolveLogFiles(patterns)
      const latencyMs = Math.round(performance.now() - started)
      if (problems.length > 0) return { status: 'degraded', latencyMs, message: problems.join('; ') }
      if (files.length === 0) return { status: 'up', latencyMs, message: `no log files yet (${empty.join(', ')}); the feed is empty until one is written` }
      const bytes = files.reduce((a, f) => a + f.size, 0)
      return { status: 'up', latencyMs, message: `reading ${files.length} log file(s), ${(bytes / 1048576).toFixed(1)} MiB` }
    },

    context: async (q) => await fileContext(patterns, q),

    close: async () => {},
  }
}
