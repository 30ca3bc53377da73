/**
 * `npm run demo` at steady state: CPU time of its process over 60 s (from /proc/<pid>/stat),
 * next to the baseline of plain TovWatch (`npm start`'s entry, same embedded defaults and
 * probe interval, no simulated TovPlay) measured in the same run. Target (issue 15): the
 * demo under 30 % of one core. --quick measures 20 s after a 30 s warm-up (default 60 s after 60 s).
 *   npx tsx bench/demo-cpu.bench.ts [--quick]
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const quick = process.argv.includes('--quick')
const WARMUP_S = quick ? 30 : 60
const MEASURE_S = quick ? 20 : 60
const TICKS = 100 // USER_HZ on Linux
const root = path.resolve(import.meta.dirname, '..')

const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) })
})
const cpuTicks = (pid: number) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return Number(parts[11]) + Number(parts[12]) // utime + stime
}

async function measure (entry: string, env: Record<string, string>): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-cpu-'))
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', TOVWATCH_TOKENS: 'bench:admin:bench-admin-token-0123456789' },
    stdio: 'ignore',
  })
  try {
    const deadline = Date.now() + 300_000
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/logs/api/health`).then((r) => r.status < 500, () => false)
      if (up) break
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${entry} did not start`)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000))
    const before = cpuTicks(child.pid as number)
    const t0 = performance.now()
    await new Promise((resolve) => setTimeout(resolve, MEASURE_S * 1000))
    const ticks = cpuTicks(child.pid as number) - before
    return (ticks / TICKS) / ((performance.now() - t0) / 1000) * 100
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => { child.once('exit', resolve); setTimeout(resolve, 15_000) })
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

const base = await measure('server/src/main.ts', { PROBE_INTERVAL_S: '5' })
const demo = await measure('server/src/demo/main.ts', {})
console.log(`\ndemo CPU at steady state: ${MEASURE_S} s after a ${WARMUP_S} s warm-up (load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores)`)
console.log(`baseline: TovWatch alone (embedded, probe every 5 s)  ${base.toFixed(1).padStart(6)} % of one core`)
console.log(`npm run demo (TovWatch + simulated TovPlay)          ${demo.toFixed(1).padStart(6)} % of one core`)
const ok = demo < 30
console.log(`${ok ? 'PASS' : 'FAIL'} demo ${demo.toFixed(1)} % of one core (target < 30 %)`)
process.exit(ok ? 0 : 1)
