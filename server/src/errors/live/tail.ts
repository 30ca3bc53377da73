import { SEVERITIES, type Severity } from '../../metrics/names.js'
import { CATEGORIES } from '../classifier.js'
import { eventSignature } from '../events/feed-hook.js'
import { createEventCollector } from '../events/pipeline.js'
import { createGrouper } from '../group.js'
import type { LiveLifecycleRead } from '../lifecycle/live-pass.js'
import { createTally } from '../tally.js'
import type { LiveFrame } from './schemas.js'
import type { Subscription } from './subscription.js'
import type { Classified } from './window.js'

/** The tail's step: every step of the feed (feed.ts STEPS_S) is a multiple, so a tail step falls in one step of the page's chart. */
export const TAIL_STEP_S = 60

export interface TailOptions {
  groupLabels?: readonly string[]
  eventGapMs?: number
}

type Tail = Extract<LiveFrame, { type: 'errors.live' }>

/**
 * A subscriber's tail: the events whose first line is at or after `since`, as runFeed would count
 * them (feed.ts; events, not lines). The lines before `since` (the window's lookback) go through
 * assembly too, so the continuation of an event the client's answer already counted joins that
 * event and is not counted again. Computed whole at each refresh, so an event split across two
 * refreshes is one event.
 */
export async function computeTail (items: readonly Classified[], sub: Subscription, endNs: bigint, opts: TailOptions, complete: { complete: boolean, reasons: string[] }, lifecycle?: LiveLifecycleRead): Promise<Tail> {
  const sinceNs = BigInt(sub.sinceMs) * 1_000_000n
  const endMs = Number(endNs / 1_000_000n)
  const minRank = SEVERITIES.indexOf(sub.minSeverity)
  const grouper = createGrouper(sinceNs, endNs, opts.groupLabels)
  const tally = createTally(sinceNs, endNs > sinceNs ? endNs : sinceNs + 1n, TAIL_STEP_S)
  const events = createEventCollector({ gapMs: opts.eventGapMs })
  for (const { entry, code } of items) {
    if (entry.tsNs >= endNs) break
    // As runFeed: lines at minSeverity or above count as events; the others as lines.
    if (code <= minRank) events.push(entry, code)
    else tally.add(entry.tsNs, code)
  }
  // Events that began before `since` belong to the client's answer: assembled (their continuation is
  // theirs), never counted or grouped here.
  events.finish((ev, code) => {
    if (ev.head.tsNs < sinceNs || code >= SEVERITIES.length) return
    tally.add(ev.head.tsNs, code)
    grouper.addEvent(ev, CATEGORIES[code] as Severity, eventSignature(ev))
  })
  const values = tally.values()
  const col = (s: Severity) => [...values[s]]
  const series = { stepSeconds: TAIL_STEP_S, timestamps: tally.timestamps, critical: col('critical'), high: col('high'), medium: col('medium'), low: col('low') }
  const totals = Object.fromEntries(SEVERITIES.map((s) => [s, series[s].reduce((a, b) => a + b, 0)])) as Record<Severity, number>
  const reasons = [...complete.reasons]
  if (grouper.ungrouped() > 0) reasons.push(`${grouper.ungrouped()} lines had more distinct messages than can be grouped; they are counted in the totals only`)
  // As runFeed: muted groups left out (counted in `muted`) unless the page shows them; the others carry their lifecycle.
  const lc = await lifecycle?.view(grouper.summaries(), { startMs: sub.sinceMs, endMs }, sub.showMuted)
  if (lc?.reason !== undefined) reasons.push(lc.reason)
  const groups = grouper.result(sub.limit, lc?.hidden)
  return {
    type: 'errors.live',
    id: sub.id,
    since: new Date(sub.sinceMs).toISOString(),
    end: new Date(endMs).toISOString(),
    complete: complete.complete && reasons.length === 0,
    incompleteReasons: reasons,
    totals,
    groups: lc === undefined ? groups : groups.map((g) => { const l = lc.states.get(g.fingerprint); return l === undefined ? g : { ...g, lifecycle: l } }),
    ...(lc === undefined ? {} : { muted: { ...lc.muted, shown: sub.showMuted } }),
    series,
  }
}
