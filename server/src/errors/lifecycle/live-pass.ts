import { SEVERITIES } from '../../metrics/names.js'
import type { GroupSummary } from './feed-pass.js'
import { isMuted, lifecycleOf, merged, type GroupLifecycle } from './rules.js'
import type { GroupRow, LifecycleStore } from './store.js'

/** What a live tail's groups are in the lifecycle: which to leave out, the muted count, each kept group's badges. */
export interface LiveLifecycleView {
  hidden: ReadonlySet<string>
  muted: { groups: number, events: number }
  states: ReadonlyMap<string, GroupLifecycle>
  /** Set when the store did not answer (the tail is then incomplete, as the feed would be). */
  reason?: string
}

export interface LiveLifecycleRead {
  view: (groups: GroupSummary[], range: { startMs: number, endMs: number }, showMuted: boolean) => Promise<LiveLifecycleView>
}

const rank = (s: string) => { const i = (SEVERITIES as readonly string[]).indexOf(s); return i < 0 ? SEVERITIES.length : i }
const msOf = (ns: bigint) => new Date(Number(ns / 1_000_000n))
const NOT_KNOWN = 'new, regressed, resolved and muted are not known, and muted groups are shown'

/**
 * The lifecycle of the live tails (errors/live/), READ ONLY. The feed pass (feed-pass.ts) writes
 * first/last seen, regressions and new-group claims; a live refresh comes every few seconds and
 * almost always moves some group's last seen, so writing from here would be one upsert per refresh
 * per instance for what the next feed answer (a reload, the new-group watch every minute) writes
 * anyway. Instead the stored row is read and the tail's observation applied in memory with the
 * feed's own rules (rules.ts merged(): first/last seen widened, a resolved group seen after its
 * resolution shown regressed), so the badges are those the feed will give, and the store stays
 * the feed pass's to write. Audit trails are not read (the page has them from its answer).
 *
 * `begin()` is one refresh: rows are read once per refresh whatever the number of subscribers
 * (each reads only the groups not yet read in this refresh), and read again at the next refresh.
 * A resolve or mute on this instance calls `changed()`: the refresher then recomputes every tail
 * at its next refresh even when no new line came, so the change shows in the next tail.
 */
export function createLiveLifecycle (deps: { store: () => LifecycleStore | undefined, onError: (err: Error) => void, now?: () => Date }) {
  const now = deps.now ?? (() => new Date())
  const listeners = new Set<() => void>()
  return {
    /** A group was resolved, reopened, muted or unmuted here. */
    changed (): void { for (const f of listeners) f() },
    onChange (f: () => void): () => void { listeners.add(f); return () => { listeners.delete(f) } },
    begin (): LiveLifecycleRead {
      const t = now()
      const rows = new Map<string, GroupRow | undefined>()
      let failed: string | undefined
      return {
        async view (groups, range, showMuted) {
          const hidden = new Set<string>()
          const muted = { groups: 0, events: 0 }
          const states = new Map<string, GroupLifecycle>()
          const store = deps.store()
          if (store === undefined) return { hidden, muted, states, reason: `the error lifecycle store is not ready: ${NOT_KNOWN}` }
          const missing = groups.map((g) => g.fingerprint).filter((fp) => !rows.has(fp))
          if (failed === undefined && missing.length > 0) {
            try {
              const got = await store.read(missing)
              for (const fp of missing) rows.set(fp, got.get(fp))
            } catch (err) {
              deps.onError(err as Error)
              failed = `the error lifecycle store (TOVWATCH_DATABASE_URL) did not answer: ${NOT_KNOWN}`
            }
          }
          if (failed !== undefined) return { hidden, muted, states, reason: failed }
          for (const g of groups) {
            const row = merged(rows.get(g.fingerprint), { fingerprint: g.fingerprint, first: msOf(g.firstNs), last: msOf(g.lastNs), severity: g.severity, template: g.template }, rank)
            if (isMuted(row, t)) {
              muted.groups++
              muted.events += g.count
              if (!showMuted) { hidden.add(g.fingerprint); continue }
            }
            states.set(g.fingerprint, lifecycleOf(row, range, t))
          }
          return { hidden, muted, states }
        },
      }
    },
  }
}
export type LiveLifecycle = ReturnType<typeof createLiveLifecycle>
