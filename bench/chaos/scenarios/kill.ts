import { startPrivatePostgres } from '../../../server/test/alerts/private-services.js'
import { flood, verifyStored } from '../flood.js'
import { recoveredAfter, sleep, type Outcome, type ScenarioOptions } from '../outcome.js'
import { startTovWatch } from '../tovwatch.js'

/**
 * `kill -9` (or SIGTERM) of TovWatch in the middle of a webhook flood, then a restart on the same
 * port; the sender retries like Alertmanager. SIGTERM must also close stream clients with 1001.
 */
export function killMidFlood (signal: 'SIGKILL' | 'SIGTERM') {
  return async (o: ScenarioOptions): Promise<Outcome> => {
    const db = await startPrivatePostgres()
    const tw = await startTovWatch({ DATABASE_URL: db.url })
    try {
      const total = o.quick ? 400 : 2000
      const running = flood(() => `${tw.base}/api/alerts/webhook`, { total, batch: o.quick ? 5 : 10, concurrency: o.quick ? 2 : 4, paceMs: 100 })
      const { default: WebSocket } = await import('ws')
      const ws = new WebSocket(`ws://127.0.0.1:${tw.port}/logs/api/alerts/stream`, { headers: { authorization: 'Bearer chaos-viewer-token-0123456789ab' } })
      const closeCode = new Promise<number>((resolve) => { ws.on('close', (code) => resolve(code)); ws.on('error', () => {}) })
      await sleep(1500)
      const killedAt = Date.now()
      const exit = await tw.kill(signal)
      const code = await Promise.race([closeCode, sleep(3000).then(() => -1)])
      const peakBefore = tw.peakRssMb()
      await tw.start()
      const startedAt = Date.now()
      const r = await running
      const v = await verifyStored(db.url, r.sent)
      return {
        name: signal === 'SIGKILL' ? 'kill-9-mid-flood' : 'sigterm-under-load',
        ...v,
        recoverS: recoveredAfter(r.acceptedAt, startedAt),
        peakRssMb: Math.round(Math.max(peakBefore, tw.peakRssMb())),
        figures: { alerts: total, retries: r.retries, 'exit code': String(exit), 'stream close code': code, 'down s': Math.round((startedAt - killedAt) / 100) / 10 },
        checks: [
          { what: 'every webhook accepted in the end', ok: r.failedBatches === 0 },
          ...(signal === 'SIGTERM' ? [{ what: 'stream client closed with 1001', ok: code === 1001 }, { what: 'clean exit', ok: exit === 0 }] : []),
        ],
      }
    } finally {
      await tw.stop()
      await db.destroy()
    }
  }
}
