import { Counter, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createAlertSink } from '../../../src/alerts/sink.js'
import { createNewGroupAlerts, NEW_GROUP_ALERT } from '../../../src/errors/lifecycle/new-group-alert.js'
import { alertDue, isMuted, lifecycleOf, merged, needsWrite, parseMuteDuration, regresses } from '../../../src/errors/lifecycle/rules.js'
import type { GroupRow } from '../../../src/errors/lifecycle/store.js'

const T = (s: string) => new Date(`2026-12-01T${s}Z`)
const rank = (s: string) => ['critical', 'high', 'medium', 'low'].indexOf(s)
const o = (first: string, last: string, severity = 'high') => ({ fingerprint: 'f', first: T(first), last: T(last), severity, template: 'boom' })
const row = (extra: Partial<GroupRow> = {}): GroupRow => ({ ...merged(undefined, o('10:00:00', '10:30:00'), rank), ...extra })
const range = (from: string, to: string) => ({ startMs: T(from).getTime(), endMs: T(to).getTime() })

describe('lifecycle rules', () => {
  it('new: first seen ever within the requested range, whatever the range saw first', () => {
    const r = row()
    expect(lifecycleOf(r, range('09:00:00', '11:00:00'), T('11:00:00')).new).toBe(true)
    // A range that starts after the first sighting: the group is older than the range.
    expect(lifecycleOf(r, range('10:15:00', '11:00:00'), T('11:00:00')).new).toBe(false)
    // The answer saw it at 10:20, but it was first seen at 10:00: still not new for 10:15–11:00.
    expect(lifecycleOf(merged(r, o('10:20:00', '10:40:00'), rank), range('10:15:00', '11:00:00'), T('11:00:00'))).toMatchObject({ new: false, firstSeenEver: '2026-12-01T10:00:00.000Z', lastSeenEver: '2026-12-01T10:40:00.000Z' })
  })

  it('writes only what moves: new, earlier, later, more severe', () => {
    const r = row()
    expect(needsWrite(undefined, o('10:00:00', '10:00:00'), rank)).toBe(true)
    expect(needsWrite(r, o('10:05:00', '10:30:00'), rank)).toBe(false)
    expect(needsWrite(r, o('10:05:00', '10:30:00', 'medium'), rank)).toBe(false)
    expect(needsWrite(r, o('09:59:59', '10:10:00'), rank)).toBe(true)
    expect(needsWrite(r, o('10:05:00', '10:30:01'), rank)).toBe(true)
    expect(needsWrite(r, o('10:05:00', '10:10:00', 'critical'), rank)).toBe(true)
  })

  it('regressed: resolved, then seen after the resolution; resolving again clears it', () => {
    const resolved = row({ resolvedAt: T('11:00:00'), resolvedBy: 'anna' })
    expect(regresses(resolved, o('10:00:00', '10:59:59'))).toBe(false)
    expect(regresses(resolved, o('10:00:00', '11:00:00'))).toBe(false)
    expect(regresses(row(), o('10:00:00', '12:00:00'))).toBe(false)
    expect(regresses(resolved, o('10:00:00', '11:00:01'))).toBe(true)
    const back = merged(resolved, o('11:30:00', '11:30:00'), rank)
    expect(lifecycleOf(back, range('11:00:00', '12:00:00'), T('12:00:00'))).toMatchObject({ regressed: true, resolved: null })
    const again = { ...back, resolvedAt: T('12:00:00'), resolvedBy: 'ben', regressedAt: null }
    expect(lifecycleOf(again, range('11:00:00', '12:00:00'), T('12:00:00'))).toMatchObject({ regressed: false, resolved: { at: '2026-12-01T12:00:00.000Z', by: 'ben' } })
  })

  it('a mute holds until its end, for good when forever', () => {
    const muted = row({ mutedAt: T('10:00:00'), mutedBy: 'anna', mutedUntil: T('11:00:00') })
    expect(isMuted(muted, T('10:59:59'))).toBe(true)
    expect(isMuted(muted, T('11:00:00'))).toBe(false)
    expect(lifecycleOf(muted, range('09:00:00', '11:30:00'), T('11:30:00')).muted).toBeNull()
    const forever = row({ mutedAt: T('10:00:00'), mutedBy: 'anna', mutedForever: true })
    expect(isMuted(forever, new Date('2099-01-01T00:00:00Z'))).toBe(true)
    expect(lifecycleOf(forever, range('09:00:00', '11:30:00'), T('11:30:00')).muted).toEqual({ at: '2026-12-01T10:00:00.000Z', by: 'anna', until: null })
  })

  it('alerts a group once, only critical or high, only when first seen within the window', () => {
    expect(alertDue(row(), T('10:30:00'), 3600_000)).toBe(true)
    expect(alertDue(row({ severity: 'medium' }), T('10:30:00'), 3600_000)).toBe(false)
    expect(alertDue(row({ alertedAt: T('10:01:00') }), T('10:30:00'), 3600_000)).toBe(false)
    expect(alertDue(row(), T('11:00:01'), 3600_000)).toBe(false)
  })

  it.each([
    ['forever', null], ['1h', 3600_000], ['24h', 86_400_000], ['7d', 7 * 86_400_000], ['30m', 1_800_000], [' 1h ', 3600_000],
  ])('mute duration %j is %s ms', (raw, ms) => {
    expect(parseMuteDuration(raw)).toEqual({ ms })
  })
  it.each(['', '1', 'h', '1w', '-1h', '0m', '366d', '1.5h', 'Forever', '1h; DROP TABLE', '9'.repeat(50) + 'h', '1h\u0000'])('mute duration %j is refused', (raw) => {
    expect(parseMuteDuration(raw)).toHaveProperty('error', expect.stringMatching(/^duration must/))
  })
})

describe('TovWatchNewErrorGroup', () => {
  const setup = (limit: number) => {
    let now = T('10:00:00').getTime()
    const sink = createAlertSink((err) => { throw err })
    const counter = new Counter({ name: 'x_new_groups_total', help: 'x', labelNames: ['severity', 'alerted'] as const, registers: [new Registry()] })
    const alerts = createNewGroupAlerts({ sink, limit, windowMs: 3600_000, counter, now: () => now })
    return { sink, counter, alerts, advance: (ms: number) => { now += ms } }
  }
  const g = (fp: string, severity: 'critical' | 'high' = 'high') => ({ fingerprint: fp, severity, template: `boom ${fp}`, firstSeen: T('09:59:00') })

  it('raises one alert per new group linked to the group, then sums the rest in one while over the limit', async () => {
    const { sink, counter, alerts, advance } = setup(2)
    alerts.raise([g('a'.repeat(16), 'critical'), g('b'.repeat(16)), g('c'.repeat(16))])
    alerts.raise([g('d'.repeat(16))])
    const active = sink.active()
    expect(active.map((a) => [a.key, a.alertname, a.severity])).toEqual([
      ['new-error-group:' + 'a'.repeat(16), NEW_GROUP_ALERT, 'critical'],
      ['new-error-group:' + 'b'.repeat(16), NEW_GROUP_ALERT, 'high'],
      ['new-error-group:more', NEW_GROUP_ALERT, 'high'],
    ])
    expect(active[0]).toMatchObject({ labels: { group: 'a'.repeat(16) }, view: 'errors', params: { range: '24h', group: 'a'.repeat(16) } })
    expect(active[0]?.summary).toBe(`New critical error group: boom ${'a'.repeat(16)}`)
    expect(active[2]?.summary).toMatch(/^2 more new error groups/)
    expect(active[2]?.description).toContain('boom ' + 'd'.repeat(16))
    const values = (await counter.get()).values.map((v) => [v.labels.severity, v.labels.alerted, v.value])
    expect(values).toEqual([['critical', 'true', 1], ['high', 'true', 1], ['high', 'false', 2]])

    // A window later the limit is free again, and what was raised then resolves.
    advance(3600_000)
    alerts.sweep()
    expect(sink.active()).toEqual([])
    alerts.raise([g('e'.repeat(16))])
    expect(sink.active().map((a) => a.key)).toEqual(['new-error-group:' + 'e'.repeat(16)])
  })

  it('a resolved or muted group resolves its alert; a limit of 0 only sums', () => {
    const { sink, alerts } = setup(5)
    alerts.raise([g('a'.repeat(16))])
    alerts.triaged('a'.repeat(16))
    expect(sink.active()).toEqual([])
    const zero = setup(0)
    zero.alerts.raise([g('a'.repeat(16))])
    expect(zero.sink.active().map((a) => a.key)).toEqual(['new-error-group:more'])
  })
})
