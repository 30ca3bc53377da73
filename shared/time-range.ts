/**
 * Time ranges as people type them, shared by the server (GET /api/errors) and the UI's range
 * picker, so both accept and refuse the same input with the same words (no Node or DOM API here).
 * - a duration: `15m`, `6h`, `7d` (minutes, hours, days);
 * - a time: `now`, `now-2h`, an ISO 8601 time (`2026-11-22T02:00:00Z`, `2026-11-22 02:00`) or epoch milliseconds.
 */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION = /^(\d{1,6})\s*(m|h|d)$/
const NOW_MINUS = /^now\s*(?:-\s*(\d{1,6})\s*(m|h|d))?$/

/** `15m` → 900000; undefined when it is not a duration. */
export function parseDuration (raw: string): number | undefined {
  const m = DURATION.exec(raw.trim().toLowerCase())
  if (m === null) return undefined
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

/** 900000 → `15m`, the largest whole unit. */
export function formatDuration (ms: number): string {
  if (ms % UNIT_MS.d === 0) return `${ms / UNIT_MS.d}d`
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`
  return `${Math.max(1, Math.round(ms / UNIT_MS.m))}m`
}

/** A point in time: `now`, `now-2h`, ISO 8601 or epoch ms. `error` says what is wrong, for a person. */
export function parseTimeExpr (raw: string, now: number): { ms: number } | { error: string } {
  const v = raw.trim()
  const rel = NOW_MINUS.exec(v.toLowerCase())
  if (rel !== null) return { ms: rel[1] === undefined ? now : now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS] }
  if (/^\d{1,15}$/.test(v)) return { ms: Number(v) }
  if (/^\d{4}-\d\d-\d\d/.test(v)) {
    const ms = Date.parse(v.replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2'))
    if (Number.isFinite(ms)) return { ms }
  }
  return { error: `"${v.slice(0, 40)}" is not a time: write now, now-2h (m, h, d), an ISO 8601 time like 2026-11-22T02:00:00Z, or epoch milliseconds` }
}
