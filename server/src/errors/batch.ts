import type RE2 from 're2'

/** Critical lines are searched in runs of this many lines, then of LEAF lines, then line by line. */
const RUN = 64
const LEAF = 8
const CRITICAL = 0

type Input = string | Buffer

export interface BatchParts {
  /** Exact per-line tests (the classifier's RE2.Sets). */
  critical: (input: Input) => boolean
  /** The critical rules rewritten so no match spans lines ("m" flag), or undefined when that is impossible. */
  criticalAcrossLines: RE2 | undefined
  one: (input: Input) => number
  rest: (input: Input) => number
  bounded: (line: string) => string
  /** Longer lines are classified alone, on their bounded prefix. */
  maxLineChars: number
}

/**
 * Classifies lines [from, to) into out: the lines are joined into one UTF-8 buffer
 * (one conversion instead of one per line), critical lines are found with one RE2
 * pass per run of lines, and every other line gets the per-line noise/severity tests.
 */
export function createBatch (p: BatchParts) {
  // Reused between calls: a fresh buffer per page would keep the GC busy.
  let scratch = Buffer.allocUnsafe(64 * 1024)
  let offs = new Int32Array(0)
  let alone = new Uint8Array(0)
  let crit = new Uint8Array(0)

  return (lines: readonly string[], from: number, to: number, out: Uint8Array) => {
    const n = to - from
    if (n <= 0) return
    const joined = lines.slice(from, to).join('\n')
    const size = Buffer.byteLength(joined, 'utf8')
    if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2))
    scratch.write(joined, 0, size, 'utf8')
    const buf = scratch
    const ascii = size === joined.length
    if (offs.length < n + 1) {
      offs = new Int32Array(n + 1)
      alone = new Uint8Array(n)
      crit = new Uint8Array(n)
    }
    // Multi-line entries and huge lines are classified alone (exact per-entry semantics).
    alone.fill(0, 0, n)
    crit.fill(0, 0, n)
    for (let i = 0, o = 0; i < n; i++) {
      const line = lines[from + i] as string
      offs[i] = o
      o += (ascii ? line.length : Buffer.byteLength(line, 'utf8')) + 1
      offs[i + 1] = o
      if (line.length > p.maxLineChars || line.includes('\n')) alone[i] = 1
    }
    const line = (i: number) => buf.subarray(offs[i] as number, (offs[i + 1] as number) - 1)
    const across = p.criticalAcrossLines
    // One RE2 pass per run of lines; only a run that holds a critical line is looked at closer.
    const find = (a: number, b: number, size: number) => {
      for (let s = a; s < b; s += size) {
        const e = Math.min(b, s + size)
        if (size === 1 || across === undefined) {
          if (alone[s] === 0 && p.critical(line(s))) crit[s] = 1
        } else if (across.test(buf.subarray(offs[s] as number, (offs[e] as number) - 1))) {
          find(s, e, size > LEAF ? LEAF : 1)
        }
      }
    }
    find(0, n, across === undefined ? 1 : RUN)
    for (let i = 0; i < n; i++) {
      out[from + i] = alone[i] === 1 ? p.one(p.bounded(lines[from + i] as string)) : crit[i] === 1 ? CRITICAL : p.rest(line(i))
    }
  }
}
