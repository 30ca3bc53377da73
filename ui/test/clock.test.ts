import { afterEach, describe, expect, it, vi } from 'vitest'
import { onTick, tickListenerCount, tickRunning } from '../src/clock.js'

afterEach(() => { vi.useRealTimers() })

describe('shared clock', () => {
  it('runs one timer for many listeners and stops when the last one leaves', () => {
    vi.useFakeTimers()
    const spy = vi.spyOn(globalThis, 'setInterval')
    const seen: number[] = []
    const stops = Array.from({ length: 50 }, (_, i) => onTick(() => { if (i === 0) seen.push(1) }))
    expect(spy).toHaveBeenCalledTimes(1)
    expect(tickListenerCount()).toBe(50)
    vi.advanceTimersByTime(3000)
    expect(seen).toHaveLength(3)
    for (const s of stops) s()
    expect(tickRunning()).toBe(false)
    vi.advanceTimersByTime(3000)
    expect(seen).toHaveLength(3)
  })
})
