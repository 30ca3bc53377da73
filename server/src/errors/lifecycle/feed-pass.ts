import { SEVERITIES, type Severity } from '../../metrics/names.js'
import { redactSample } from '../group.js'
import type { createNewGroupAlerts } from './new-group-alert.js'
import { alertDue, isMuted, lifecycleOf, merged, needsWrite, regresses, type GroupLifecycle } from './rules.js'
import type { GroupRow, LifecycleStore, Observation } from './store.js'

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
const rank = (s: string) => { const i = (SEVERITIES as readonly string[]).indexOf(s); return i < 0 ? SEVERITIES.length : i }
const msOf = (ns: bigint) => new Date(Number(ns / 1_000_000n))

export interface FeedLifecycleDeps {
  /** undefined until the store's tables are ready. */
  store: () => LifecycleStore | undefined
  alerts: ReturnType<typeof createNewGroupAlerts>
  /** A group first seen longer ago than this is not alerted as new. */
  alertWindowMs: number
  onError: (err: Error) => void
  now?: () => Date
}

/**
 * The feed's lifecycle pass, once per answer: one read of every group's row, one batched write
 * of the rows the answer moves (first seen earlier, last seen later, more severe, new; nothing when
 * nothing changed), regressions, the new-group alerts (from complete answers only: a failed
 * chunk could hide an older occurrence), then which groups are muted.
 */
export function createFeedLifecycle (deps: FeedLifecycleDeps): FeedLifecycle {
  const now = deps.now ?? (() => new Date())
  return {
    async observe (groups, ctx) {
      const store = deps.store()
      const empty: LifecycleView = { hidden: new Set(), muted: { groups: 0, events: 0 }, describe: async () => new Map() }
      if (store === undefined) return { ...empty, reason: 'the error lifecycle store is not ready: new, regressed, resolved and muted are not known, and muted groups are shown' }
      try {
        const t = now()
        const obs: Observation[] = groups.map((g) => ({ fingerprint: g.fingerprint, first: msOf(g.firstNs), last: msOf(g.lastNs), severity: g.severity, template: g.template }))
        const rows = await store.read(obs.map((o) => o.fingerprint))
        await store.record(obs.filter((o) => needsWrite(rows.get(o.fingerprint), o, rank)).map((o) => ({ ...o, template: redactSample(o.template) })))
        const back = obs.filter((o) => regresses(rows.get(o.fingerprint), o)).map((o) => ({ fingerprint: o.fingerprint, at: o.last }))
        if (back.length > 0) await store.regress(back, t)
        const after = new Map<string, GroupRow>(obs.map((o) => [o.fingerprint, merged(rows.get(o.fingerprint), o, rank)]))
        if (ctx.complete) {
          const due = [...after.values()].filter((r) => alertDue(r, t, deps.alertWindowMs))
          if (due.length > 0) {
            const claimed = new Set(await store.claimAlerts(due.map((r) => r.fingerprint), t))
            deps.alerts.raise(due.filter((r) => claimed.has(r.fingerprint)).map((r) => ({ fingerprint: r.fingerprint, severity: r.severity as Severity, template: redactSample(r.template), firstSeen: r.firstSeen })))
          }
        }
        const hidden = new Set<string>()
        const muted = { groups: 0, events: 0 }
        for (const g of groups) {
          if (!isMuted(after.get(g.fingerprint) as GroupRow, t)) continue
          muted.groups++
          muted.events += g.count
          if (!ctx.showMuted) hidden.add(g.fingerprint)
        }
        return {
          hidden,
          muted,
          async describe (fingerprints) {
            const withTrail = fingerprints.filter((fp) => (after.get(fp)?.actions ?? 0) > 0)
            const trails = await store.audit(withTrail, AUDIT_PER_GROUP).catch((err: unknown) => { deps.onError(err as Error); return new Map<string, never>() })
            const out = new Map<string, GroupLifecycle>()
            for (const fp of fingerprints) {
              const row = after.get(fp)
              if (row !== undefined) out.set(fp, lifecycleOf(row, ctx, t, trails.get(fp)))
            }
            return out
          },
        }
      } catch (err) {
        deps.onError(err as Error)
        return { ...empty, reason: 'the error lifecycle store (TOVWATCH_DATABASE_URL) did not answer: new, regressed, resolved and muted are not known, and muted groups are shown' }
      }
    },
  }
}
