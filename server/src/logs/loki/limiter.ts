/**
 * How hard TovWatch pushes one Loki tenant, in Loki's own unit: sub-queries. Loki's
 * query frontend splits every request by split_queries_by_interval and queues the
 * parts per tenant, at most max_query_parallelism of one request at a time; more than
 * max_outstanding_per_tenant waiting parts and the request is refused with 429. So a
 * request weighs ⌈range / split⌉ sub-queries, capped at the parallelism, and the
 * requests in flight never weigh more than the outstanding limit (LOKI_MAX_OUTSTANDING).
 *
 * A 429 still happens (other users of the tenant, a wrong setting). Loki then refuses
 * every request of the tenant for about 3 s, even a cheap one (measured: 3.3 s after a
 * burst or after 500s), and says nothing in Retry-After, so sending sooner only extends
 * the refusals: a 429 pauses every start for LINGER_MS (or Retry-After), and halves the
 * weight allowed (AIMD: it grows by one after as many successes). While Loki refuses
 * everything, this bounds TovWatch to about `bound` requests per LINGER_MS.
 * One limiter per source: all queries to one tenant share it.
 */
/** How long Loki goes on refusing after a 429 (measured 3.3 s), plus a margin. */
export const LINGER_MS = 3500
const DECREASE_COOLDOWN_MS = 1000
/**
 * The breaker: after Loki fails (429, 5xx, reset, an answer not understood) it stays open for
 * BREAKER_MS, and while open request starts are a token bucket shared by every query of the
 * instance: BREAKER_BURST at once, BREAKER_RATE per second after. However many users ask, a
 * failing Loki gets at most BREAKER_BURST + BREAKER_RATE requests in any second (issue 16: ≤ 20).
 */
export const BREAKER_MS = 10_000
export const BREAKER_RATE = 10
export const BREAKER_BURST = 5

interface Waiter { urgent: boolean, weight: number, deadlineAt: number, resolve: () => void, reject: (err: unknown) => void, signal: AbortSignal | undefined, onAbort: () => void }

/** A request that would have to wait for Loki's refusals to end past its own deadline. */
export class PausedPastDeadline extends Error {
  constructor (readonly waitMs: number) {
    super(`Loki asked TovWatch to wait another ${Math.round(waitMs)} ms; that would pass the deadline`)
    this.name = 'PausedPastDeadline'
  }
}

export class SubQueryLimiter {
  private bound: number
  private maxWeight: number
  private weight = 0
  private requests = 0
  private successes = 0
  private lastDecrease = Number.NEGATIVE_INFINITY
  private pausedUntil = 0
  private waiters: Waiter[] = []
  private timer: NodeJS.Timeout | undefined
  private failingUntil = Number.NEGATIVE_INFINITY
  private tokens = BREAKER_BURST
  private tokensAt = 0

  constructor (
    /** Requests in flight at most (LOKI_CONCURRENCY). */
    readonly maxRequests: number,
    /** Sub-queries in flight at most (LOKI_MAX_OUTSTANDING). */
    maxSubQueries: number,
    private readonly now: () => number = Date.now,
    private readonly lingerMs = LINGER_MS
  ) {
    this.maxWeight = Math.max(1, maxSubQueries)
    this.bound = this.maxWeight
  }

  /** Sub-queries currently allowed in flight (lowered by 429s). */
  get concurrency (): number { return this.bound }
  get max (): number { return this.maxWeight }
  /** Loki answered 429 within the last `ms`. */
  pushedBackWithin (ms: number): boolean { return this.now() - this.lastDecrease < ms }
  /** Milliseconds until requests may start again after a 429 (0 when not paused). */
  get pausedFor (): number { return Math.max(0, this.pausedUntil - this.now()) }

  /** The breaker is open: Loki failed within BREAKER_MS, starts are rate-limited. */
  get breakerOpen (): boolean { return this.now() < this.failingUntil }

  /** Loki failed (any retryable failure or an answer not understood): open the breaker for BREAKER_MS. */
  onFailure (): void {
    const t = this.now()
    if (t >= this.failingUntil) {
      this.tokens = BREAKER_BURST
      this.tokensAt = t
    }
    this.failingUntil = t + BREAKER_MS
  }

  /** Ms until a start is allowed by the breaker's bucket (0: now). */
  private tokenWait (): number {
    const t = this.now()
    if (t >= this.failingUntil) return 0
    this.tokens = Math.min(BREAKER_BURST, this.tokens + ((t - this.tokensAt) * BREAKER_RATE) / 1000)
    this.tokensAt = t
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / BREAKER_RATE)
  }

  private takeToken (): void {
    if (this.now() < this.failingUntil) this.tokens -= 1
  }

  /** Loki's limits learnt later (its /config): never above what was configured. */
  setMaxSubQueries (n: number): void {
    if (!(n >= 1)) return
    this.maxWeight = n
    this.bound = Math.min(this.bound, n)
    this.pump()
  }

  /**
   * `urgent`: the request waits ahead of the others (after earlier urgent ones). A page that
   * follows a full page, or a window fetched again, is what a query's answer waits for last;
   * starting it first keeps Loki's workers busy to the end instead of idling behind one chain.
   */
  async run<T> (fn: () => Promise<T>, weight = 1, signal?: AbortSignal, deadlineAt = Number.POSITIVE_INFINITY, urgent = false): Promise<T> {
    const w = Math.max(1, Math.min(weight, this.maxWeight))
    await this.acquire(w, signal, deadlineAt, urgent)
    try {
      return await fn()
    } finally {
      this.weight -= w
      this.requests--
      this.pump()
    }
  }

  onSuccess (): void {
    if (++this.successes >= this.bound) {
      this.successes = 0
      if (this.bound < this.maxWeight) {
        this.bound++
        this.pump()
      }
    }
  }

  onRateLimited (retryAfterMs?: number): void {
    const t = this.now()
    this.pausedUntil = Math.max(this.pausedUntil, t + (retryAfterMs ?? this.lingerMs))
    this.onFailure()
    this.pump()
    if (t - this.lastDecrease < DECREASE_COOLDOWN_MS) return
    this.lastDecrease = t
    this.successes = 0
    this.bound = Math.max(1, Math.floor(this.bound / 2))
  }

  /** Loki answered 500: it refuses the tenant for a while after (measured), so nothing starts before that. */
  pause (ms = this.lingerMs): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms)
    this.pump()
  }

  private fits (w: number): boolean {
    return this.requests < this.maxRequests && (this.requests === 0 || this.weight + w <= this.bound)
  }

  private acquire (w: number, signal: AbortSignal | undefined, deadlineAt: number, urgent: boolean): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (this.pausedUntil > deadlineAt) return Promise.reject(new PausedPastDeadline(this.pausedFor))
    if ((this.waiters.length === 0 || (urgent && this.waiters[0]?.urgent !== true)) && this.pausedFor === 0 && this.fits(w) && this.tokenWait() === 0) {
      this.takeToken()
      this.weight += w
      this.requests++
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        urgent,
        weight: w,
        deadlineAt,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters = this.waiters.filter((x) => x !== waiter)
          reject(signal?.reason)
          this.pump()
        },
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true })
      if (urgent) {
        const at = this.waiters.findIndex((x) => !x.urgent)
        this.waiters.splice(at === -1 ? this.waiters.length : at, 0, waiter)
      } else {
        this.waiters.push(waiter)
      }
      this.pump()
    })
  }

  /** Starts waiters in order while they fit; after a 429, once the pause is over. */
  private pump (): void {
    const paused = this.pausedFor
    if (paused > 0) {
      // Whoever cannot wait that long hears it now rather than at its deadline.
      for (const w of this.waiters.filter((x) => x.deadlineAt < this.pausedUntil)) {
        this.waiters = this.waiters.filter((x) => x !== w)
        w.signal?.removeEventListener('abort', w.onAbort)
        w.reject(new PausedPastDeadline(paused))
      }
      if (this.timer === undefined && this.waiters.length > 0) {
        this.timer = setTimeout(() => { this.timer = undefined; this.pump() }, paused)
        this.timer.unref?.()
      }
      return
    }
    while (this.waiters.length > 0) {
      const next = this.waiters[0] as Waiter
      if (!this.fits(next.weight)) return
      const wait = this.tokenWait()
      if (wait > 0) {
        if (this.timer === undefined) {
          this.timer = setTimeout(() => { this.timer = undefined; this.pump() }, wait)
          this.timer.unref?.()
        }
        return
      }
      this.takeToken()
      this.waiters.shift()
      next.signal?.removeEventListener('abort', next.onAbort)
      this.weight += next.weight
      this.requests++
      next.resolve()
    }
  }
}
