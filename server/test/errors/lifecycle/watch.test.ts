import { afterEach, describe, expect, it, vi } from 'vitest'
import { startNewGroupWatch, SWEEP_ALONE_MS } from '../../../src/errors/lifecycle/watch.js'

describe('the new-group watch', () => {
  afterEach(() => { vi.useRealTimers() })

  it('sweeps the alerts every minute even when the check is off (feed requests still raise alerts)', () => {
    vi.useFakeTimers()
    const sweep = vi.fn()
    const check = vi.fn(async () => {})
    const w = startNewGroupWatch({ intervalMs: 0, check, sweep, onError: () => {} })
    vi.advanceTimersByTime(SWEEP_ALONE_MS * 3)
    expect(sweep).toHaveBeenCalledTimes(3)
    expect(check).not.toHaveBeenCalled()
    w.stop()
    vi.advanceTimersByTime(SWEEP_ALONE_MS * 3)
    expect(sweep).toHaveBeenCalledTimes(3)
  })

  it('with the check on, sweeps and checks on each tick', async () => {
    vi.useFakeTimers()
    const sweep = vi.fn()
    const check = vi.fn(async () => {})
    const w = startNewGroupWatch({ intervalMs: 1000, check, sweep, onError: () => {} })
    await vi.advanceTimersByTimeAsync(2000)
    expect(sweep).toHaveBeenCalledTimes(2)
    expect(check).toHaveBeenCalledTimes(2)
    w.stop()
  })
})
