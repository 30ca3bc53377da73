/**
 * The query frontend's queue, per tenant, as a real single-binary Loki behaved (measured on
 * 2.8.0 with max_query_parallelism 4, split_queries_by_interval 1h, max_outstanding_per_tenant 6):
 *
 * - A request is split into sub-queries; at most `maxQueryParallelism` of ONE request are
 *   outstanding at a time (the splitter's worker goroutines), the next one enqueued as one
 *   finishes. Results are consumed in order; a limited log query stops at the limit.
 * - Sub-queries wait in the tenant's queue for one of `querierConcurrency` querier workers.
 *   Enqueueing while `maxOutstandingPerTenant` already wait is refused: the whole request
 *   fails 429 "too many outstanding requests" (pkg/scheduler/queue Enqueue: a tenant queue
 *   longer than max_outstanding_per_tenant refuses). Its waiting sub-queries stay queued,
 *   cancelled, until a worker takes them off and skips them (frontend v1 skips expired requests
 *   when it dequeues them).
 * - Lingering (measured: 429s went on for ~3.3 s after a burst, and after bad-regex 500s,
 *   even for one cheap query): a refusal by a full queue, or a 500, starts or extends a
 *   cool-down of `lingerMs` in which every enqueue of the tenant is refused. Refusals during
 *   the cool-down do not extend it.
 *
 * With these rules and the realistic defaults: 1–2 concurrent 6 h requests pass; 3 or 4
 * concurrent 6 h requests all get 429 (the last ones overflow the queue, the first ones hit
 * the cool-down when they enqueue their 5th sub-query); 12 concurrent: all 12 get 429.
 */

export interface QueueLimits {
  maxQueryParallelism: number
  querierConcurrency: number
  maxOutstandingPerTenant: number
  lingerMs: number
  /** Time a querier works on one sub-query, ms. */
  latency: () => number
}

export type Refusal = 'queue' | 'linger'

interface Job { cancelled: boolean, work: () => void }
interface Tenant { waiting: Job[], busy: number, coolUntil: number }

export interface RunOutcome<R> { ok: true, results: R[] }
export interface RunFailure { ok: false, status: 429 | 500, body: string, refusedBy?: Refusal }

export class QueryFrontend {
  private readonly tenants = new Map<string, Tenant>()
  private readonly timers = new Set<NodeJS.Timeout>()
  readonly stats = { subQueries: 0, queueRefused: 0, lingerRefused: 0 }

  constructor (private readonly limits: () => QueueLimits, private readonly now: () => number = Date.now) {}

  private tenant (id: string): Tenant {
    let t = this.tenants.get(id)
    if (t === undefined) this.tenants.set(id, (t = { waiting: [], busy: 0, coolUntil: 0 }))
    return t
  }

  /** Starts (or extends) the tenant's cool-down: after a queue overflow or a 500. */
  linger (id: string): void {
    const t = this.tenant(id)
    t.coolUntil = Math.max(t.coolUntil, this.now() + this.limits().lingerMs)
  }

  /** Sub-queries waiting (not being worked on) for a tenant, cancelled ones included. */
  waiting (id: string): number { return this.tenant(id).waiting.length }

  private enqueue (id: string, job: Job): Refusal | undefined {
    const t = this.tenant(id)
    const lim = this.limits()
    if (this.now() < t.coolUntil) { this.stats.lingerRefused++; return 'linger' }
    if (t.waiting.length >= lim.maxOutstandingPerTenant) {
      this.stats.queueRefused++
      this.linger(id)
      return 'queue'
    }
    t.waiting.push(job)
    this.stats.subQueries++
    this.pump(id)
    return undefined
  }

  private pump (id: string): void {
    const t = this.tenant(id)
    const lim = this.limits()
    while (t.busy < lim.querierConcurrency && t.waiting.length > 0) {
      const job = t.waiting.shift() as Job
      if (job.cancelled) continue
      t.busy++
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        t.busy--
        job.work()
        this.pump(id)
      }, Math.max(0, lim.latency()))
      this.timers.add(timer)
    }
  }

  /**
   * Runs `count` sub-queries of one request for tenant `id`. `exec(i)` computes sub-query i
   * (it may throw: a 500, which also starts the cool-down); `enough(results so far, in order)`
   * lets a limited log query stop early.
   */
  run<R> (id: string, count: number, exec: (i: number) => R, enough: (inOrder: R[]) => boolean = () => false): Promise<RunOutcome<R> | RunFailure> {
    return new Promise((resolve) => {
      const P = Math.max(1, this.limits().maxQueryParallelism)
      const results: R[] = []
      const ready = new Map<number, R>()
      const jobs: Job[] = []
      let next = 0
      let outstanding = 0
      let done = false
      const finish = (out: RunOutcome<R> | RunFailure) => {
        if (done) return
        done = true
        for (const j of jobs) j.cancelled = true
        resolve(out)
      }
      const dispatch = () => {
        while (outstanding < P && next < count) {
          if (done) return
          const i = next++
          const job: Job = {
            cancelled: false,
            work: () => {
              if (done || job.cancelled) return
              outstanding--
              try {
                ready.set(i, exec(i))
              } catch (err) {
                this.linger(id)
                return finish({ ok: false, status: 500, body: (err as Error).message })
              }
              while (ready.has(results.length)) {
                results.push(ready.get(results.length) as R)
                ready.delete(results.length - 1)
                if (enough(results)) return finish({ ok: true, results })
              }
              if (results.length === count) return finish({ ok: true, results })
              dispatch()
            },
          }
          const refused = this.enqueue(id, job)
          if (refused !== undefined) return finish({ ok: false, status: 429, body: 'too many outstanding requests', refusedBy: refused })
          jobs.push(job)
          outstanding++
        }
      }
      if (count === 0) return finish({ ok: true, results })
      dispatch()
    })
  }

  close (): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}
