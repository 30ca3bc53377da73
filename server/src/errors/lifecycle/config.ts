import { ConfigError, type Role } from '../../config.js'

export interface LifecycleConfig {
  /** ERROR_TRIAGE_ROLE: the least role that may resolve and mute error groups. */
  triageRole: Role
  /** ERROR_NEW_GROUP_ALERT_LIMIT: TovWatchNewErrorGroup alerts raised per window at most; the rest are summed in one. */
  newGroupAlertLimit: number
  /** ERROR_NEW_GROUP_ALERT_WINDOW in ms. */
  newGroupAlertWindowMs: number
  /** ERROR_NEW_GROUP_CHECK_S: how often the last minutes are grouped to find new groups when nobody looks (0: off). */
  newGroupCheckS: number
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/** The error lifecycle's variables; a bad value names its variable. */
export function loadLifecycleConfig (env: Record<string, string | undefined>): LifecycleConfig {
  const get = (name: string) => { const v = env[name]?.trim(); return v === undefined || v === '' ? undefined : v }
  const whole = (name: string, def: number, min: number, max: number): number => {
    const raw = get(name)
    if (raw === undefined) return def
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`)
    return Number(raw)
  }
  const role = get('ERROR_TRIAGE_ROLE') ?? 'viewer'
  if (role !== 'viewer' && role !== 'admin') throw new ConfigError('ERROR_TRIAGE_ROLE', `expected viewer or admin, got "${role}"`)
  const rawWindow = get('ERROR_NEW_GROUP_ALERT_WINDOW') ?? '1h'
  const m = /^(\d{1,4})([mhd])$/.exec(rawWindow)
  const windowMs = m === null ? NaN : Number(m[1]) * (UNIT_MS[m[2] as string] as number)
  if (!(windowMs >= 60_000 && windowMs <= 7 * 86_400_000)) throw new ConfigError('ERROR_NEW_GROUP_ALERT_WINDOW', `expected a duration from 1m to 7d such as 30m or 1h, got "${rawWindow}"`)
  return {
    triageRole: role,
    newGroupAlertLimit: whole('ERROR_NEW_GROUP_ALERT_LIMIT', 5, 0, 1000),
    newGroupAlertWindowMs: windowMs,
    newGroupCheckS: whole('ERROR_NEW_GROUP_CHECK_S', 60, 0, 3600),
  }
}
