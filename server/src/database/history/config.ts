import { ConfigError } from '../../config.js'

export interface HistoryConfig {
  /** ROW_DROP_WARN_PCT: a fall above this % of the window's high is a warning. */
  dropWarnPct: number
  /** ROW_DROP_WARN_ROWS: a fall of at least this many rows is a warning (unset: off). */
  dropWarnRows: number | undefined
  /** ROW_DROP_WINDOW in ms. */
  dropWindowMs: number
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/** The row-drop warning's variables; a bad value names its variable. */
export function loadHistoryConfig (env: Record<string, string | undefined>): HistoryConfig {
  const get = (name: string) => { const v = env[name]?.trim(); return v === undefined || v === '' ? undefined : v }
  const whole = (name: string, min: number, max: number): number | undefined => {
    const raw = get(name)
    if (raw === undefined) return undefined
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`)
    return Number(raw)
  }
  const rawWindow = get('ROW_DROP_WINDOW') ?? '1h'
  const m = /^(\d{1,4})([mhd])$/.exec(rawWindow)
  const windowMs = m === null ? NaN : Number(m[1]) * (UNIT_MS[m[2] as string] as number)
  // The window is read from every-probe history, which is kept 24 h.
  if (!(windowMs >= 60_000 && windowMs <= 24 * 3_600_000)) throw new ConfigError('ROW_DROP_WINDOW', `expected a duration from 1m to 24h such as 30m or 1h, got "${rawWindow}"`)
  return {
    dropWarnPct: whole('ROW_DROP_WARN_PCT', 1, 100) ?? 10,
    dropWarnRows: whole('ROW_DROP_WARN_ROWS', 1, 1_000_000_000),
    dropWindowMs: windowMs,
  }
}
