import { describe, expect, it } from 'vitest'
import { findTwin, twinNames } from '../../src/alerts/twins.js'
import type { AlertInput } from '../../src/alerts/types.js'

const internal = (alertname: string, labels: Record<string, string> = {}, status: 'firing' | 'resolved' = 'firing'): AlertInput => ({
  fingerprint: alertname, status, labels: { alertname, severity: 'critical', source: 'tovwatch', ...labels }, annotations: {}, startsAt: '2026-11-22T01:00:00.000Z', endsAt: null, generatorURL: null, source: 'tovwatch',
})
const am = (alertname: string, labels: Record<string, string> = {}, twin?: string) => ({
  source: 'alertmanager' as const,
  labels: { alertname, severity: 'critical', component: 'database', instance: 'tw:3000', job: 'tovwatch', ...labels },
  annotations: (twin === undefined ? {} : { tovwatch_twin: twin }) as Record<string, string>,
})

describe('internal twins of Alertmanager alerts', () => {
  it('reads the twin names from tovwatch_twin, else the alert\'s own name', () => {
    expect(twinNames(am('TovPlayDatabaseMissing', {}, 'TovWatchDatabaseMissing, TovWatchDatabaseUnreachable'))).toEqual(['TovWatchDatabaseMissing', 'TovWatchDatabaseUnreachable'])
    expect(twinNames(am('TovWatchLokiUnreachable'))).toEqual(['TovWatchLokiUnreachable'])
  })
  it('finds a firing internal alert of a twin name whose shared labels agree', () => {
    const firing = [internal('TovWatchRowCollapse', { table: 'players', guard: 'collapse' }), internal('TovWatchDatabaseUnreachable', { database: 'TovPlay' })]
    expect(findTwin(am('TovPlayRowCollapse', { table: 'players' }, 'TovWatchRowCollapse'), firing)?.labels.alertname).toBe('TovWatchRowCollapse')
    expect(findTwin(am('TovPlayDatabaseMissing', {}, 'TovWatchDatabaseMissing TovWatchDatabaseUnreachable'), firing)?.labels.alertname).toBe('TovWatchDatabaseUnreachable')
  })
  it('no twin: another table, another name, a resolved internal alert, or an alert that is itself internal', () => {
    const firing = [internal('TovWatchRowCollapse', { table: 'players' }), internal('TovWatchBackupStale', {}, 'resolved')]
    expect(findTwin(am('TovPlayRowCollapse', { table: 'games' }, 'TovWatchRowCollapse'), firing)).toBeUndefined()
    expect(findTwin(am('TovPlayRowCollapse', { table: 'players' }), firing)).toBeUndefined()
    expect(findTwin(am('TovPlayBackupStale', {}, 'TovWatchBackupStale'), firing)).toBeUndefined()
    expect(findTwin({ ...am('TovWatchRowCollapse', { table: 'players' }), source: 'tovwatch' }, firing)).toBeUndefined()
  })
})
