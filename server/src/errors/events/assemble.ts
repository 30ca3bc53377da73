import type { LogEntry } from '../../logs/source.js'

/**
 * Multi-line event assembly: a Python traceback, a JavaScript or Java stack, a Go panic
 * arrives as many log lines; this joins them back into one event per error.
 *
 * Entries are fed in time order per stream (streams may interleave). A continuation line
 * joins the open event of its own stream when it comes within `gapMs` of that event's last
 * line; anything else closes the stream's open event and starts a new one. State survives
 * between push() calls, so an event cut by a chunk or page edge is still one event, counted
 * once. Every line fed ends up in exactly one event (the sum of `lineCount` is the number of
 * lines pushed), whatever the input: out-of-order lines become events of their own, and an
 * event past `maxLines` or `maxChars` keeps counting its lines but stops storing them
 * (`truncated`).
 */

export type EventKind = 'python' | 'js' | 'java' | 'go' | 'plain'

export interface AssembledEvent {
  /** The first line's entry (its time, labels and line). */
  head: LogEntry
  /** Time of the last line joined. */
  lastTsNs: bigint
  /** The stored lines, head first (at most maxLines, at most maxChars in all). */
  lines: string[]
  /** Every line of the event, stored or not. */
  lineCount: number
  /** Characters of every line of the event, stored or not. */
  chars: number
  truncated: boolean
  kind: EventKind
  /** The first line's tag (the caller's, e.g. a category code), or -1. */
  tag: number
  /** Per line (stored or not, in order), its tag and its time; only once a second line joined (see tagsOf). */
  tags?: number[]
  times?: bigint[]
}

/** Every line's tag, in order. */
export const tagsOf = (ev: AssembledEvent): readonly number[] => ev.tags ?? [ev.tag]

export interface AssembleOptions {
  /** Largest gap between two lines of one event (ERROR_EVENT_GAP_MS). */
  gapMs?: number
  /** Lines stored per event; further lines are counted, not stored. */
  maxLines?: number
  /** Characters stored per event. */
  maxChars?: number
  /** Labels that do not tell streams apart (a per-line level would split a traceback). */
  ignoreLabels?: readonly string[]
}

export const DEFAULT_EVENT_GAP_MS = 1000
export const MAX_EVENT_LINES = 200
export const MAX_EVENT_CHARS = 64 * 1024
const DEFAULT_IGNORED = ['level', 'detected_level']

/** Where an open event is in its stack: what may follow. */
const enum Mode {
  /** A plain line: a stack (Traceback, `at`, an exception line) may start under it. */
  Plain,
  /** Inside a Python traceback: indented frames and code lines, then the `Type: message` line. */
  PyFrames,
  /** After a Python `Type: message`: a chained block (blank line, During handling…, The above…) may follow. */
  PyEnd,
  /** After `During handling…`/`The above exception…`: blank lines, then the next `Traceback`. */
  PyChain,
  /** JavaScript or Java frames. */
  Frames,
  /** A Go panic: goroutine headers, function lines and tab-indented file lines. */
  Go,
}

const PY_TRACEBACK = /^Traceback \(most recent call last\):\s*$/
const PY_CHAINED = /^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)\s*$/
/** A Python exception line: `KeyError: 'x'`, `psycopg2.errors.UniqueViolation: …`, `StopIteration`. */
const PY_EXCEPTION = /^[A-Za-z_][\w.]*(?::(?: |$)|$)/
/** JS/Java frame lines. */
const AT_FRAME = /^\s+at\s/
/** A JVM frame: `at pkg.Class.method(File.java:12)`, `(Native Method)`, `(Unknown Source)`. */
const JAVA_FRAME = /^\s+at\s[\w$./]+\((?:[\w$]+\.(?:java|kt|scala|groovy|clj):\d+|Native Method|Unknown Source)\)/
const JAVA_MORE = /^\s*\.\.\. \d+ (?:more|common frames omitted)\s*$/
const JAVA_CAUSE = /^(?:\s*)(?:Caused by|Suppressed|\[cause\]): /
/** A qualified exception line under a log line (Java, Kotlin): `java.lang.IllegalStateException: x`. */
const EXCEPTION_LINE = /^(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Failure)(?::\s|:?\s*$)/
const GO_PANIC = /^(?:panic: |fatal error: )/
const GO_GOROUTINE = /^goroutine \d+ \[[^\]]*\]:\s*$/
/** A Go stack's function line, e.g. `main.handler(0xc000010000, 0x1)` or `created by net/http.(*Server).Serve`. */
const GO_FUNC = /^(?:created by )?[\w./*()-]+\(.*\)(?: in goroutine \d+)?\s*$|^created by /
const GO_EXTRA = /^\[(?:signal|recovered)\b/

/** A cheap first test for every continuation a plain line may have (each is then tested exactly). */
const MAY_CONTINUE = /^(?:\s|Traceback |goroutine |Caused by|Suppressed|\[cause\]|\.\.\. |[a-zA-Z_$][\w$]*\.)/

type Stream = { open: AssembledEvent, mode: Mode }

export interface Assembler {
  /** Feeds one line; `tag` is kept per line (see AssembledEvent.tags). */
  push: (entry: LogEntry, tag?: number) => void
  /** Closes every open event (call once at the end of the input). */
  flush: () => void
  /** Events emitted so far. */
  events: () => number
}

const isSpace = (c: number) => c === 32 || c === 9

export function createAssembler (onEvent: (ev: AssembledEvent) => void, opts: AssembleOptions = {}): Assembler {
  const gapNs = BigInt(Math.max(0, Math.floor(opts.gapMs ?? DEFAULT_EVENT_GAP_MS))) * 1_000_000n
  const maxLines = Math.max(1, opts.maxLines ?? MAX_EVENT_LINES)
  const maxChars = Math.max(1, opts.maxChars ?? MAX_EVENT_CHARS)
  const ignored = new Set(opts.ignoreLabels ?? DEFAULT_IGNORED)
  const streams = new Map<string, Stream>()
  const keys = new WeakMap<Record<string, string>, string>()
  let emitted = 0

  const keyOf = (labels: Record<string, string>): string => {
    let k = keys.get(labels)
    if (k === undefined) {
      k = ''
      for (const name of Object.keys(labels).sort()) if (!ignored.has(name)) k += name + '\u0001' + (labels[name] as string) + '\u0000'
      keys.set(labels, k)
    }
    return k
  }

  const emit = (ev: AssembledEvent) => { emitted++; onEvent(ev) }

  const start = (entry: LogEntry, tag: number | undefined): AssembledEvent => {
    const line = entry.line
    const over = line.length > maxChars
    return {
      head: entry,
      lastTsNs: entry.tsNs,
      lines: [over ? line.slice(0, maxChars) : line],
      lineCount: 1,
      chars: line.length,
      truncated: over,
      kind: 'plain',
      tag: tag ?? -1,
    }
  }

  const join = (ev: AssembledEvent, entry: LogEntry, tag: number | undefined) => {
    const line = entry.line
    ev.lineCount++
    if (ev.tags === undefined) { ev.tags = [ev.tag]; ev.times = [ev.head.tsNs] }
    ev.tags.push(tag ?? -1);
    (ev.times as bigint[]).push(entry.tsNs)
    const stored = ev.chars
    ev.chars += line.length + 1
    if (entry.tsNs > ev.lastTsNs) ev.lastTsNs = entry.tsNs
    if (ev.truncated) return
    if (ev.lines.length >= maxLines || stored + 1 + line.length > maxChars) {
      ev.truncated = true
      const room = maxChars - stored - 1
      if (ev.lines.length < maxLines && room > 0) ev.lines.push(line.slice(0, room))
      return
    }
    ev.lines.push(line)
  }

  /** The mode after joining `line` to an event in `mode`, or undefined when the line does not continue it. */
  const next = (mode: Mode, line: string): Mode | undefined => {
    const c0 = line.charCodeAt(0)
    if (line.length === 0 || (isSpace(c0) && line.trim() === '')) {
      // Blank lines separate chained Python blocks and Go goroutines; a plain line stays plain.
      return mode === Mode.PyEnd || mode === Mode.PyChain || mode === Mode.PyFrames || mode === Mode.Go ? mode : undefined
    }
    switch (mode) {
      case Mode.PyFrames:
        if (isSpace(c0)) return Mode.PyFrames
        if (PY_TRACEBACK.test(line)) return Mode.PyFrames
        if (PY_EXCEPTION.test(line)) return Mode.PyEnd
        return undefined
      case Mode.PyChain:
        return PY_TRACEBACK.test(line) ? Mode.PyFrames : undefined
      case Mode.PyEnd:
        // A second traceback without a chaining sentence is another error.
        if (PY_CHAINED.test(line)) return Mode.PyChain
        // Exception groups and notes are indented under the exception line.
        if (isSpace(c0) && !AT_FRAME.test(line)) return Mode.PyEnd
        return undefined
      case Mode.Go:
        if (c0 === 9 || GO_GOROUTINE.test(line) || GO_FUNC.test(line) || GO_EXTRA.test(line)) return Mode.Go
        return undefined
      case Mode.Frames:
        if (AT_FRAME.test(line) || JAVA_MORE.test(line) || JAVA_CAUSE.test(line)) return Mode.Frames
        // Java's `Caused by` message may wrap; an indented non-frame line stays in the stack.
        if (isSpace(c0)) return Mode.Frames
        return undefined
      case Mode.Plain:
        // Most lines start a stack of nothing: a JSON object, a timestamp, an address.
        if (c0 === 123 || (c0 >= 48 && c0 <= 57) || !MAY_CONTINUE.test(line)) return undefined
        if (PY_TRACEBACK.test(line)) return Mode.PyFrames
        if (AT_FRAME.test(line)) return Mode.Frames
        if (GO_GOROUTINE.test(line)) return Mode.Go
        if (JAVA_CAUSE.test(line) || JAVA_MORE.test(line)) return Mode.Frames
        if (EXCEPTION_LINE.test(line)) return Mode.Frames
        return undefined
    }
  }

  /** The mode of an event that starts with `line`. */
  const first = (line: string): Mode => {
    const c0 = line.charCodeAt(0)
    if (c0 === 84 /* T */ && PY_TRACEBACK.test(line)) return Mode.PyFrames
    if ((c0 === 112 /* p */ || c0 === 102 /* f */) && GO_PANIC.test(line)) return Mode.Go
    return Mode.Plain
  }

  /** The kind of a closing event, from the mode it ended in (and its first frame for JS vs Java). */
  const close = (s: Stream) => {
    const ev = s.open
    if (s.mode === Mode.PyFrames || s.mode === Mode.PyEnd || s.mode === Mode.PyChain) ev.kind = 'python'
    else if (s.mode === Mode.Go && ev.lineCount > 1) ev.kind = 'go'
    else if (s.mode === Mode.Frames) {
      const frame = ev.lines.find((l) => AT_FRAME.test(l))
      ev.kind = frame !== undefined && JAVA_FRAME.test(frame) ? 'java' : 'js'
    }
    emit(ev)
  }

  return {
    push (entry, tag) {
      const key = keyOf(entry.labels)
      const s = streams.get(key)
      if (s !== undefined) {
        const ev = s.open
        if (entry.tsNs < ev.lastTsNs) {
          // Out of order within its stream: an event of its own, the open one stays open.
          emit(start(entry, tag))
          return
        }
        if (entry.tsNs <= ev.lastTsNs + gapNs) {
          const m = next(s.mode, entry.line)
          if (m !== undefined) {
            join(ev, entry, tag)
            s.mode = m
            return
          }
        }
        close(s)
        s.open = start(entry, tag)
        s.mode = first(entry.line)
        return
      }
      streams.set(key, { open: start(entry, tag), mode: first(entry.line) })
    },
    flush () {
      for (const s of streams.values()) close(s)
      streams.clear()
    },
    events: () => emitted,
  }
}

/** The event's text: its stored lines joined. */
export const eventText = (ev: AssembledEvent): string => ev.lines.join('\n')
