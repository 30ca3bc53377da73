/**
 * `npm run chaos [-- --quick] [name...]`: the fault suite. Each scenario starts its own PostgreSQL,
 * Redis, Alertmanager or Loki double on free ports (never the shared ones), runs TovWatch as
 * `npm start` does, injects the fault, and prints lost, duplicated, seconds to recover and peak RSS.
 * It fails on any loss or duplicate and on each scenario's own checks. --quick is the CI form.
 */
import { passed, type Outcome, type Scenario } from './outcome.js'
import { killMidFlood } from './scenarios/kill.js'
import { lokiFaults } from './scenarios/loki.js'
import { poisonThroughAlertmanager } from './scenarios/poison.js'
import { postgresRestart } from './scenarios/postgres.js'
import { redisKilled } from './scenarios/redis.js'
import { resume500 } from './scenarios/resume.js'
import { snapshotStorm } from './scenarios/storm.js'

export const SCENARIOS: Record<string, Scenario> = {
  'postgres-restart': postgresRestart,
  'kill-9': killMidFlood('SIGKILL'),
  'redis-killed': redisKilled,
  'resume-500': resume500,
  'snapshot-storm': snapshotStorm,
  'poison-alertmanager': poisonThroughAlertmanager,
  'loki-faults': lokiFaults,
  sigterm: killMidFlood('SIGTERM'),
}

export function report (o: Outcome): string {
  const lines = [`${passed(o) ? 'PASS' : 'FAIL'} ${o.name}: lost ${o.lost}, duplicated ${o.duplicated}, recovered in ${o.recoverS ?? 'n/a'} s, peak RSS ${o.peakRssMb} MB`]
  for (const [k, v] of Object.entries(o.figures)) lines.push(`    ${k}: ${v}`)
  for (const c of o.checks) lines.push(`    [${c.ok ? 'ok' : 'FAILED'}] ${c.what}`)
  return lines.join('\n')
}

export async function runChaos (names: string[], quick: boolean): Promise<Outcome[]> {
  const out: Outcome[] = []
  for (const name of names) {
    const scenario = SCENARIOS[name]
    if (scenario === undefined) throw new Error(`no chaos scenario "${name}"; there are: ${Object.keys(SCENARIOS).join(', ')}`)
    console.log(`\n### ${name}${quick ? ' --quick' : ''}`)
    const started = performance.now()
    let o: Outcome
    try {
      o = await scenario({ quick })
    } catch (err) {
      o = { name, lost: 0, duplicated: 0, recoverS: null, peakRssMb: 0, figures: { error: (err as Error).message.slice(0, 500) }, checks: [{ what: 'ran to the end', ok: false }] }
    }
    o.figures['scenario s'] = Math.round((performance.now() - started) / 100) / 10
    console.log(report(o))
    out.push(o)
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const quick = args.includes('--quick')
  const filters = args.filter((a) => !a.startsWith('--'))
  const names = Object.keys(SCENARIOS).filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)))
  const results = await runChaos(names, quick)
  console.log('\n### summary')
  for (const r of results) console.log(`${passed(r) ? 'ok  ' : 'FAIL'} ${r.name}`)
  process.exit(results.every(passed) ? 0 : 1)
}
