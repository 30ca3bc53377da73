import { startLokiFaultServer, type LokiFault } from '../loki-fault-server.js'
import type { Check, Outcome, ScenarioOptions } from '../outcome.js'
import { startTovWatch, VIEWER_TOKEN } from '../tovwatch.js'

const DEADLINE_MS = 5000
const FAULTS: LokiFault[] = ['hang', '429', '500', 'reset', 'garbage', 'wrong-shape']
/** A JavaScript message or a stack frame leaking into an answer. */
const LEAK = /is not iterable|is not a function|Cannot read propert|undefined|\n\s+at /

/** Issue 16: a Loki answering 429 to everything gets at most this many requests a second from one instance. */
const MAX_PER_SECOND = 20
const NOT_UNDERSTOOD = /^Loki's answer was not understood: expected .+, got .+/

/**
 * Concurrent error-feed requests (different queries) against a Loki that hangs, 429s, 500s,
 * resets, sends garbage or the wrong shape. Enforced: TovWatch stays up; every request is
 * answered by LOKI_DEADLINE_MS + 1 s; no answer carries a stack trace or a JavaScript message;
 * under 429-everything Loki gets at most 20 requests a second (shared breaker); garbage and the
 * wrong shape are a 502 saying Loki's answer was not understood, and health is then not `up`.
 */
export async function lokiFaults (o: ScenarioOptions): Promise<Outcome> {
  const loki = await startLokiFaultServer()
  const tw = await startTovWatch({ LOKI_URL: loki.url, LOKI_DEADLINE_MS: String(DEADLINE_MS), LOKI_CHUNK_TIMEOUT_MS: '2000', LOKI_PLAN_TIMEOUT_MS: '1000' })
  const figures: Outcome['figures'] = {}
  const checks: Check[] = []
  const users = o.quick ? 5 : 20
  try {
    for (const fault of FAULTS) {
      loki.set(fault)
      const started = performance.now()
      const answers = await Promise.all(Array.from({ length: users }, async (_, i) => {
        const t0 = performance.now()
        try {
          const r = await fetch(`${tw.base}/api/errors?range=1h&q=u${i}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` }, signal: AbortSignal.timeout(DEADLINE_MS * 4) })
          return { status: r.status, body: await r.text(), ms: performance.now() - t0 }
        } catch (err) {
          return { status: 0, body: (err as Error).message, ms: performance.now() - t0 }
        }
      }))
      const seconds = (performance.now() - started) / 1000
      const maxMs = Math.max(...answers.map((a) => a.ms))
      const statuses = [...new Set(answers.map((a) => a.status))].sort().join('/')
      const health = await fetch(`${tw.base}/api/health`).then(async (r) => (await r.json() as { dependencies?: Record<string, { status: string }> }).dependencies?.logs?.status ?? 'n/a').catch(() => 'unanswered')
      const message = (JSON.parse(answers.find((a) => a.status >= 400)?.body ?? '{}') as { message?: string }).message ?? ''
      figures[`${fault}: ${users} users`] = `HTTP ${statuses}, slowest ${Math.round(maxMs)} ms, Loki requests ${loki.requests()} (peak ${loki.peakPerSecond()}/s, ${Math.round(loki.requests() / seconds)}/s avg), health logs: ${health}${message === '' ? '' : `, says "${message.slice(0, 80)}"`}`
      checks.push(
        { what: `${fault}: every request answered by the deadline + 1 s`, ok: answers.every((a) => a.status !== 0 && a.ms <= DEADLINE_MS + 1000) },
        { what: `${fault}: no 5xx with a stack trace`, ok: answers.every((a) => a.status < 500 || !/\n\s+at /.test(a.body)) }
      )
      checks.push({ what: `${fault}: no answer carries a JavaScript message`, ok: answers.every((a) => a.status < 400 || !LEAK.test(a.body)) })
      if (fault === '429') {
        checks.push({ what: `429: at most ${MAX_PER_SECOND} Loki requests per second (peak ${loki.peakPerSecond()}/s)`, ok: loki.peakPerSecond() <= MAX_PER_SECOND && loki.requests() / seconds <= MAX_PER_SECOND })
      }
      if (fault === 'garbage' || fault === 'wrong-shape') {
        checks.push(
          { what: `${fault}: every answer a 502 saying Loki's answer was not understood`, ok: answers.every((a) => a.status === 502 && NOT_UNDERSTOOD.test((JSON.parse(a.body) as { message?: string }).message ?? '')) },
          { what: `${fault}: health logs not up (${health})`, ok: health !== 'up' && health !== 'unanswered' }
        )
      }
    }
    loki.set('healthy')
    const alive = await fetch(`${tw.base}/api/health`).then((r) => r.status).catch(() => 0)
    checks.push({ what: 'TovWatch still up after every fault', ok: alive === 200 || alive === 503 })
    return { name: 'loki-faults', lost: 0, duplicated: 0, recoverS: null, peakRssMb: Math.round(tw.peakRssMb()), figures, checks }
  } finally {
    await tw.stop()
    await loki.close()
  }
}
