import { IANAZone } from 'luxon'

export interface ZonedTime { utc: string, local: string, zone: string }
export const MINUTE = 60_000
const HOUR = 3600_000

const YEAR = 366 * 86_400_000
// Offsets per zone and year, computed once: time-zone rules are fixed for the life of the
// process, and asking Intl for each instant is the slowest part of a booking otherwise.
const offsetCache = new Map<string, Map<number, OffsetFn>>()

/** The zone's offset (minutes east of UTC) at ts, from a per-year table. */
export function zoneOffset (zone: string, ts: number): number {
  let years = offsetCache.get(zone)
  if (years === undefined) {
    if (offsetCache.size >= 1000) offsetCache.clear()
    offsetCache.set(zone, years = new Map())
  }
  const bucket = Math.floor(ts / YEAR)
  let fn = years.get(bucket)
  if (fn === undefined) years.set(bucket, fn = offsetsBetween(zone, bucket * YEAR, (bucket + 1) * YEAR))
  return fn(ts)
}

const pad = (n: number) => String(n).padStart(2, '0')

/** An instant answered in UTC and in the caller's own zone (ISO-8601 with the zone's offset then). */
export function zoned (at: Date, zone: string): ZonedTime {
  const ts = at.getTime()
  const offset = zoneOffset(zone, ts)
  const local = new Date(ts + offset * MINUTE).toISOString().replace(/\.000Z$/, 'Z').replace(/Z$/, '')
  const sign = offset < 0 ? '-' : '+'
  return { utc: at.toISOString(), local: `${local}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`, zone }
}

export function isValidZoneName (zone: string): boolean {
  return zone.length <= 64 && IANAZone.isValidZone(zone)
}

/** offsetAt(ts) in minutes east of UTC. */
export type OffsetFn = (ts: number) => number

/**
 * A zone's UTC offset over [from, to] without asking Intl for every instant (it is slow):
 * the offset is sampled every 6 hours and each change is located to the second. No real zone
 * changes its offset twice within 6 hours.
 */
export function offsetsBetween (zone: string, from: number, to: number): OffsetFn {
  const z = IANAZone.create(zone)
  const start = Math.floor(from / HOUR) * HOUR - 48 * HOUR
  const end = to + 48 * HOUR
  const changes: Array<{ at: number, offset: number }> = [{ at: -Infinity, offset: z.offset(start) }]
  let prev = changes[0]?.offset as number
  for (let t = start + 6 * HOUR; t <= end + 6 * HOUR; t += 6 * HOUR) {
    const o = z.offset(t)
    if (o === prev) continue
    let lo = t - 6 * HOUR
    let hi = t
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2)
      if (z.offset(mid) === prev) lo = mid
      else hi = mid
    }
    changes.push({ at: hi, offset: o })
    prev = o
  }
  if (changes.length === 1) {
    const only = prev
    return () => only
  }
  return (ts) => {
    let o = (changes[0] as { offset: number }).offset
    for (const c of changes) if (ts >= c.at) o = c.offset
    return o
  }
}

/**
 * The instant a local wall-clock time names, decided deliberately around daylight-saving changes:
 * - a time that happens twice (fall back) is the earlier instant for 'earlier' and the later one
 *   for 'later' (window starts take the earlier, window ends the later, so a window never shrinks);
 * - a time that never happens (spring-forward gap) is the instant the gap ends, i.e. the clock
 *   change itself, so a window 02:30-04:00 on that night starts at 03:00 local.
 */
export function resolveLocal (y: number, mo: number, d: number, minuteOfDay: number, offsetAt: OffsetFn, prefer: 'earlier' | 'later'): number {
  const naive = Date.UTC(y, mo - 1, d, 0, minuteOfDay)
  const offsets = new Set([offsetAt(naive - 36 * HOUR), offsetAt(naive), offsetAt(naive + 36 * HOUR)])
  const valid = [...offsets].map((o) => naive - o * MINUTE).filter((t) => naive - offsetAt(t) * MINUTE === t).sort((a, b) => a - b)
  if (valid.length > 0) return (prefer === 'earlier' ? valid[0] : valid[valid.length - 1]) as number
  // In a gap: the offset changes between lo (old offset) and hi (new offset); find the change.
  const sorted = [...offsets].sort((a, b) => a - b)
  let lo = naive - (sorted[sorted.length - 1] as number) * MINUTE
  let hi = naive - (sorted[0] as number) * MINUTE
  const before = offsetAt(lo)
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (offsetAt(mid) === before) lo = mid
    else hi = mid
  }
  return hi
}

/** resolveLocal for one time in a named zone. */
export function localToInstant (y: number, mo: number, d: number, minuteOfDay: number, zone: string, prefer: 'earlier' | 'later'): number {
  return resolveLocal(y, mo, d, minuteOfDay, (ts) => zoneOffset(zone, ts), prefer)
}
