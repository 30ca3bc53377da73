/**
 * Finds new groups when nobody has the feed open: every `intervalMs`, the last minutes are grouped
 * (critical and high) through the lifecycle pass, which records them and raises the new-group
 * alerts; alerts older than their window resolve. Skips a tick while the previous one runs.
 */
/** How often alerts are swept when the check itself is off (ERROR_NEW_GROUP_CHECK_S=0). */
export const SWEEP_ALONE_MS = 60_000

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
  // With the check off, feed requests still raise alerts: they must still resolve when their window ends.
  const sweeper = opts.intervalMs > 0 ? undefined : setInterval(opts.sweep, SWEEP_ALONE_MS)
  timer?.unref()
  sweeper?.unref()
  return { tick, stop: () => { clearInterval(timer); clearInterval(sweeper) } }
}

/** The window each check groups: three intervals (late lines still land in one), at least 15 minutes. */
export const watchWindowMs = (intervalMs: number) => Math.max(15 * 60_000, 3 * intervalMs)
