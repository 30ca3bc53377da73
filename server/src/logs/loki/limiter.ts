/**
 * How hard TovWatch pushes one Loki. p-limit bounds the requests in flight; the
 * bound follows AIMD (halve on 429, +1 after a window of successes, never above
 * LOKI_CONCURRENCY). Loki also limits queries per second, which fewer requests in
 * flight alone may not fix, so a 429 also paces request starts at 80% of the rate
 * Loki was admitting just then; the pace then creeps up by about 1/s per second.
 * One limiter per source: all queries to one tenant share it.
 */
import pLimit, { type LimitFunction } from 'p-limit'
import { sleep } from './retry.js'

const DECREASE_COOLDOWN_MS = 1000
const WINDOW_MS = 1000

interface Start { at: number, rejected: boolean }

export class AdaptiveLimiter {
  private readonly limit: LimitFunction
  private successes = 0
  private lastDecrease = Number.NEGATIVE_INFINITY
  private rate = Number.POSITIVE_INFINITY
  private nextStart = 0
  private starts: Start[] = []

  constructor (
    readonly max: number,
    private readonly isRateLimited: (err: unknown) => boolean = () => false,
    private readonly now: () => number = Date.now
  ) {
    this.limit = pLimit(max)
  }

  get concurrency (): number { return this.limit.concurrency }
  /** Request starts per second currently allowed (Infinity until Loki first pushes back). */
  get startsPerSecond (): number { return this.rate }
  /** Loki answered 429 within the last `ms`. */
  pushedBackWithin (ms: number): boolean { return this.now() - this.lastDecrease < ms }

  run<T> (fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.limit(async () => {
      const t = this.now()
      const wait = Math.max(0, this.nextStart - t)
      if (Number.isFinite(this.rate)) this.nextStart = Math.max(t, this.nextStart) + 1000 / this.rate
      if (wait > 0) await sleep(wait, signal)
      const start: Start = { at: this.now(), rejected: false }
      this.starts.push(start)
      if (this.starts.length > 512) this.starts = this.starts.slice(-256)
      try {
        return await fn()
      } catch (err) {
        if (this.isRateLimited(err)) start.rejected = true
        throw err
      }
    })
  }

  onSuccess (): void {
    if (++this.successes >= this.limit.concurrency) {
      this.successes = 0
      if (this.limit.concurrency < this.max) this.limit.concurrency++
    }
    if (Number.isFinite(this.rate)) {
      this.rate += 1 / Math.max(1, this.rate)
      if (this.rate > 1000) this.rate = Number.POSITIVE_INFINITY
    }
  }

  onRateLimited (): void {
    const t = this.now()
    if (t - this.lastDecrease < DECREASE_COOLDOWN_MS) return
    this.lastDecrease = t
    this.successes = 0
    this.limit.concurrency = Math.max(1, Math.floor(this.limit.concurrency / 2))
    const recent = this.starts.filter((s) => s.at > t - WINDOW_MS)
    const admitted = recent.filter((s) => !s.rejected).length
    // Nothing admitted lately says nothing about Loki's rate: leave it to the halved concurrency and the backoff.
    if (admitted === 0) return
    const spanMs = Math.max(100, Math.min(WINDOW_MS, t - (recent[0] as Start).at))
    this.rate = Math.max(1, Math.min(this.rate, (admitted * 1000) / spanMs * 0.8))
  }
}
