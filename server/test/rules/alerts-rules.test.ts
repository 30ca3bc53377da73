import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { parseHash } from '../../../ui/src/url-state.js'
import { twinNames } from '../../src/alerts/twins.js'
import { ALERTS } from '../../src/database/checks.js'
import { ERROR_SPIKE_ALERT } from '../../src/errors/spike.js'
import { LOKI_UNREACHABLE_ALERT } from '../../src/logs/reachability.js'
import { M } from '../../src/metrics/names.js'
import { have } from '../helpers/services.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const rulesFile = path.join(root, 'rules/alerts.yml')
const testsFile = path.join(root, 'rules/alerts.test.yml')

interface Rule { alert: string, expr: string, labels: Record<string, string>, annotations: Record<string, string> }
const rules = (YAML.parse(fs.readFileSync(rulesFile, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules)

function promtool (...args: string[]): { code: number, out: string } {
  try {
    return { code: 0, out: execFileSync('promtool', args, { cwd: root, encoding: 'utf8', stdio: 'pipe' }) }
  } catch (err) {
    const e = err as { status: number, stdout: string, stderr: string }
    return { code: e.status, out: e.stdout + e.stderr }
  }
}

describe('rules/alerts.yml', () => {
  it('covers every alert the issue names', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining([
      'TovWatchDown', 'TovPlayDatabaseMissing', 'TovPlayDatabaseIdentityMismatch', 'TovPlayRowCollapse', 'TovPlayConnectionsNearLimit',
      'TovPlayPgBouncerClientsWaiting', 'TovWatchErrorSpike', 'TovWatchLokiUnreachable', 'TovPlayBackupStale',
    ]))
  })

  it.each(rules.map((r) => [r.alert, r] as const))('%s has a severity, summary, description and a /logs/ link', (_name, r) => {
    expect(['critical', 'high', 'medium', 'low']).toContain(r.labels.severity)
    expect(r.annotations.summary?.length).toBeGreaterThan(10)
    expect(r.annotations.description?.length).toBeGreaterThan(20)
    expect(r.annotations.runbook_url).toMatch(/^https:\/\/tovwatch\.example\.com\/logs\/#\//)
    expect(r.annotations.dashboard).toBe(r.annotations.runbook_url)
  })

  // The view each rule's link must open, read back with the UI's own router (ui/src/url-state.ts).
  const VIEW: Record<string, string> = {
    TovWatchDown: 'overview',
    TovPlayDatabaseMissing: 'database',
    TovPlayDatabaseIdentityMismatch: 'database',
    TovPlayRowCollapse: 'database',
    TovPlayConnectionsNearLimit: 'connections',
    TovPlayConnectionsExhausted: 'connections',
    TovPlayPgBouncerClientsWaiting: 'connections',
    TovPlayBackupStale: 'database',
    TovWatchErrorSpike: 'errors',
    TovWatchErrorRateHigh: 'errors',
    TovWatchLokiUnreachable: 'errors',
  }
  it.each(rules.map((r) => [r.alert, r] as const))('%s links to the UI view that shows it, in the form the UI reads', (name, r) => {
    expect(VIEW[name], `${name}: add its view to this test`).toBeDefined()
    const hash = new URL(r.annotations.runbook_url as string).hash
    // parseHash falls back to the overview for a form it cannot read, so the overview must be written out.
    expect(hash).toMatch(/^#\/[a-z]+(\?|$)/)
    const state = parseHash(hash)
    expect(state.view).toBe(VIEW[name])
    if (state.view === 'errors') {
      const sp = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '')
      // Every parameter is one the UI reads, with a value it accepts.
      for (const k of sp.keys()) expect(['range', 'sev', 'q', 'group', 'start', 'end']).toContain(k)
      if (sp.has('range')) expect(state.range).toBe(sp.get('range'))
      if (sp.has('sev')) expect(state.minSeverity).toBe(sp.get('sev'))
    }
  })

  it('names only internal alerts that exist as twins, and gives every rule with an internal check its twin', () => {
    const internal = new Set<string>([...Object.values(ALERTS), LOKI_UNREACHABLE_ALERT, ERROR_SPIKE_ALERT])
    const withTwin = rules.filter((r) => r.annotations.tovwatch_twin !== undefined)
    for (const r of withTwin) for (const n of twinNames(r)) expect(internal, `${r.alert}: ${n}`).toContain(n)
    expect(withTwin.map((r) => r.alert).sort()).toEqual([
      'TovPlayBackupStale', 'TovPlayDatabaseIdentityMismatch', 'TovPlayDatabaseMissing', 'TovPlayPgBouncerClientsWaiting', 'TovPlayRowCollapse',
      'TovPlayConnectionsNearLimit', 'TovWatchErrorRateHigh', 'TovWatchErrorSpike', 'TovWatchLokiUnreachable',
    ].sort())
  })

  it('the promtool tests expect the same links as the rules', () => {
    const text = fs.readFileSync(testsFile, 'utf8')
    expect(text).not.toContain('#view=')
    for (const r of rules) expect(text, r.alert).toContain(`runbook_url: ${r.annotations.runbook_url as string}`)
  })

  it('uses only metric names that TovWatch exports', () => {
    const known = new Set<string>([...Object.values(M), 'up'])
    for (const r of rules) {
      for (const name of r.expr.match(/\b(tovwatch_[a-z_]+|up)\b(?=\s*[{=<>!)\s]|$)/g) ?? []) expect(known, `${r.alert}: ${name}`).toContain(name)
    }
  })

  it('has promtool unit tests for every rule', () => {
    const text = fs.readFileSync(testsFile, 'utf8')
    for (const r of rules) expect(text, r.alert).toMatch(new RegExp(`alertname: ${r.alert}\\s*\\n\\s*exp_alerts:\\s*\\n\\s*- exp_labels`))
    for (const r of rules) expect(text, r.alert).toMatch(new RegExp(`alertname: ${r.alert}\\s*\\n\\s*exp_alerts: \\[\\]`))
  })
})

describe.skipIf(!(await have('prometheus')))('promtool', () => {
  it('check rules rules/alerts.yml', () => {
    const r = promtool('check', 'rules', 'rules/alerts.yml')
    expect(r.out).toContain('SUCCESS')
    expect(r.code).toBe(0)
  })
  it('test rules rules/alerts.test.yml', () => {
    const r = promtool('test', 'rules', 'rules/alerts.test.yml')
    expect(r.out).toContain('SUCCESS')
    expect(r.code).toBe(0)
  })
})
