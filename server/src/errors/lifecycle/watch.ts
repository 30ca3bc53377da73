/**
 * Finds new groups when nobody has the feed open: every `intervalMs`, the last minutes are grouped
 * (critical and high) through the lifecycle pass, which records them and raises the new-group
 * alerts; alerts older than their window resolve. Skips a tick while the previous one runs.
 */
export function startNewGroupWatch (opts: { intervalMs: number, check: () => Promise<void>, sweep: () => void, onError: (err: Error) => void }) {
  let running = false
  const tick = async () => {
    if (running) return
    running = true
    try {
      opts.sweep()
      await opts.check()
    } catch (err) {
      opts.onError(err as Error)
    } finally {
      running = false
    }
  }
  const timer = opts.intervalMs > 0 ? setInterval(() => { tick().catch(() => {}) }, opts.intervalMs) : undefined
  timer?.unref()
  return { tick, stop: () => clearInterval(timer) }
}

/** The window each check groups: three intervals (late lines still land in one), at least 15 minutes. */
export const watchWindowMs = (intervalMs: number) => Math.max(15 * 60_000, 3 * intervalMs)
