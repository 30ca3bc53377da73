import { describe, expect, it } from 'vitest'
import { createPacer } from '../../src/alerts/pacer.js'

const busy = (ms: number) => {
  const end = performance.now() + ms
  while (performance.now() < end) { /* a slice of synchronous work, like a socket write */ }
}

describe('pacer: bursts of synchronous work in slices, with turns of the event loop between', () => {
  it('runs pieces in the order queued, each whole, and resolves each with its result', async () => {
    const pacer = createPacer({ sliceMs: 1 })
    const log: string[] = []
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => pacer.run(() => {
      log.push(`start ${i}`)
      busy(0.2)
      log.push(`end ${i}`)
      return i * 2
    })))
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2))
    expect(log).toEqual(Array.from({ length: 50 }, (_, i) => [`start ${i}`, `end ${i}`]).flat())
    expect(pacer.pending()).toBe(0)
  })

  it('a piece that throws rejects its own promise only; the queue goes on', async () => {
    const pacer = createPacer()
    const ran: number[] = []
    const a = pacer.run(() => { ran.push(1) })
    const b = pacer.run(() => { throw new Error('socket gone') })
    const c = pacer.run(() => { ran.push(3); return 'ok' })
    await a
    await expect(b).rejects.toThrow('socket gone')
    expect(await c).toBe('ok')
    expect(ran).toEqual([1, 3])
  })

  it('gives the event loop a turn between slices: other callbacks run before the burst is done', async () => {
    const pacer = createPacer({ sliceMs: 5 })
    const log: string[] = []
    const done = Promise.all(Array.from({ length: 20 }, (_, i) => pacer.run(() => { busy(2); log.push(`piece ${i}`) })))
    // Queued after the pacer's first slice: a webhook's request, say.
    setImmediate(() => log.push('other'))
    await done
    const at = log.indexOf('other')
    // At most a slice (here about 3 pieces of 2 ms) runs before it, and the rest after.
    expect(at).toBeGreaterThan(0)
    expect(at).toBeLessThan(5)
    expect(log.filter((x) => x !== 'other')).toEqual(Array.from({ length: 20 }, (_, i) => `piece ${i}`))
  })

  it('with a slice longer than the burst, the burst runs in one go (the test above can fail)', async () => {
    const pacer = createPacer({ sliceMs: 10_000 })
    const log: string[] = []
    const done = Promise.all(Array.from({ length: 20 }, (_, i) => pacer.run(() => { busy(0.5); log.push(`piece ${i}`) })))
    setImmediate(() => log.push('other'))
    await done
    await new Promise((resolve) => setImmediate(resolve))
    expect(log.indexOf('other')).toBe(20)
  })

  it('lets turns through a slice at a time: what follows each await (a handshake) is counted as its cost', async () => {
    const pacer = createPacer({ sliceMs: 5 })
    const log: string[] = []
    const done = Promise.all(Array.from({ length: 20 }, async (_, i) => {
      await pacer.turn(1)
      busy(0.2)
      log.push(`handshake ${i}`)
    }))
    setImmediate(() => log.push('other'))
    await done
    const at = log.indexOf('other')
    expect(at).toBeGreaterThan(0)
    expect(at).toBeLessThanOrEqual(5)
    expect(log.filter((x) => x !== 'other')).toEqual(Array.from({ length: 20 }, (_, i) => `handshake ${i}`))
  })
})
