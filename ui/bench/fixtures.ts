import type { Alert, ErrorsResponse, Severity } from '../src/types.js'
import { SEVERITIES } from '../src/types.js'

/** A deterministic pseudo-random sequence, so every run draws the same data. */
export function rng (seed = 42) {
  let s = seed >>> 0
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32 }
}

export function errorsFixture (groups: number, points: number): ErrorsResponse {
  const r = rng()
  const end = Date.parse('2026-11-22T00:00:00Z')
  const step = 60
  const timestamps = Array.from({ length: points }, (_, i) => end - (points - i) * step * 1000)
  const series = Object.fromEntries(SEVERITIES.map((s) => [s, timestamps.map(() => Math.floor(r() * 20))])) as Record<Severity, number[]>
  return {
    source: 'loki',
    measuredAt: new Date().toISOString(),
    range: { start: new Date(timestamps[0] ?? end).toISOString(), end: new Date(end).toISOString() },
    complete: true,
    incompleteReasons: [],
    failedChunks: [],
    totals: { critical: 100, high: 2000, medium: 300, low: 50 },
    groups: Array.from({ length: groups }, (_, i) => ({
      fingerprint: `fp${i}`,
      template: `upstream request to /api/service-${i} failed: connect ETIMEDOUT <ip>:<n> after <duration> (attempt <n>)`,
      labels: { service: `svc-${i % 12}`, level: 'error', host: `web-${i % 3}` },
      severity: SEVERITIES[i % 4] as Severity,
      count: Math.floor(r() * 10_000),
      firstSeen: new Date(end - 7 * 86_400_000).toISOString(),
      lastSeen: new Date(end).toISOString(),
      samples: [{ ts: new Date(end).toISOString(), tsNs: `${end}000000`, lineHash: 'a1b2c3d4e5f60718', line: `{"level":50,"msg":"upstream request ${i} failed"}`, labels: { service: `svc-${i % 12}` } }],
      sparkline: Array.from({ length: 24 }, () => Math.floor(r() * 50)),
    })),
    series: { stepSeconds: step, timestamps, ...series },
  }
}

export function alertFixture (i: number): Alert {
  const firing = i % 3 !== 0
  return {
    id: String(i % 400),
    fingerprint: `fp${i % 400}`,
    status: firing ? 'firing' : 'resolved',
    severity: (['critical', 'high', 'medium', 'low'] as const)[i % 4] as Severity,
    alertname: `BenchAlert${i % 400}`,
    labels: { instance: `db${i % 5}:5432`, job: 'postgres' },
    annotations: { summary: `value ${i} crossed the threshold` },
    startsAt: new Date(Date.now() - i * 1000).toISOString(),
    endsAt: firing ? null : new Date().toISOString(),
    generatorURL: null,
    source: 'alertmanager',
    acknowledged: null,
    updatedAt: new Date().toISOString(),
  }
}

const SEVERITY_SENT = ['critical', 'error', 'warning', 'info'] as const

/** `n` firing alerts from `rules` alert rules (so `rules` groups by alertname), karma-sized. */
export function manyAlerts (n: number, rules: number): Alert[] {
  const r = rng(7)
  return Array.from({ length: n }, (_, i) => {
    const sev = i % 4
    return {
      id: String(i),
      fingerprint: `fp${i}`,
      status: 'firing',
      severity: (['critical', 'high', 'medium', 'low'] as const)[sev] as Severity,
      alertname: `Rule${i % rules}`,
      labels: { alertname: `Rule${i % rules}`, severity: SEVERITY_SENT[sev] as string, job: ['api', 'web', 'db', 'node'][i % 4] as string, instance: `host-${Math.floor(r() * 2000)}:9100`, cluster: `c${i % 7}` },
      annotations: { summary: `value ${i} crossed the threshold on host ${i}`, description: 'A longer description of what happened and what to do about it.' },
      startsAt: new Date(Date.now() - i * 60_000).toISOString(),
      endsAt: null,
      generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
      source: 'alertmanager',
      acknowledged: null,
      updatedAt: new Date().toISOString(),
    }
  })
}
