/** Which alert groups the user opened or closed, remembered in this browser (per `label=value`). */
const KEY = 'tw.alerts.groups'
const MAX = 500

export function groupsOpen (): Record<string, boolean> {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown
    return typeof v === 'object' && v !== null ? v as Record<string, boolean> : {}
  } catch {
    return {}
  }
}

export function rememberGroup (key: string, open: boolean): void {
  try {
    const all = groupsOpen()
    delete all[key]
    all[key] = open
    const keys = Object.keys(all)
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX))) delete all[k]
    localStorage.setItem(KEY, JSON.stringify(all))
  } catch {}
}
