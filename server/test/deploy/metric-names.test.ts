import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { M } from '../../src/metrics/names.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { dashboardExpressions, dashboardFiles, RULES_FILE, ruleExpressions, type Expression } from './expressions.js'
import { familiesOf, familyOf, metricNames } from './promql-names.js'

/** Series Prometheus itself writes: no exporter has to provide them. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added', 'scrape_samples_post_metric_relabeling', 'ALERTS', 'ALERTS_FOR_STATE'])

const haveRules = fs.existsSync(RULES_FILE)
const rules = haveRules ? ruleExpressions() : { expressions: [], recorded: [] }
const dashboards = dashboardFiles().flatMap(dashboardExpressions)

/** name -> where it is used */
function usage (expressions: Expression[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const e of expressions) {
    for (const n of metricNames(e.expr)) out.set(n, [...(out.get(n) ?? []), e.where])
  }
  return out
}

function report (missing: Map<string, string[]>): string {
  return [...missing].map(([n, where]) => `  ${n}\n    used in ${where.slice(0, 3).join('; ')}${where.length > 3 ? ` (+${where.length - 3} more)` : ''}`).join('\n')
}

let t: TestApp
let families: Map<string, string>
beforeAll(async () => {
  // As deployed: with a Loki URL, so the Loki client's metrics are registered too (the
  // port is closed; nothing here queries it).
  t = await buildTestApp({ LOKI_URL: 'http://127.0.0.1:1' })
  const res = await t.app.inject({ method: 'GET', url: '/metrics' })
  expect(res.statusCode).toBe(200)
  families = familiesOf(res.body)
})
afterAll(async () => { await t?.close() })

describe('the PromQL in dashboards and alert rules', () => {
  it('is found: every dashboard has PromQL, and the extractor reads all of it', () => {
    expect(dashboards.length).toBeGreaterThan(20)
    for (const e of [...dashboards, ...rules.expressions]) {
      expect(() => metricNames(e.expr), e.where).not.toThrow()
    }
  })

  it('uses only metrics that a live TovWatch /metrics exports (or Prometheus itself writes)', () => {
    const recorded = new Set(rules.recorded)
    const used = usage([...dashboards, ...rules.expressions])
    const missing = new Map([...used].filter(([n]) => !PROMETHEUS_SERIES.has(n) && !recorded.has(n) && familyOf(n, families) === undefined))
    expect(missing.size, `metric names not exported by TovWatch's live /metrics:\n${report(missing)}`).toBe(0)
  })

  it('uses only names declared in server/src/metrics/names.ts, prom-client defaults or Prometheus series', () => {
    const declared = new Map<string, string>(Object.values(M).map((n) => [n, families.get(n) ?? 'histogram']))
    const defaults = new Map([...families].filter(([n]) => n.startsWith('tovwatch_process_') || n.startsWith('tovwatch_nodejs_')))
    const known = new Map([...declared, ...defaults])
    const used = usage([...dashboards, ...rules.expressions])
    const unknown = new Map([...used].filter(([n]) => !PROMETHEUS_SERIES.has(n) && !rules.recorded.includes(n) && familyOf(n, known) === undefined))
    expect(unknown.size, `names in no list (typo, or a metric to add to names.ts):\n${report(unknown)}`).toBe(0)
    // Names the dashboards count on that their owners had not registered yet: say so in the run.
    const notLive = [...used.keys()].filter((n) => familyOf(n, known) !== undefined && familyOf(n, families) === undefined && !PROMETHEUS_SERIES.has(n))
    if (notLive.length > 0) console.warn(`declared in names.ts but not live yet: ${notLive.join(', ')}`)
  })

  it('covers every metric family TovWatch declares in names.ts, in some dashboard', () => {
    const used = new Set([...usage(dashboards).keys()].map((n) => familyOf(n, new Map(Object.values(M).map((m) => [m, 'histogram']))) ?? n))
    const unused = Object.values(M).filter((n) => !used.has(n))
    expect(unused, 'metrics no dashboard shows').toEqual([])
  })

  it.runIf(haveRules)('reads the alert rules file (rules/alerts.yml)', () => {
    expect(rules.expressions.length).toBeGreaterThan(0)
  })
})
