import { SEVERITIES } from '../../shared/severity.js'
import type { ErrorGroup, ErrorsResponse, GroupLifecycle, StreamMessage } from './types.js'

/** A live tail of the error feed (errors/live/ on the server): what happened after the answer's end. */
export type LiveTail = Extract<StreamMessage, { type: 'errors.live' }>

const rank = (g: ErrorGroup) => SEVERITIES.indexOf(g.severity)
const SAMPLES = 3

/**
 * The tail's lifecycle (read when it was computed) wins, but `new` is within the page's range (the
 * tail only knows its own), and the audit trail is the answer's (the tail carries none).
 */
function mergeLifecycle (base: GroupLifecycle | undefined, tail: GroupLifecycle | undefined): GroupLifecycle | undefined {
  if (tail === undefined || base === undefined) return tail ?? base
  return { ...tail, new: base.new || tail.new, audit: tail.audit.length > 0 ? tail.audit : base.audit }
}

/**
 * The answer the page shows: the feed's answer plus the live tail after it. The tail is whole each
 * time (not a delta), so merging the same base with a newer tail never counts anything twice.
 * Groups keep their rows' order (no row jumps under the reader's eyes); a group new in the tail goes
 * first among its severity. The tail's 60 s steps fall inside the chart's steps (every step is a
 * multiple of 60 s); past the chart's last step, steps are added.
 */
export function mergeTail (base: ErrorsResponse, tail: LiveTail): ErrorsResponse {
  const byFp = new Map(tail.groups.map((g) => [g.fingerprint, g]))
  // A page that hides muted groups never shows one, whichever side knew of the mute first (the server
  // leaves them out of its tails; a mute made on this page is in the answer's lifecycle before the reload).
  const hideMuted = base.muted?.shown !== true
  const muted = (g: ErrorGroup) => hideMuted && (g.lifecycle?.muted ?? null) !== null
  const groups: ErrorGroup[] = base.groups.flatMap((g) => {
    const t = byFp.get(g.fingerprint)
    if (t === undefined) return muted(g) ? [] : [g]
    byFp.delete(g.fingerprint)
    const sparkline = [...g.sparkline]
    if (sparkline.length > 0) sparkline[sparkline.length - 1] = (sparkline[sparkline.length - 1] as number) + t.count
    const lifecycle = mergeLifecycle(g.lifecycle, t.lifecycle)
    const out: ErrorGroup = { ...g, count: g.count + t.count, lastSeen: t.lastSeen, samples: [...t.samples, ...g.samples].slice(0, Math.max(SAMPLES, g.samples.length)), sparkline, severity: rank(t) < rank(g) ? t.severity : g.severity, ...(lifecycle !== undefined ? { lifecycle } : {}) }
    return muted(out) ? [] : [out]
  })
  for (const t of byFp.values()) {
    if (muted(t)) continue
    const at = groups.findIndex((g) => rank(g) >= rank(t))
    groups.splice(at < 0 ? groups.length : at, 0, t)
  }

  const s = base.series
  const stepMs = s.stepSeconds * 1000
  const first = s.timestamps[0] ?? Math.floor(Date.parse(base.range.start) / stepMs) * stepMs
  const timestamps = [...s.timestamps]
  const cols = { critical: [...s.critical], high: [...s.high], medium: [...s.medium], low: [...s.low] }
  tail.series.timestamps.forEach((t, i) => {
    const j = Math.floor((t - first) / stepMs)
    if (j < 0) return
    while (timestamps.length <= j) {
      timestamps.push(first + timestamps.length * stepMs)
      for (const sev of SEVERITIES) cols[sev].push(0)
    }
    for (const sev of SEVERITIES) cols[sev][j] = (cols[sev][j] as number) + (tail.series[sev][i] ?? 0)
  })
  const totals = { ...base.totals }
  for (const sev of SEVERITIES) totals[sev] += tail.totals[sev]

  return {
    ...base,
    measuredAt: tail.end,
    range: { start: base.range.start, end: tail.end },
    complete: base.complete && tail.complete,
    incompleteReasons: [...base.incompleteReasons, ...tail.incompleteReasons],
    totals,
    groups,
    // Events add up; the groups are at least the more of the two (a group muted in both is one).
    ...(base.muted !== undefined && tail.muted !== undefined ? { muted: { groups: Math.max(base.muted.groups, tail.muted.groups), events: base.muted.events + tail.muted.events, shown: base.muted.shown } } : {}),
    series: { stepSeconds: s.stepSeconds, timestamps, ...cols },
  }
}
