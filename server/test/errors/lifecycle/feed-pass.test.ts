import { Counter, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createAlertSink } from '../../../src/alerts/sink.js'
import { createClassifier } from '../../../src/errors/classifier.js'
import { runFeed, type FeedDeps } from '../../../src/errors/feed.js'
import { createFeedLifecycle } from '../../../src/errors/lifecycle/feed-pass.js'
import { createNewGroupAlerts } from '../../../src/errors/lifecycle/new-group-alert.js'
import type { GroupRow, LifecycleStore, Observation } from '../../../src/errors/lifecycle/store.js'
import { loadRules } from '../../../src/errors/rules.js'
import type { LogEntry, LogSource } from '../../../src/logs/source.js'

const NOW = Date.now()
const classifier = createClassifier(loadRules('rules/noise.yml'))
const entry = (ms: number, msg: string): LogEntry => ({ tsNs: BigInt(ms) * 1_000_000n, labels: { job: 'api', level: 'error' }, line: JSON.stringify({ level: 50, time: ms, msg }) })
const lines = [entry(NOW - 60_000, 'payment failed'), entry(NOW - 50_000, 'payment failed'), entry(NOW - 40_000, 'mail relay refused the message')]
const source: LogSource = {
  kind: 'files',
  query: async (_q, onPage) => { onPage([...lines].reverse()); return { complete: true, incompleteReasons: [], failedChunks: [], entries: lines.length } },
  series: async () => { throw new Error('not used') },
  health: async () => ({ status: 'ok' }) as never,
  close: async () => {},
}
const counter = (labels: string[]) => new Counter({ name: `x_${labels.length}`, help: 'x', labelNames: labels, registers: [new Registry()] })
const input = { startMs: NOW - 3600_000, endMs: NOW, minSeverity: 'high' as const, filter: undefined, limit: 100 }

/** A store in memory that counts its calls, or fails. */
function memoryStore (fail = false) {
  const rows = new Map<string, GroupRow>()
  const calls: Record<string, number> = {}
  const count = (name: string) => { calls[name] = (calls[name] ?? 0) + 1; if (fail) throw new Error('connect ECONNREFUSED 10.0.0.5:5432') }
  const store: LifecycleStore = {
    read: async (fps) => { count('read'); return new Map(fps.flatMap((fp) => rows.has(fp) ? [[fp, rows.get(fp) as GroupRow]] : [])) },
    get: async (fp) => rows.get(fp),
    record: async (obs: Observation[]) => {
      count('record')
      for (const o of obs) {
        const r = rows.get(o.fingerprint)
        rows.set(o.fingerprint, r === undefined
          ? { fingerprint: o.fingerprint, firstSeen: o.first, lastSeen: o.last, severity: o.severity, template: o.template, resolvedAt: null, resolvedBy: null, regressedAt: null, mutedAt: null, mutedBy: null, mutedUntil: null, mutedForever: false, alertedAt: null, actions: 0 }
          : { ...r, firstSeen: o.first < r.firstSeen ? o.first : r.firstSeen, lastSeen: o.last > r.lastSeen ? o.last : r.lastSeen })
      }
    },
    flagged: async () => { count('flagged'); return new Map([...rows].filter(([, r]) => r.mutedForever)) },
    regress: async () => [],
    claimAlerts: async (fps, now) => { count('claim'); return fps.flatMap((fp) => { const r = rows.get(fp); if (r === undefined || r.alertedAt !== null) return []; r.alertedAt = now; return [r] }) },
    act: async () => undefined,
    audit: async () => new Map(),
  }
  return { store, rows, calls }
}

function deps (store: LifecycleStore | undefined): FeedDeps {
  const alerts = createNewGroupAlerts({ sink: createAlertSink(() => {}), limit: 5, windowMs: 3600_000, counter: counter(['severity', 'alerted']) as never })
  return { logSource: source, classifier, linesClassified: counter(['severity']) as never, lifecycle: createFeedLifecycle({ store: () => store, alerts, alertWindowMs: 3600_000, onError: () => {} }) }
}

describe('the feed\'s lifecycle pass', () => {
  it('writes once, then nothing while nothing moves; claims the alerts once', async () => {
    const m = memoryStore()
    const d = deps(m.store)
    const first = await runFeed(d, input)
    expect(first.complete).toBe(true)
    expect(first.groups.map((g) => g.lifecycle?.new)).toEqual([true, true])
    expect(m.calls).toMatchObject({ record: 1, claim: 1 })
    await runFeed(d, input)
    await runFeed(d, input)
    // The known first/last seen did not move: no write, no claim; one read of the flagged groups and one of the kept ones per answer.
    expect(m.calls).toMatchObject({ record: 1, claim: 1, flagged: 3, read: 3 })
    lines.push(entry(NOW - 1000, 'payment failed'))
    try {
      await runFeed(d, input)
      expect(m.calls.record).toBe(2)
    } finally { lines.pop() }
  })

  it('hides muted groups, counts them (groups and events) and keeps the limit for the rest', async () => {
    const m = memoryStore()
    const d = deps(m.store)
    const first = await runFeed(d, input)
    const pay = first.groups.find((g) => g.template.startsWith('payment')) as { fingerprint: string }
    const row = m.rows.get(pay.fingerprint) as GroupRow
    m.rows.set(pay.fingerprint, { ...row, mutedForever: true, mutedAt: new Date(), mutedBy: 'anna' })
    const hidden = await runFeed(d, { ...input, limit: 1 })
    expect(hidden.groups.map((g) => g.template)).toEqual(['mail relay refused the message'])
    expect(hidden.muted).toEqual({ groups: 1, events: 2, shown: false })
    expect(hidden.totals.high).toBe(3)
    const shown = await runFeed(d, { ...input, muted: 'include' })
    expect(shown.groups).toHaveLength(2)
    expect(shown.muted).toEqual({ groups: 1, events: 2, shown: true })
  })

  it('a store that is not ready or does not answer: groups without lifecycle, nothing hidden, complete: false saying why', async () => {
    for (const [store, why] of [[undefined, /store is not ready/], [memoryStore(true).store, /did not answer/]] as const) {
      const a = await runFeed(deps(store), input)
      expect(a.complete).toBe(false)
      expect(a.incompleteReasons).toEqual([expect.stringMatching(why)])
      expect(a.incompleteReasons[0]).not.toContain('10.0.0.5')
      expect(a.groups).toHaveLength(2)
      expect(a.groups.every((g) => g.lifecycle === undefined)).toBe(true)
      expect(a.muted).toEqual({ groups: 0, events: 0, shown: false })
      expect(a.totals.high).toBe(3)
    }
  })
})
