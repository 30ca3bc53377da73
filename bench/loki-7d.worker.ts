/**
 * The Loki double of bench/loki-7d.bench.ts, on its own thread: a real Loki is
 * another process, so its JSON encoding must not share the measured event loop.
 * Answers small RPCs from the benchmark: trueCount, stats, since (the query_range
 * requests from an index on: their range, step, status and sub-queries), append (lines arriving),
 * setOptions, close.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { generateEntries, startLokiDouble, type GenerateOptions, type LokiDoubleOptions } from '../server/fixtures/loki-double.js'

const double = await startLokiDouble(workerData as LokiDoubleOptions)
// Lines appended as they "arrive" (the live part): the generated data plus these, kept sorted.
let appended: ReturnType<typeof generateEntries> | undefined
const port = parentPort
if (port === null) throw new Error('run as a worker')

port.on('message', async (m: { id: number, method: string, args: string[] }) => {
  let result: unknown
  if (m.method === 'trueCount') result = double.trueCount(m.args[0] as string, BigInt(m.args[1] as string), BigInt(m.args[2] as string))
  if (m.method === 'stats') result = { queries: double.queries().length, rateLimited: double.stats.rateLimited, subQueries: double.stats.subQueries }
  if (m.method === 'since') {
    result = double.queries().slice(Number(m.args[0])).map((r) => ({ startNs: String(r.startNs), endNs: String(r.endNs), step: r.step ?? null, status: r.status, bytes: Buffer.byteLength(r.query) }))
  }
  if (m.method === 'append') {
    appended ??= generateEntries((workerData as LokiDoubleOptions).data as GenerateOptions)
    const store = appended
    for (const [ms, stream, line] of JSON.parse(m.args[0] as string) as Array<[number, number, string]>) store.entries.push({ tsNs: BigInt(ms) * 1_000_000n, stream, line })
    store.entries.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0))
    double.load({ streams: store.streams, entries: [...store.entries] })
    result = true
  }
  if (m.method === 'setOptions') {
    double.setOptions(JSON.parse(m.args[0] as string) as Partial<LokiDoubleOptions>)
    result = true
  }
  if (m.method === 'close') {
    // The double refuses to close quietly when it received LogQL that Loki would refuse: say so.
    result = await double.close().then(() => true, (err: Error) => err.message)
  }
  port.postMessage({ id: m.id, result })
  if (m.method === 'close') port.close()
})
port.postMessage({ id: 0, result: double.url })
