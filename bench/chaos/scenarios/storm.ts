import { startPrivatePostgres } from '../../../server/test/alerts/private-services.js'
import { connect, until, type Client } from '../clients.js'
import { alert, deliver, payload, percentile, verifyStored } from '../flood.js'
import { sleep, type Outcome, type ScenarioOptions } from '../outcome.js'
import { startTovWatch, type Instance } from '../tovwatch.js'
import { startWebhookProbe } from '../webhook-probe.js'

async function seed (tw: Instance, n: number, prefix: string): Promise<string[]> {
  const fps = Array.from({ length: n }, (_, i) => `${prefix}-${i}`)
  for (let i = 0; i < n; i += 2000) {
    const r = await deliver(() => `${tw.base}/api/alerts/webhook`, payload(fps.slice(i, i + 2000).map((fp) => alert(fp, { annotations: { summary: `storm ${fp}`, description: 'x'.repeat(200) } }))), Date.now() + 60_000, () => {})
    if (r.status !== 200) throw new Error(`seeding answered ${r.status}`)
  }
  return fps
}

/** Many clients connecting at once while many alerts fire (shared, bounded snapshots); webhooks must not wait. */
export async function snapshotStorm (o: ScenarioOptions): Promise<Outcome> {
  const db = await startPrivatePostgres()
  const tw = await startTovWatch({ DATABASE_URL: db.url })
  const figures: Outcome['figures'] = {}
  const checks: Outcome['checks'] = []
  const probes: string[] = []
  try {
    const firing = o.quick ? 300 : 1000
    const n = o.quick ? 100 : 500
    await seed(tw, firing, 'storm')
    // Baseline, same run: webhook latency with no client connecting.
    const hook = `${tw.base}/api/alerts/webhook`
    const idleProbe = await startWebhookProbe(hook, 'probe-idle')
    await sleep(2000)
    const idle = await idleProbe.stop()
    probes.push(...idle.sent)
    const rssBefore = tw.rssMb()
    let rssPeak = rssBefore
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, tw.rssMb()) }, 50)
    const busyProbe = await startWebhookProbe(hook, 'probe-storm')
    const started = performance.now()
    const clients: Client[] = Array.from({ length: n }, () => connect(tw.port))
    const synced = await until(() => clients.every((c) => c.snapshotAt !== null || c.closeCode !== null), 60_000)
    const syncS = (Math.max(...clients.map((c) => c.snapshotAt ?? Infinity)) - started) / 1000
    await sleep(1000)
    const busy = await busyProbe.stop()
    probes.push(...busy.sent)
    clearInterval(sampler)
    const closed = clients.filter((c) => c.closeCode !== null).length
    figures[`${firing} firing × ${n} clients: all synced s`] = synced ? Math.round(syncS * 100) / 100 : 'not all'
    figures['clients closed'] = closed === 0 ? 0 : `${closed} (codes ${[...new Set(clients.map((c) => c.closeCode).filter((x) => x !== null))].join(', ')})`
    figures['webhook p99 ms, idle (baseline)'] = Math.round(percentile(idle.latencies, 99))
    figures['webhook p99 ms, during the storm'] = Math.round(percentile(busy.latencies, 99))
    figures['RSS growth MB'] = Math.round(rssPeak - rssBefore)
    figures['snapshot frame KB'] = Math.round((clients[0]?.snapshotBytes ?? 0) / 1024)
    checks.push(
      { what: 'every client synced', ok: synced && clients.every((c) => c.snapshot !== null) },
      { what: 'no client closed', ok: closed === 0 },
      { what: 'every snapshot holds the firing alerts (or says how many it left out)', ok: clients.every((c) => c.snapshot !== null && c.snapshot.alerts + c.snapshot.truncated >= firing) }
    )
    if (!o.quick) {
      checks.push(
        { what: 'all synced ≤ 3 s', ok: syncS <= 3 },
        { what: 'webhook p99 ≤ 500 ms during the storm', ok: percentile(busy.latencies, 99) <= 500 },
        { what: 'RSS growth ≤ 100 MB', ok: rssPeak - rssBefore <= 100 }
      )
    }
    for (const c of clients) c.ws.close()

    if (!o.quick) {
      // 20,000 firing: the first snapshot is bounded and quick; webhooks are not held up.
      await seed(tw, 19_000, 'storm20k')
      const t0 = performance.now()
      const first = connect(tw.port)
      await until(() => first.snapshotAt !== null, 30_000)
      const firstS = ((first.snapshotAt ?? Infinity) - t0) / 1000
      const probing = await startWebhookProbe(hook, 'probe-20k')
      const more = Array.from({ length: 100 }, () => connect(tw.port))
      await until(() => more.every((c) => c.snapshotAt !== null || c.closeCode !== null), 60_000)
      await sleep(1000)
      const probe = await probing.stop()
      probes.push(...probe.sent)
      figures['20,000 firing: first snapshot s'] = Math.round(firstS * 100) / 100
      figures['20,000 firing: frame KB'] = Math.round(first.snapshotBytes / 1024)
      figures['20,000 firing: truncated'] = first.snapshot?.truncated ?? 'n/a'
      figures['20,000 firing × 100 clients: webhook p99 ms'] = Math.round(percentile(probe.latencies, 99))
      checks.push(
        { what: '20,000 firing: first snapshot ≤ 1 s', ok: firstS <= 1 },
        { what: '20,000 firing: frame bounded (≤ 2 MB)', ok: first.snapshotBytes <= 2 * 1024 * 1024 },
        { what: '20,000 firing: webhook p99 ≤ 500 ms', ok: percentile(probe.latencies, 99) <= 500 }
      )
      first.ws.close()
      for (const c of more) c.ws.close()
    }
    const v = await verifyStored(db.url, probes)
    return { name: 'snapshot-storm', ...v, recoverS: null, peakRssMb: Math.round(tw.peakRssMb()), figures, checks }
  } finally {
    await tw.stop()
    await db.destroy()
  }
}
