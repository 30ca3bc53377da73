import type { Alert } from '../src/types.js'

export function alert (id: string, patch: Partial<Alert> = {}): Alert {
  return {
    id,
    fingerprint: `fp${id}`,
    status: 'firing',
    severity: 'high',
    alertname: `Alert${id}`,
    labels: { instance: 'db1' },
    annotations: { summary: 'something broke' },
    startsAt: '2026-11-22T10:00:00Z',
    endsAt: null,
    generatorURL: null,
    source: 'alertmanager',
    acknowledged: null,
    updatedAt: '2026-11-22T10:00:00Z',
    ...patch,
  }
}
