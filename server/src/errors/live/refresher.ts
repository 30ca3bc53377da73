import type { LogEntry, LogSource } from '../../logs/source.js'
import type { Classifier } from '../classifier.js'
import { anySeverity } from '../feed.js'
import type { LiveLifecycle, LiveLifecycleRead } from '../lifecycle/live-pass.js'
import type { LiveFrame } from './schemas.js'
import type { Subscription } from './subscription.js'
import { computeTail, type TailOptions } from './tail.js'
import { createLiveWindow, type LiveWindow } from './window.js'

/** Where a frame goes: one subscription of one socket. */
export interface LivePeer { send: (frame: LiveFrame) => void }

export interface RefresherOptions extends TailOptions {
  logSource: LogSource
  classifier: Classifier
  /** ERRORS_LIVE_INTERVAL_MS. */
  intervalMs: number
  /** Lines read again before the last end, for lines that reach Loki late. */
  overlapMs?: number
  /** Lines read before a subscriber's `since`, so an event it already counted is not counted again. */
  lookbackMs?: number
  /** The oldest `since` taken; an older tail is refused with `rebase` (the page reloads). */
  maxTailMs?: number
  /** Lines kept per search; past it the oldest subscribers are told to rebase. */
  maxLines?: number
  maxSubscriptions?: number
  /** Distinct searches (each a Loki query per refresh) at most (default DEFAULT_MAX_SEARCHES). */
  maxSearches?: number
  /** The error lifecycle, read only (lifecycle/live-pass.ts): muted groups left out, badges on the others. */
  lifecycle?: LiveLifecycle
  now?: () => number
  onError?: (err: Error) => void
}

export const DEFAULT_OVERLAP_MS = 30_000
export const DEFAULT_LOOKBACK_MS = 30_000
export const DEFAULT_MAX_TAIL_MS = 3_600_000
export const DEFAULT_MAX_LINES = 50_000
export const DEFAULT_MAX_SUBSCRIPTIONS = 2000
/** Distinct live searches per instance: each costs Loki one small query per refresh. */
export const DEFAULT_MAX_SEARCHES = 50
const ns = (ms: number) => BigInt(ms) * 1_000_000n

interface Sub { peer: LivePeer, sub: Subscription, sentKey: string, version: number }
/** `version` changes whenever the window's lines or completeness change: a subscriber already sent that version is skipped. */
interface Search { window: LiveWindow, filter: Subscription['filter'], subs: Set<Sub>, version: number, outcome: { complete: boolean, reasons: string[] } }

/**
 * The live error feed of one instance: ONE shared refresh every `intervalMs` while anyone
 * subscribes, whatever the number of viewers. Subscribers with the same search share one small
 * query of the open end (one per distinct search, through the log source and so through the Loki
 * client's limiter, retries and breaker); each gets its own tail (its severity, limit and
 * `since`) computed from the shared lines, pushed only when it changed.
 */
export function createLiveRefresher (o: RefresherOptions) {
  const overlapNs = ns(o.overlapMs ?? DEFAULT_OVERLAP_MS)
  const lookbackNs = ns(o.lookbackMs ?? DEFAULT_LOOKBACK_MS)
  const maxTailMs = o.maxTailMs ?? DEFAULT_MAX_TAIL_MS
  const maxLines = o.maxLines ?? DEFAULT_MAX_LINES
  const now = o.now ?? Date.now
  const include = anySeverity(o.classifier.unions)
  const searches = new Map<string, Search>()
  const byPeer = new Map<LivePeer, Map<string, Sub>>()
  let count = 0
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = false
  const stats = { refreshes: 0, queries: 0 }

  function schedule () {
    if (timer !== undefined || stopped || count === 0) return
    timer = setTimeout(() => { timer = undefined; tick().catch(() => {}) }, o.intervalMs)
    timer.unref()
  }

  async function tick () {
    await refresh()
    schedule()
  }

  function drop (peer: LivePeer, id: string) {
    const mine = byPeer.get(peer)
    const s = mine?.get(id)
    if (s === undefined || mine === undefined) return
    mine.delete(id)
    if (mine.size === 0) byPeer.delete(peer)
    count--
    const search = searches.get(s.sub.fetchKey)
    search?.subs.delete(s)
    if (search !== undefined && search.subs.size === 0) searches.delete(s.sub.fetchKey)
    if (count === 0 && timer !== undefined) { clearTimeout(timer); timer = undefined }
  }

  async function refreshSearch (search: Search, nowMs: number, lifecycle: LiveLifecycleRead | undefined) {
    const nowNs = ns(nowMs)
    let needFrom = nowNs
    for (const s of search.subs) {
      if (s.sub.sinceMs < nowMs - maxTailMs) {
        s.peer.send({ type: 'errors.live.refused', id: s.sub.id, reason: 'rebase', field: 'since', message: 'the live tail is older than it is kept: reload the feed and subscribe from its end' })
        drop(s.peer, s.sub.id)
        continue
      }
      const from = ns(s.sub.sinceMs) - lookbackNs
      if (from < needFrom) needFrom = from
    }
    if (search.subs.size === 0) return
    const before = search.window.size()
    search.window.prune(needFrom)
    if (search.window.size() !== before) search.version++
    const range = search.window.nextRange(needFrom, nowNs)
    if (range !== undefined) {
      const got: LogEntry[] = []
      stats.queries++
      const out = await o.logSource.query({ startNs: range.startNs, endNs: range.endNs, filter: search.filter, include, maxEntries: maxLines, tail: true }, (page) => { for (const e of page) got.push(e) })
      const codes = o.classifier.classifyBatch(got.map((e) => e.line))
      const outcome = { complete: out.complete, reasons: out.incompleteReasons }
      if (search.window.add(range, got, codes) > 0 || JSON.stringify(outcome) !== JSON.stringify(search.outcome)) search.version++
      search.outcome = outcome
    }
    if (search.window.size() > maxLines) {
      // Too many lines for a live tail: the oldest subscriber reloads (a full feed answer) and comes back later.
      const oldest = [...search.subs].sort((a, b) => a.sub.sinceMs - b.sub.sinceMs)[0]
      if (oldest !== undefined) {
        oldest.peer.send({ type: 'errors.live.refused', id: oldest.sub.id, reason: 'rebase', message: `more than ${maxLines} lines since this page loaded: reload the feed and subscribe from its end` })
        drop(oldest.peer, oldest.sub.id)
      }
    }
    for (const s of search.subs) {
      // Nothing new since this subscriber's last tail: no work, nothing sent.
      if (s.version === search.version && s.sentKey !== '') continue
      s.version = search.version
      const tail = await computeTail(search.window.items(), s.sub, nowNs, o, search.outcome, lifecycle)
      // Unchanged counts and badges (nothing new for this viewer): nothing sent.
      const key = JSON.stringify([tail.totals, tail.complete, tail.muted, tail.groups.map((g) => [g.fingerprint, g.count, g.lifecycle?.regressed, g.lifecycle?.resolved, g.lifecycle?.muted])])
      if (key === s.sentKey) continue
      s.sentKey = key
      s.peer.send(tail)
    }
  }

  /** One shared refresh of every search in use (serialised: a slow Loki never stacks refreshes). */
  function refresh (): Promise<void> {
    running ??= (async () => {
      try {
        stats.refreshes++
        const nowMs = now()
        // One lifecycle read per refresh, shared by every search and subscriber.
        const lifecycle = o.lifecycle?.begin()
        for (const search of [...searches.values()]) {
          try {
            await refreshSearch(search, nowMs, lifecycle)
          } catch (err) {
            o.onError?.(err as Error)
          }
        }
      } finally {
        running = undefined
      }
    })()
    return running
  }

  // A resolve or mute changes tails without any new line: every subscriber is recomputed next refresh.
  const offLifecycle = o.lifecycle?.onChange(() => {
    for (const search of searches.values()) search.version++
  })

  return {
    /** Adds (or replaces) a subscription; the first tail comes with the next refresh. */
    subscribe (peer: LivePeer, sub: Subscription): boolean {
      if (stopped) return false
      drop(peer, sub.id)
      if (count >= (o.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS)) {
        peer.send({ type: 'errors.live.refused', id: sub.id, reason: 'limit', message: 'too many live subscriptions on this instance: the page refreshes by itself instead' })
        return false
      }
      if (!searches.has(sub.fetchKey) && searches.size >= (o.maxSearches ?? DEFAULT_MAX_SEARCHES)) {
        peer.send({ type: 'errors.live.refused', id: sub.id, reason: 'limit', field: 'q', message: `too many different live searches on this instance (${o.maxSearches ?? DEFAULT_MAX_SEARCHES}; each costs Loki a query per refresh): the page refreshes by itself instead` })
        return false
      }
      let search = searches.get(sub.fetchKey)
      if (search === undefined) searches.set(sub.fetchKey, search = { window: createLiveWindow(overlapNs), filter: sub.filter, subs: new Set(), version: 0, outcome: { complete: true, reasons: [] } })
      const s: Sub = { peer, sub, sentKey: '', version: -1 }
      search.subs.add(s)
      let mine = byPeer.get(peer)
      if (mine === undefined) byPeer.set(peer, mine = new Map())
      mine.set(sub.id, s)
      count++
      schedule()
      return true
    },
    unsubscribe: drop,
    /** Subscriptions a socket holds now (the refresher may have ended some itself: too old, too big). */
    held: (peer: LivePeer) => byPeer.get(peer)?.size ?? 0,
    has: (peer: LivePeer, id: string) => byPeer.get(peer)?.has(id) ?? false,
    /** A socket closed: all its subscriptions end. */
    leave (peer: LivePeer) {
      for (const id of [...(byPeer.get(peer)?.keys() ?? [])]) drop(peer, id)
    },
    refresh,
    subscriptions: () => count,
    searches: () => searches.size,
    stats: () => ({ ...stats }),
    maxTailMs,
    async stop () {
      stopped = true
      offLifecycle?.()
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      await running
    },
  }
}
export type LiveRefresher = ReturnType<typeof createLiveRefresher>
