import { describe, expect, it } from 'vitest'
import { DEFAULT_STATE, errorsQuery, formatHash, historyStep, parseHash } from '../src/url-state.js'

describe('url state', () => {
  it('round-trips a shared errors link', () => {
    const s = { ...DEFAULT_STATE, view: 'errors' as const, range: '24h' as const, minSeverity: 'medium' as const, q: 'time(out|d)&x=1 #', group: 'abc' }
    const hash = formatHash(s)
    expect(hash).toBe('#/errors?range=24h&sev=medium&q=time%28out%7Cd%29%26x%3D1+%23&group=abc')
    expect(parseHash(hash)).toEqual(s)
  })

  it('keeps a custom range and sends start/end instead of range', () => {
    const s = parseHash('#/errors?range=custom&start=2026-11-20T00:00:00.000Z&end=2026-11-21T00:00:00.000Z')
    expect(s.range).toBe('custom')
    expect(errorsQuery(s)).toEqual({ minSeverity: 'high', q: undefined, start: '2026-11-20T00:00:00.000Z', end: '2026-11-21T00:00:00.000Z' })
    expect(parseHash(formatHash(s))).toEqual(s)
  })

  it('falls back to defaults for unknown or hostile values', () => {
    const s = parseHash('#/nope?range=99y&sev=<script>&alerts=x')
    expect(s).toEqual(DEFAULT_STATE)
    expect(parseHash('#/errors?range=custom').range).toBe('1h')
    expect(parseHash('').view).toBe('overview')
  })

  it('leaves defaults and other views\' fields out of the link', () => {
    expect(formatHash({ ...DEFAULT_STATE, view: 'database', q: 'x' })).toBe('#/database')
    expect(formatHash({ ...DEFAULT_STATE, view: 'alerts', alertState: 'firing' })).toBe('#/alerts?alerts=firing')
    expect(formatHash({ ...DEFAULT_STATE, view: 'errors', alert: 'am:x/1' })).toBe('#/errors')
    expect(formatHash({ ...DEFAULT_STATE, view: 'errors' })).toBe('#/errors')
    expect(errorsQuery({ ...DEFAULT_STATE, range: '7d' })).toEqual({ minSeverity: 'high', q: undefined, range: '7d' })
  })

  it('reads the one alert a chat notification links to, in the Alerts view only', () => {
    const s = parseHash('#/alerts?alerts=firing&alert=am%3Afp%2F1')
    expect(s).toMatchObject({ view: 'alerts', alertState: 'firing', alert: 'am:fp/1' })
    expect(parseHash(formatHash(s))).toEqual(s)
    expect(parseHash('#/errors?alert=am%3Afp%2F1').alert).toBe('')
  })

  it('keeps the errors view\'s "show muted groups" switch in the link and asks the API for them', () => {
    const s = parseHash('#/errors?range=24h&muted=show&group=0123456789abcdef')
    expect(s).toMatchObject({ view: 'errors', range: '24h', showMuted: true, group: '0123456789abcdef' })
    expect(formatHash(s)).toBe('#/errors?range=24h&group=0123456789abcdef&muted=show')
    expect(errorsQuery(s)).toEqual({ minSeverity: 'high', q: undefined, range: '24h', muted: 'include' })
    expect(errorsQuery(parseHash('#/errors?muted=yes'))).not.toHaveProperty('muted')
  })
})

describe('historyStep', () => {
  it('makes a run of keystrokes in one text field one history entry', () => {
    let typing = ''
    const modes: string[] = []
    for (const aq of ['d', 'di', 'dis', 'disk']) {
      const step = historyStep(typing, { aq })
      modes.push(step.mode)
      typing = step.typing
    }
    expect(modes).toEqual(['push', 'replace', 'replace', 'replace'])
  })

  it('pushes when the typed field changes or anything else changes', () => {
    expect(historyStep('aq', { q: 'x' })).toEqual({ mode: 'push', typing: 'q' })
    expect(historyStep('aq', { filters: ['a="b"'], aq: '' })).toEqual({ mode: 'push', typing: '' })
    expect(historyStep('q', { view: 'alerts' })).toEqual({ mode: 'push', typing: '' })
    expect(historyStep('', { q: 'x' })).toEqual({ mode: 'push', typing: 'q' })
  })
})
