import { merge, subtract, type Interval } from './intervals.js'
import { resolveLocal, zoneOffset } from './time.js'

export interface WeeklyWindow { dayOfWeek: number, startMinute: number, endMinute: number }
export interface AvailabilityException { start: number, end: number, kind: 'available' | 'unavailable' }

const DAY = 86_400_000

/**
 * Weekly windows, each in the player's own zone, as concrete instants between from and to.
 * Every local date is resolved on its own, so a 09:00-11:00 window is 09:00-11:00 local
 * on both sides of a daylight-saving change (and a different UTC time).
 */
export function expandWindows (windows: WeeklyWindow[], zone: string, from: number, to: number): Interval[] {
  if (windows.length === 0) return []
  const offsetAt = (ts: number) => zoneOffset(zone, ts)
  const out: Interval[] = []
  // Local calendar dates, as UTC-midnight numbers, from the day before `from` to the day after `to`.
  const firstLocal = Math.floor((from + offsetAt(from) * 60_000) / DAY) * DAY - DAY
  const lastLocal = Math.floor((to + offsetAt(to) * 60_000) / DAY) * DAY + DAY
  for (let day = firstLocal; day <= lastLocal; day += DAY) {
    const date = new Date(day)
    const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay()
    const y = date.getUTCFullYear()
    const m = date.getUTCMonth() + 1
    const d = date.getUTCDate()
    for (const w of windows) {
      if (w.dayOfWeek !== weekday) continue
      const start = resolveLocal(y, m, d, w.startMinute, offsetAt, 'earlier')
      const end = resolveLocal(y, m, d, w.endMinute, offsetAt, 'later')
      if (end > from && start < to && end > start) out.push({ start, end })
    }
  }
  return out
}

/** (weekly windows ∪ "available" exceptions) minus "unavailable" exceptions. */
export function availableIntervals (windows: WeeklyWindow[], exceptions: AvailabilityException[], zone: string, from: number, to: number): Interval[] {
  const plus = exceptions.filter((e) => e.kind === 'available').map(({ start, end }) => ({ start, end }))
  const minus = merge(exceptions.filter((e) => e.kind === 'unavailable').map(({ start, end }) => ({ start, end })))
  return subtract(merge([...expandWindows(windows, zone, from, to), ...plus]), minus)
}
