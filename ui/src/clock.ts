/**
 * One shared 1-second tick for every "measured 12 s ago" on the page: a hundred
 * ages cost one timer, and the timer stops when nothing listens.
 */
const listeners = new Set<(now: number) => void>()
let timer: ReturnType<typeof setInterval> | undefined

export function onTick (fn: (now: number) => void): () => void {
  listeners.add(fn)
  timer ??= setInterval(() => {
    const now = Date.now()
    for (const l of listeners) l(now)
  }, 1000)
  return () => {
    listeners.delete(fn)
    if (listeners.size === 0 && timer !== undefined) { clearInterval(timer); timer = undefined }
  }
}

export const tickListenerCount = () => listeners.size
export const tickRunning = () => timer !== undefined
