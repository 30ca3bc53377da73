import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../server/test/alerts/private-services.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const WEBHOOK_TOKEN = 'chaos-webhook-token-0123456789'
export const VIEWER_TOKEN = 'chaos-viewer-token-0123456789ab'

export interface Instance {
  port: number
  base: string
  pid: () => number
  /** Peak resident set of the current process, in MB (the kernel's VmHWM). */
  peakRssMb: () => number
  rssMb: () => number
  start: () => Promise<void>
  kill: (signal: NodeJS.Signals) => Promise<number | null>
  log: () => string
  stop: () => Promise<void>
}

const readStatus = (pid: number, field: string) => {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1]) / 1024
  } catch {
    return 0
  }
}

/** TovWatch as `npm start` runs it (server/src/main.ts), in its own process, on a free port. */
export async function startTovWatch (env: Record<string, string>, port?: number): Promise<Instance> {
  const p = port ?? await freePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-chaos-'))
  const logFile = path.join(dataDir, 'stdout.log')
  let proc: ChildProcess | undefined
  let peak = 0
  const base = `http://127.0.0.1:${p}/logs`
  const inst: Instance = {
    port: p,
    base,
    pid: () => proc?.pid ?? 0,
    peakRssMb: () => Math.max(peak, readStatus(proc?.pid ?? 0, 'VmHWM')),
    rssMb: () => readStatus(proc?.pid ?? 0, 'VmRSS'),
    async start () {
      const out = fs.openSync(logFile, 'a')
      proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
        cwd: ROOT,
        stdio: ['ignore', out, out],
        env: {
          ...process.env,
          PORT: String(p),
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          TOVWATCH_TOKENS: `chaos:viewer:${VIEWER_TOKEN}`,
          ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
          PROBE_INTERVAL_S: '60',
          ...env,
        },
      })
      fs.closeSync(out)
      const end = Date.now() + 120_000
      while (Date.now() < end) {
        if (proc.exitCode !== null) throw new Error(`TovWatch exited with ${proc.exitCode}: ${inst.log().slice(-2000)}`)
        const ok = await fetch(`${base}/api/health`).then(async (r) => (await r.json() as { dependencies?: Record<string, { status: string }> }).dependencies?.['alert-store']?.status === 'up').catch(() => false)
        if (ok) return
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      throw new Error('TovWatch did not become ready in 120 s')
    },
    async kill (signal) {
      const pr = proc
      if (pr === undefined || pr.exitCode !== null) return pr?.exitCode ?? null
      peak = Math.max(peak, readStatus(pr.pid ?? 0, 'VmHWM'))
      const exited = new Promise<number | null>((resolve) => pr.once('exit', (code) => resolve(code)))
      pr.kill(signal)
      return exited
    },
    log: () => { try { return fs.readFileSync(logFile, 'utf8') } catch { return '' } },
    async stop () {
      await inst.kill('SIGKILL')
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
  await inst.start()
  return inst
}
