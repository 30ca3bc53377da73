import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'

/** The repository root, from this file's place in server/test/deploy. */
export const ROOT = path.resolve(import.meta.dirname, '../../..')
export const DASHBOARD_DIR = path.join(ROOT, 'dashboards/json')
export const RULES_FILE = path.join(ROOT, 'rules/alerts.yml')

export interface Expression { where: string, expr: string }

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)
const isProm = (ds: unknown) => isObj(ds) && (ds.type === 'prometheus' || ds.uid === 'tovwatch-prometheus')

export function dashboardFiles (): string[] {
  return fs.readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(DASHBOARD_DIR, f))
}

/** Every PromQL expression of a dashboard: panel targets (rows included) and query variables. */
export function dashboardExpressions (file: string): Expression[] {
  const d = JSON.parse(fs.readFileSync(file, 'utf8')) as Json
  const name = path.relative(ROOT, file)
  const out: Expression[] = []
  const visit = (panels: unknown) => {
    if (!Array.isArray(panels)) return
    for (const p of panels) {
      if (!isObj(p)) continue
      visit(p.panels)
      for (const t of Array.isArray(p.targets) ? p.targets : []) {
        if (!isObj(t) || typeof t.expr !== 'string') continue
        if (isProm(t.datasource ?? p.datasource)) out.push({ where: `${name}: panel "${String(p.title)}" ${String(t.refId)}`, expr: t.expr })
      }
    }
  }
  visit(d.panels)
  const vars = isObj(d.templating) && Array.isArray(d.templating.list) ? d.templating.list : []
  for (const v of vars) {
    if (!isObj(v) || v.type !== 'query' || !isProm(v.datasource)) continue
    const q = isObj(v.query) ? v.query.query : v.query
    if (typeof q === 'string' && q !== '') out.push({ where: `${name}: variable ${String(v.name)}`, expr: q })
  }
  return out
}

/** Alert and recording rule expressions, and the series names recording rules create. */
export function ruleExpressions (file = RULES_FILE): { expressions: Expression[], recorded: string[] } {
  const doc = parse(fs.readFileSync(file, 'utf8')) as { groups?: Array<{ name: string, rules?: Json[] }> }
  const expressions: Expression[] = []
  const recorded: string[] = []
  for (const g of doc.groups ?? []) {
    for (const r of g.rules ?? []) {
      const label = typeof r.alert === 'string' ? `alert ${r.alert}` : `record ${String(r.record)}`
      if (typeof r.record === 'string') recorded.push(r.record)
      if (typeof r.expr === 'string') expressions.push({ where: `${path.relative(ROOT, file)}: group ${g.name}, ${label}`, expr: r.expr })
      else if (typeof r.expr === 'number') expressions.push({ where: `${path.relative(ROOT, file)}: ${label}`, expr: String(r.expr) })
    }
  }
  return { expressions, recorded }
}
