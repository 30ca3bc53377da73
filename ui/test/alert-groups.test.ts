import { describe, expect, it } from 'vitest'
import { parseMatchers } from '../../server/src/alerts/matchers.js'
import { browserCompile, buildView, isAcked, maskUrl, NO_MUTING, parseChip, silenceMatchersFor, type ViewOptions } from '../src/alert-groups.js'
import { DEFAULT_STATE, formatHash, parseHash } from '../src/url-state.js'
import { alert } from './fixtures.js'

const opts = (o: Partial<ViewOptions> = {}): ViewOptions => ({ state: 'all', groupBy: 'alertname', matchers: [], text: '', showMuted: false, showAcked: true, muting: NO_MUTING, ...o })
const td = (id: string, instance: string, severity = 'warning', patch = {}) =>
  alert(id, { alertname: 'TargetDown', severity: severity === 'critical' ? 'critical' : 'medium', labels: { alertname: 'TargetDown', job: 'api', severity, instance }, ...patch })

describe('the Alerts view model', () => {
  it('groups by alertname with count, worst severity as sent and shared labels; by any label on request', () => {
    const alerts = [td('1', 'a'), td('2', 'b', 'critical'), td('3', 'a'), alert('x', { labels: { alertname: 'Other', instance: 'a' } })]
    const v = buildView(alerts, opts())
    expect(v.groups.map((g) => [g.value, g.alerts.length, g.worst, g.worstSent])).toEqual([['TargetDown', 3, 'critical', 'critical'], ['Other', 1, 'high', '']])
    expect(v.groups[0]?.shared).toEqual({ alertname: 'TargetDown', job: 'api' })
    const byInstance = buildView(alerts, opts({ groupBy: 'instance' }))
    expect(byInstance.groups.map((g) => [g.value, g.alerts.length])).toEqual([['b', 1], ['a', 3]]) // the critical one first
  })

  it('filters with anchored matchers and free text; counts firing and resolved before hiding', () => {
    const alerts = [td('1', 'api-1'), td('2', 'web-1'), td('3', 'api-2', 'warning', { status: 'resolved', endsAt: '2026-11-22T11:00:00Z' })]
    const m = parseMatchers('instance=~"api.*"', browserCompile)
    const v = buildView(alerts, opts({ matchers: m }))
    expect([v.firing, v.resolved, v.shown]).toEqual([1, 1, 2])
    expect(buildView(alerts, opts({ matchers: parseMatchers('instance=~"api"', browserCompile) })).shown).toBe(0)
    expect(buildView(alerts, opts({ text: 'WEB' })).shown).toBe(1)
    expect(buildView(alerts, opts({ state: 'resolved' })).groups.flatMap((g) => g.alerts.map((a) => a.id))).toEqual(['3'])
  })

  it('hides silenced and inhibited alerts unless asked, and acknowledged ones on request; counts them', () => {
    const alerts = [td('1', 'a'), td('2', 'b'), td('3', 'c', 'warning', { acknowledged: { by: 'al', at: '', note: '', until: null } })]
    const muting = { available: true, error: '', measuredAt: '2026-12-02T00:00:00Z', muted: { fp1: { silencedBy: ['s'], inhibitedBy: [] } } }
    const v = buildView(alerts, opts({ muting }))
    expect([v.shown, v.hiddenMuted, v.muted, v.acked]).toEqual([2, 1, 1, 1])
    expect(buildView(alerts, opts({ muting, showMuted: true, showAcked: false }))).toMatchObject({ shown: 2, hiddenAcked: 1, hiddenMuted: 0 })
  })

  it('an acknowledgement counts while firing and until its end', () => {
    const now = Date.parse('2026-12-02T10:00:00Z')
    const ack = (until: string | null) => ({ by: 'a', at: '', note: '', until })
    expect(isAcked(alert('1', { acknowledged: ack(null) }), now)).toBe(true)
    expect(isAcked(alert('1', { acknowledged: ack('2026-12-02T10:30:00Z') }), now)).toBe(true)
    expect(isAcked(alert('1', { acknowledged: ack('2026-12-02T09:59:00Z') }), now)).toBe(false)
    expect(isAcked(alert('1', { status: 'resolved', acknowledged: ack(null) }), now)).toBe(false)
  })

  it('chips: a matcher or a clear error; silences pre-filled from labels; Source links without credentials', () => {
    expect(parseChip('severity="critical"')).toEqual({ matcher: { name: 'severity', op: '=', value: 'critical' } })
    expect(parseChip('job=~"(x"')).toEqual({ error: expect.stringMatching(/regular expression is not valid/) })
    expect(silenceMatchersFor({ alertname: 'A', __name__: 'x', job: 'j' })).toEqual([{ name: 'alertname', op: '=', value: 'A' }, { name: 'job', op: '=', value: 'j' }])
    expect(maskUrl('http://u:secret@prom:9090/graph?g0.expr=up&token=abc')).toBe('http://***@prom:9090/graph?g0.expr=up&token=***')
    expect(maskUrl('javascript:alert(1)')).toBeNull()
  })

  it('keeps grouping, chips, text and switches in the URL', () => {
    const s = { ...DEFAULT_STATE, view: 'alerts' as const, groupBy: 'instance', filters: ['job=~"api.*"', 'severity!="low"'], aq: 'disk', showMuted: true, hideAcked: true }
    const hash = formatHash(s)
    expect(hash).toBe('#/alerts?by=instance&f=job%3D%7E%22api.*%22&f=severity%21%3D%22low%22&aq=disk&muted=show&acked=hide')
    expect(parseHash(hash)).toEqual(s)
    expect(parseHash('#/alerts?by=<bad>').groupBy).toBe('alertname')
  })
})
