/** Half-open intervals [start, end) in epoch milliseconds, kept sorted and disjoint. */
export interface Interval { start: number, end: number }

export function merge (list: Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start)
  const out: Interval[] = []
  for (const i of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && i.start <= last.end) last.end = Math.max(last.end, i.end)
    else out.push({ ...i })
  }
  return out
}

/** a minus b; both merged. */
export function subtract (a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = []
  let j = 0
  for (const i of a) {
    let start = i.start
    while (j < b.length && (b[j] as Interval).end <= start) j++
    let k = j
    while (k < b.length && (b[k] as Interval).start < i.end) {
      const cut = b[k] as Interval
      if (cut.start > start) out.push({ start, end: cut.start })
      start = Math.max(start, cut.end)
      k++
    }
    if (start < i.end) out.push({ start, end: i.end })
  }
  return out
}

/** a ∩ b; both merged. */
export function intersect (a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval
    const y = b[j] as Interval
    const start = Math.max(x.start, y.start)
    const end = Math.min(x.end, y.end)
    if (start < end) out.push({ start, end })
    if (x.end < y.end) i++
    else j++
  }
  return out
}

export function contains (merged: Interval[], start: number, end: number): boolean {
  return merged.some((i) => i.start <= start && end <= i.end)
}
