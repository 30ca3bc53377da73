export interface PacerOptions {
  /** Work run back to back before the event loop gets a turn, in ms (ALERT_STREAM_SLICE_MS). */
  sliceMs?: number
}

export type Pacer = ReturnType<typeof createPacer>

/**
 * Runs bursts of synchronous work in slices of about `sliceMs`, with a turn of the event loop
 * (setImmediate) between slices. 500 clients sharing one snapshot resolve together; written in one
 * go, their 500 × 600 KB of socket writes held the loop for a second, and a webhook that arrived
 * meanwhile waited for all of it. Sliced, the webhook's request, its database reply and its answer
 * are each handled after at most one slice. Work runs in the order it was queued, each piece whole.
 */
export function createPacer (o: PacerOptions = {}) {
  const sliceMs = o.sliceMs ?? 10
  let queue: Array<() => void> = []
  let head = 0
  let scheduled = false

  function drain () {
    scheduled = false
    const end = performance.now() + sliceMs
    while (head < queue.length) {
      const work = queue[head] as () => void
      queue[head++] = noop
      work()
      if (performance.now() >= end) break
    }
    if (head < queue.length) schedule()
    else {
      queue = []
      head = 0
    }
  }

  function schedule () {
    if (scheduled) return
    scheduled = true
    setImmediate(drain)
  }

  return {
    /** Runs `work` in a later slice, after the work queued before it; resolves with its result. */
    run<T> (work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push(() => {
          try {
            resolve(work())
          } catch (err) {
            reject(err)
          }
        })
        schedule()
      })
    },
    /** Pieces of work waiting for a slice. */
    pending: () => queue.length - head,
  }
}

function noop () {}
