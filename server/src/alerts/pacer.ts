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
  /** Each piece, with the time it is expected to take after it returns (a turn's continuation). */
  let queue: Array<{ work: () => void, after: number }> = []
  let head = 0
  let scheduled = false

  function drain () {
    scheduled = false
    let end = performance.now() + sliceMs
    while (head < queue.length) {
      const piece = queue[head] as { work: () => void, after: number }
      queue[head++] = NONE
      piece.work()
      end -= piece.after
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
        queue.push({
          work: () => {
            try {
              resolve(work())
            } catch (err) {
              reject(err)
            }
          },
          after: 0,
        })
        schedule()
      })
    },
    /**
     * Resolves in a later slice, counted as `costMs` of it: for work that cannot be handed over as a
     * function, because it is what follows an `await` (an upgrade's handshake, after its hooks). It
     * runs just after the slice, so at most a slice's worth of such turns is let through at once.
     */
    turn (costMs = 1): Promise<void> {
      return new Promise<void>((resolve) => {
        queue.push({ work: resolve, after: costMs })
        schedule()
      })
    },
    /** Pieces of work waiting for a slice. */
    pending: () => queue.length - head,
  }
}

const NONE = { work: () => {}, after: 0 }
