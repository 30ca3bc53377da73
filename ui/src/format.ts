const nf = new Intl.NumberFormat('en-US')

export function formatCount (n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return nf.format(n)
}

/** 1234 → "1.2k": for tight spots (badges, sparkline labels). */
export function formatCompact (n: number): string {
  if (Math.abs(n) < 1000) return String(n)
  if (Math.abs(n) < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`
  return `${(n / 1_000_000).toFixed(1)}M`
}

export function formatSigned (n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return n > 0 ? `+${nf.format(n)}` : n < 0 ? `−${nf.format(-n)}` : '0'
}

export function formatBytes (n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

/** Seconds → "45 s", "3 min 12 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration (seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) { const m = Math.floor(s / 60); const r = s % 60; return r === 0 ? `${m} min` : `${m} min ${r} s` }
  if (s < 86_400) { const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60); return m === 0 ? `${h} h` : `${h} h ${m} min` }
  const d = Math.floor(s / 86_400); const h = Math.floor((s % 86_400) / 3600)
  return h === 0 ? `${d} d` : `${d} d ${h} h`
}

/** "just now" / "12 s ago" / "3 min ago"; a time in the future (clock skew) reads as "just now". */
export function formatAgo (iso: string | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return 'never'
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return 'unknown'
  const s = (now - t) / 1000
  if (s < 1) return 'just now'
  if (s < 3600) return `${formatDuration(s >= 60 ? Math.floor(s / 60) * 60 : s)} ago`
  return `${formatDuration(s >= 86_400 ? Math.floor(s / 3600) * 3600 : Math.floor(s / 60) * 60)} ago`
}

/** A measurement is stale when it is older than `staleAfterS` (e.g. two probe intervals). */
export function isStale (iso: string | null | undefined, now: number, staleAfterS: number): boolean {
  if (iso === null || iso === undefined) return true
  const t = Date.parse(iso)
  return Number.isNaN(t) || now - t > staleAfterS * 1000
}

const timeFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })
export function formatTime (iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—'
  const t = Date.parse(iso)
  return Number.isNaN(t) ? '—' : timeFmt.format(t)
}

export function formatPct (n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  return `${n.toFixed(n < 10 ? 1 : 0)} %`
}
