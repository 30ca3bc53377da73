import { Gauge, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createAlertSink, type InternalAlert } from '../../src/alerts/sink.js'
import { createErrorSpikeCheck, spikeThreshold } from '../../src/errors/spike.js'
import type { ErrorStats } from '../../src/errors/stats.js'

const now = Date.parse('2026-11-22T02:02:00Z')

function stats (current: number, baseline: number, complete = true): ErrorStats {
  return {
    countsSince: async (_start, end) => {
      const isCurrent = end === now
      const n = isCurrent ? current : baseline
      return { counts: { critical: Math.floor(n / 2), high: n - Math.floor(n / 2), medium: 1000, low: 1000 }, complete: isCurrent ? complete : true }
    },
  }
}

function recordingSink () {
  const raised: Array<[string, InternalAlert]> = []
  const resolved: string[] = []
  const sink = createAlertSink(() => {})
  return { raised, resolved, sink: { ...sink, raise: (k: string, a: InternalAlert) => { raised.push([k, a]); sink.raise(k, a) }, resolve: (k: string) => { resolved.push(k); sink.resolve(k) } } }
}

function setup (read: () => ErrorStats) {
  const registry = new Registry()
  const gauge = new Gauge({ name: 'tovwatch_error_spike', help: 'h', registers: [registry] })
  const r = recordingSink()
  const check = createErrorSpikeCheck({ stats: { countsSince: (a, b) => read().countsSince(a, b) }, sink: r.sink, gauge, now: () => now })
  return { ...r, registry, check }
}

describe('error spike check', () => {
  it('the threshold is 3x the median 5-minute window, never below the floor', () => {
    expect(spikeThreshold([0, 0, 0])).toBe(20)
    expect(spikeThreshold([10, 30, 20])).toBe(60)
  })
  it('raises against the baseline (MEDIUM/LOW ignored), sets the gauge, and resolves on a complete count', async () => {
    let s = stats(200, 30)
    const f = setup(() => s)
    await f.check()
    expect(f.raised[0]?.[1]).toMatchObject({ alertname: 'TovWatchErrorSpike', severity: 'high', view: 'errors' })
    expect(await f.registry.getSingleMetricAsString('tovwatch_error_spike')).toMatch(/tovwatch_error_spike 1/)
    s = stats(10, 30, false)
    await f.check()
    expect(f.resolved).toHaveLength(0)
    s = stats(10, 30, true)
    await f.check()
    expect(f.resolved).toEqual(['error-spike'])
    expect(await f.registry.getSingleMetricAsString('tovwatch_error_spike')).toMatch(/tovwatch_error_spike 0/)
  })
  it('stays quiet when the usual rate is high', async () => {
    const f = setup(() => stats(200, 100))
    await f.check()
    expect(f.raised).toHaveLength(0)
  })
})
