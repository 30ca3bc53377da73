/**
 * `npm run bench`: every bench/*.bench.ts in turn, each in its own process so one
 * benchmark's heap and event loop don't colour the next. Extra arguments (e.g. --quick)
 * are passed on; a name filter picks benchmarks: `npm run bench -- loki --quick`.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const flags = args.filter((a) => a.startsWith('--'))
const filters = args.filter((a) => !a.startsWith('--'))
const files = fs.readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ') || '*'}`)
  process.exit(1)
}

const results: Array<{ file: string, status: number | null, seconds: number }> = []
for (const file of files) {
  console.log(`\n### ${file} ${flags.join(' ')}`)
  const started = performance.now()
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file), ...flags], { stdio: 'inherit' })
  results.push({ file, status: r.status, seconds: (performance.now() - started) / 1000 })
}

console.log('\n### summary')
for (const r of results) console.log(`${r.status === 0 ? 'ok  ' : 'FAIL'} ${r.file} (${r.seconds.toFixed(1)} s)`)
process.exit(results.every((r) => r.status === 0) ? 0 : 1)
