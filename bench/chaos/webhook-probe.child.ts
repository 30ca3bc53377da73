/**
 * The webhook probe's own process (see webhook-probe.ts): one-alert webhooks every 20 ms to argv[2]
 * until SIGTERM, one JSON line per accepted webhook on stdout.
 */
import { alert, deliver, payload } from './flood.js'

const url = process.argv[2] ?? ''
const prefix = process.argv[3] ?? 'probe'
const state = { stop: false }
process.on('SIGTERM', () => { state.stop = true })
for (let i = 0; !state.stop; i++) {
  const fp = `${prefix}-${i}`
  const r = await deliver(() => url, payload([alert(fp)]), Date.now() + 30_000, () => {})
  if (r.status === 200) process.stdout.write(`${JSON.stringify({ fp, ms: r.ms })}\n`)
  await new Promise((resolve) => setTimeout(resolve, 20))
}
