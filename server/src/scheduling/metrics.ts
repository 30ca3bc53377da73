import { Counter, type Registry } from 'prom-client'
import { M } from '../metrics/names.js'
import type { ConflictReason } from './errors.js'

export const CONFLICT_REASONS: readonly ConflictReason[] = ['overlap', 'not_friends', 'outside_availability', 'invalid_time']

/** Business counters of the scheduling core, counted only for committed (not replayed) writes. */
export function createSchedMetrics (registry: Registry) {
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] })
  const conflicts = new Counter({
    name: M.schedConflicts,
    help: 'Scheduling writes refused by a rule, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  for (const reason of CONFLICT_REASONS) conflicts.inc({ reason }, 0)
  return {
    requestsCreated: counter(M.schedRequestsCreated, 'Session requests created'),
    requestsAccepted: counter(M.schedRequestsAccepted, 'Session requests accepted'),
    requestsDeclined: counter(M.schedRequestsDeclined, 'Session requests declined'),
    sessionsScheduled: counter(M.schedSessionsScheduled, 'Sessions scheduled'),
    sessionsCancelled: counter(M.schedSessionsCancelled, 'Sessions cancelled'),
    conflicts,
  }
}

export type SchedMetrics = ReturnType<typeof createSchedMetrics>
