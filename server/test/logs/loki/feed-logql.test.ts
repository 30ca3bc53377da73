/**
 * The real error feed against the Loki double: the queries built from the shipped
 * rules (rules/noise.yml, ~10 KB of regex) and the count_over_time queries that prove
 * each window all go through the double, which parses each one with @grafana/lezer-logql
 * and records any it would refuse; closeDouble fails on them. The double reports Loki
 * 2.9.10, whose parser refuses 5,120 bytes or more.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SPLIT_S } from '../../../src/logs/loki/source.js'
import { auth, buildTestApp, type TestApp } from '../../helpers/app.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { have, PG_ADMIN_URL } from '../../helpers/services.js'
import { closeDouble, HOUR_MS } from './setup.js'

const NOW = Date.now()
let d: LokiDouble | undefined
let app: TestApp | undefined
afterEach(async () => {
  await app?.close()
  const double = d
  app = undefined
  d = undefined
  await closeDouble(double)
})

const SEARCHES = [undefined, 'Error', '"} |= `x` | json \\ {job="evil"}', '/err(or)?\\s/i', '/"}|`\\\\/']

describe('the error feed\'s LogQL, parsed by lezer-logql in the Loki double', () => {
  for (const strategy of ['inline', 'alternation'] as const) {
    it(`sends only queries Loki accepts: feed and proof counts, each under 5,120 bytes (${strategy})`, async () => {
      d = await startLokiDouble({ data: { count: 3000, startMs: NOW - 7 * 24 * HOUR_MS, endMs: NOW } })
      const database = process.env.CI === 'true' || await have('postgres') ? PG_ADMIN_URL : undefined
      app = await buildTestApp({ LOKI_URL: d.url, LOKI_CASE_INSENSITIVE: strategy, DATABASE_URL: database },
        { parts: { database: false, alerts: false, scheduling: false, web: false } })
      for (const minSeverity of ['critical', 'low']) {
        for (const q of SEARCHES) {
          const url = `/logs/api/errors?range=7d&minSeverity=${minSeverity}${q === undefined ? '' : `&q=${encodeURIComponent(q)}`}`
          const res = await app.app.inject({ method: 'GET', url, headers: auth() })
          expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200)
          expect(res.json().source).toBe('loki')
        }
      }
      // The errors part's own once-a-minute jobs (recent counts, spike check) may still have a
      // query in flight (status 0 until it is answered): let them finish before every answer is checked.
      for (let i = 0; i < 100 && d.queries().some((r) => r.status === 0); i++) await new Promise((resolve) => setTimeout(resolve, 100))
      const queries = d.queries()
      expect(queries.filter((r) => r.parseError !== undefined || r.status !== 200).map((r) => `${r.status} ${r.parseError ?? ''}`)).toEqual([])
      // The shipped rules' unions do not fit 5,120 bytes: they stay in TovWatch's classifier.
      expect(Math.max(...queries.map((r) => Buffer.byteLength(r.query)))).toBeLessThan(5120)
      expect(queries.some((r) => r.query.includes('!~'))).toBe(false)
      // The proof: counts per closed 6 h chunk, and per window of Loki's split interval in the open
      // chunk (LOKI_SPLIT_INTERVAL unset: read from Loki's /config, else Loki's default of 30m).
      const steps = new Set(queries.filter((r) => r.query.startsWith('sum(count_over_time(')).map((r) => r.step))
      expect(steps).toContain('21600s')
      for (const step of steps) expect([`${DEFAULT_SPLIT_S}s`, '3600s', '21600s']).toContain(step)
      if (strategy === 'alternation') expect(queries.filter((r) => r.query.includes('(?i)')).map((r) => r.query.slice(0, 200))).toEqual([])
      else expect(queries.some((r) => r.query.includes('(?i)'))).toBe(true)
    }, 60_000)
  }
})
