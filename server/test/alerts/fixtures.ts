import type { TestApp } from '../helpers/app.js'

export const WEBHOOK_TOKEN = 'webhook-token-0123456789abcdef'
export const hook = (token = WEBHOOK_TOKEN) => ({ authorization: `Bearer ${token}` })

export interface AmAlert {
  status?: 'firing' | 'resolved'
  labels?: Record<string, string>
  annotations?: Record<string, string>
  startsAt?: string
  endsAt?: string
  generatorURL?: string
  fingerprint?: string
}

let counter = 0
/** One Alertmanager webhook v4 alert; each call a new fingerprint unless given. */
export function amAlert (a: AmAlert = {}) {
  counter++
  return {
    status: a.status ?? 'firing',
    labels: a.labels ?? { alertname: 'TestAlert', severity: 'critical', instance: `i${counter}` },
    annotations: a.annotations ?? { summary: 'Something broke', description: 'Details here' },
    startsAt: a.startsAt ?? '2026-11-22T01:00:00.123456789Z',
    endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
    generatorURL: a.generatorURL ?? 'http://prometheus:9090/graph?g0.expr=up',
    fingerprint: a.fingerprint ?? `fp${process.pid.toString(16)}${(counter).toString(16).padStart(8, '0')}`,
  }
}

export function amPayload (alerts: Array<ReturnType<typeof amAlert>>, extra: Record<string, unknown> = {}) {
  return {
    version: '4',
    groupKey: '{}:{alertname="TestAlert"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'tovwatch',
    groupLabels: { alertname: 'TestAlert' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
    ...extra,
  }
}

export async function postHook (t: TestApp, payload: unknown, headers: Record<string, string> = hook()) {
  return t.app.inject({ method: 'POST', url: '/logs/api/alerts/webhook', headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })
}

export async function eventCount (t: TestApp): Promise<number> {
  const r = await t.deps.pg.store.query<{ n: string }>('SELECT count(*) AS n FROM tw_alert_events')
  return Number(r.rows[0]?.n)
}

export const waitFor = async (cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition') => {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await cond()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The other parts raise their own internal alerts (backup stale...): tests that count events leave them out. */
export const ALERTS_ONLY = { parts: { errors: false, database: false, scheduling: false, web: false } }
