import pino from 'pino'
import { Registry } from 'prom-client'
import { loadConfig } from '../../../src/config.js'
import { createClassifier } from '../../../src/errors/classifier.js'
import { createLiveRefresher, type LivePeer, type RefresherOptions } from '../../../src/errors/live/refresher.js'
import type { LiveFrame } from '../../../src/errors/live/schemas.js'
import { parseLiveMessage, type Subscription } from '../../../src/errors/live/subscription.js'
import { loadRules } from '../../../src/errors/rules.js'
import { createMemoryCache } from '../../../src/infra/redis.js'
import { createLokiSource } from '../../../src/logs/loki/source.js'
import { createMetrics } from '../../../src/metrics/registry.js'
import type { StoredEntry } from '../../helpers/loki-double/data.js'
import type { LokiDouble } from '../../helpers/loki-double.js'

export const classifier = createClassifier(loadRules())
export const ns = (ms: number) => BigInt(ms) * 1_000_000n
export const STREAMS = [{ job: 'tovplay/api', app: 'api' }, { job: 'tovplay/web', app: 'web' }]

/** The double's store, appended to as lines "arrive" (the double serves a sorted copy). */
export function store (double: LokiDouble) {
  const entries: StoredEntry[] = []
  return {
    add (lines: Array<[ms: number, stream: number, line: string]>) {
      for (const [ms, stream, line] of lines) entries.push({ tsNs: ns(ms), stream, line })
      entries.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0))
      double.load({ streams: STREAMS, entries: [...entries] })
    },
  }
}

/** A Loki source on the double as main.ts builds one (limiter, retries, breaker, cache). */
export function lokiSource (url: string) {
  const config = loadConfig({ LOKI_URL: url, LOG_LEVEL: 'silent', DATA_DIR: '/tmp/tovwatch-live-test' })
  const metrics = createMetrics(new Registry())
  return createLokiSource(config.loki, { metrics, cache: createMemoryCache('loki', metrics), logger: pino({ level: 'silent' }) })
}

export function refresher (o: Omit<RefresherOptions, 'classifier'>) {
  return createLiveRefresher({ classifier, ...o })
}

/** A subscriber that keeps what it was sent. */
export function peer (): LivePeer & { frames: LiveFrame[], last: () => Extract<LiveFrame, { type: 'errors.live' }> | undefined } {
  const frames: LiveFrame[] = []
  return {
    frames,
    send: (f) => { frames.push(f) },
    last: () => frames.filter((f) => f.type === 'errors.live').at(-1) as Extract<LiveFrame, { type: 'errors.live' }> | undefined,
  }
}

export function sub (id: string, sinceMs: number, extra: Record<string, string> = {}): Subscription {
  const p = parseLiveMessage({ type: 'errors.subscribe', id, since: String(sinceMs), ...extra }, Date.now(), 3_600_000, 7)
  if (p.kind !== 'subscribe') throw new Error(`refused: ${JSON.stringify(p)}`)
  return p.sub
}

export const KEYERROR = (path: string) => [
  `[2026-11-22 02:05:10,123] ERROR in app: Exception on ${path} [POST]`,
  'Traceback (most recent call last):',
  '  File "/app/tovplay/api/sessions.py", line 88, in join_session',
  '    slot = payload["slot"]',
  "KeyError: 'slot'",
]
