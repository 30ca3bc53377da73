import { LRUCache } from 'lru-cache'
import { SEVERITIES, type Severity } from '../../metrics/names.js'
import { redactSample } from '../group.js'
import type { createNewGroupAlerts } from './new-group-alert.js'
import { isMuted, lifecycleOf, needsWrite, regresses, type GroupLifecycle } from './rules.js'
import type { LifecycleStore, Observation } from './store.js'

/** What the grouper knows of a group before the answer is cut to its limit (group.ts, summaries(); the template not yet redacted). */
export interface GroupSummary { fingerprint: string, template: string, severity: Severity, count: number, firstNs: bigint, lastNs: bigint }

export interface FeedContext { startMs: number, endMs: number, showMuted: boolean, complete: boolean }

export interface LifecycleView {
  /** Groups left out of the answer (muted, unless asked for). */
  hidden: ReadonlySet<string>
  /** Muted groups in the range and their events, shown or not. */
  muted: { groups: number, events: number }
  /** Set when the store did not answer: the answer is then incomplete. */
  reason?: string
  /** The lifecycle of the groups the answer keeps (with their audit trail). */
  describe: (fingerprints: string[]) => Promise<Map<string, GroupLifecycle>>
}

export interface FeedLifecycle { observe: (groups: GroupSummary[], ctx: FeedContext) => Promise<LifecycleView> }

export const AUDIT_PER_GROUP = 5
/** Groups whose stored first/last seen this instance knows, so an answer that moves nothing writes nothing. */
const KNOWN_MAX = 100_000
const rank = (s: string) => { const i = (SEVERITIES as readonly string[]).indexOf(s); return i < 0 ? SEVERITIES.length : i }
const msOf = (ns: bigint) => new Date(Number(ns / 1_000_000n))
const NOT_KNOWN = 'new, regressed, resolved and muted are not known, and muted groups are shown'

export interface FeedLifecycleDeps {
  /** undefined until the store's tables are ready. */
  store: () => LifecycleStore | undefined
  alerts: ReturnType<typeof createNewGroupAlerts>
  /** A group first seen longer ago than this is not alerted as new. */
  alertWindowMs: number
  onError: (err: Error) => void
  now?: () => Date
}

interface Known { firstSeen: Date, lastSeen: Date, severity: string, alertSettled: boolean }

/**
 * The feed's lifecycle pass, once per answer, kept cheap for answers of thousands of groups:
 * - writes: first/last seen only grow, so what this instance last wrote or read is a bound of the
 *   stored row; only groups the answer moves past it are written, in one batched upsert (none when
 *   nothing moved);
 * - one read of the few groups that are resolved or muted (regressions, and which to leave out);
 * - new-group alerts for critical and high groups first seen within the window, claimed once in the
 *   store (from complete answers only: a failed chunk could hide an older occurrence);
 * - the full rows and audit trail only of the groups the answer keeps (describe).
 */
export function createFeedLifecycle (deps: FeedLifecycleDeps): FeedLifecycle {
  const now = deps.now ?? (() => new Date())
  const known = new LRUCache<string, Known>({ max: KNOWN_MAX })
  const remember = (o: Observation) => {
    const k = known.get(o.fingerprint)
    known.set(o.fingerprint, k === undefined
      ? { firstSeen: o.first, lastSeen: o.last, severity: o.severity, alertSettled: false }
      : { firstSeen: o.first < k.firstSeen ? o.first : k.firstSeen, lastSeen: o.last > k.lastSeen ? o.last : k.lastSeen, severity: rank(o.severity) < rank(k.severity) ? o.severity : k.severity, alertSettled: k.alertSettled })
  }
  return {
    async observe (groups, ctx) {
      const store = deps.store()
      const empty: LifecycleView = { hidden: new Set(), muted: { groups: 0, events: 0 }, describe: async () => new Map() }
      if (store === undefined) return { ...empty, reason: `the error lifecycle store is not ready: ${NOT_KNOWN}` }
      try {
        const t = now()
        const obs: Observation[] = groups.map((g) => ({ fingerprint: g.fingerprint, first: msOf(g.firstNs), last: msOf(g.lastNs), severity: g.severity, template: g.template }))
        const moved = obs.filter((o) => needsWrite(known.get(o.fingerprint), o, rank))
        if (moved.length > 0) await store.record(moved.map((o) => ({ ...o, template: redactSample(o.template) })))
        for (const o of moved) remember(o)
        const fps = obs.map((o) => o.fingerprint)
        const flagged = await store.flagged(fps, t)
        const back = obs.filter((o) => regresses(flagged.get(o.fingerprint), o)).map((o) => ({ fingerprint: o.fingerprint, at: o.last }))
        const regressed = new Set(back.length > 0 ? await store.regress(back, t) : [])
        if (ctx.complete) await alertNew(store, obs, t)
        const hidden = new Set<string>()
        const muted = { groups: 0, events: 0 }
        for (const g of groups) {
          const row = flagged.get(g.fingerprint)
          if (row === undefined || !isMuted(row, t)) continue
          muted.groups++
          muted.events += g.count
          if (!ctx.showMuted) hidden.add(g.fingerprint)
        }
        return {
          hidden,
          muted,
          async describe (keep) {
            const out = new Map<string, GroupLifecycle>()
            try {
              const rows = await store.read(keep)
              const withTrail = keep.filter((fp) => (rows.get(fp)?.actions ?? 0) > 0 || regressed.has(fp))
              const trails = await store.audit(withTrail, AUDIT_PER_GROUP)
              for (const [fp, row] of rows) out.set(fp, lifecycleOf(row, ctx, t, trails.get(fp)))
            } catch (err) {
              deps.onError(err as Error)
            }
            return out
          },
        }
      } catch (err) {
        deps.onError(err as Error)
        return { ...empty, reason: `the error lifecycle store (TOVWATCH_DATABASE_URL) did not answer: ${NOT_KNOWN}` }
      }
    },
  }

  /** Critical and high groups this answer saw first within the window, not yet settled: claimed once in the store, then alerted. */
  async function alertNew (store: LifecycleStore, obs: Observation[], t: Date) {
    const since = new Date(t.getTime() - deps.alertWindowMs)
    const candidates = obs.filter((o) => rank(o.severity) <= 1 && o.first >= since && known.get(o.fingerprint)?.alertSettled !== true)
    if (candidates.length === 0) return
    const claimed = await store.claimAlerts(candidates.map((o) => o.fingerprint), t, since)
    for (const o of candidates) { const k = known.get(o.fingerprint); if (k !== undefined) k.alertSettled = true }
    deps.alerts.raise(claimed.map((r) => ({ fingerprint: r.fingerprint, severity: r.severity as Severity, template: r.template, firstSeen: r.firstSeen })))
  }
}
