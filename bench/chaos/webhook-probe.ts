import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))

export interface WebhookProbe {
  /** Stops after the webhook in flight; the latency (ms) and fingerprint of each accepted one. */
  stop: () => Promise<{ latencies: number[], sent: string[] }>
}

/**
 * One-alert webhooks every 20 ms, sent and timed from a process of their own, as Alertmanager
 * sends them. Timed from the runner that also holds 500 stream clients, a webhook's answer waited
 * behind the runner reading 300 MB of snapshots (its event loop held up to 0.9 s at a time while
 * TovWatch had answered in 30 ms): that measured the runner, not TovWatch.
 */
export async function startWebhookProbe (url: string, prefix: string): Promise<WebhookProbe> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'webhook-probe.child.ts'), url, prefix], {
    cwd: path.resolve(HERE, '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const latencies: number[] = []
  const sent: string[] = []
  let rest = ''
  let first: () => void = () => {}
  const ready = new Promise<void>((resolve) => { first = resolve })
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      const r = JSON.parse(line) as { fp: string, ms: number }
      latencies.push(r.ms)
      sent.push(r.fp)
      first()
    }
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // Timing starts with the first answer: the child's own start (tsx, a first connection) is not counted.
  await Promise.race([ready, exited])
  latencies.length = 0
  return {
    async stop () {
      child.kill('SIGTERM')
      await exited
      return { latencies, sent }
    },
  }
}
