import { describe, expect, it } from 'vitest'
import { serializeExtendedProtocol } from '../../src/infra/pglite-serialize.js'

const P = 0x50
const B = 0x42
const E = 0x45
const S = 0x53

/** A stand-in for pglite-socket's queue: FIFO, one message at a time, like the library. */
function fakeServer (failOn?: (handler: number, type: number) => boolean) {
  const ran: string[] = []
  const q = {
    queue: [] as Array<{ handlerId: number, message: Uint8Array, resolve: (n: number) => void, reject: (e: unknown) => void, onData: (d: Uint8Array) => void }>,
    processing: false,
    lastHandlerId: null as number | null,
    current: 0,
    db: {
      isInTransaction: () => false,
      runExclusive: async <T>(fn: () => Promise<T>) => fn(),
      execProtocolRawStream: async (m: Uint8Array) => {
        const [type, handler] = [m[0] as number, m[1] as number]
        ran.push(`${handler}:${String.fromCharCode(type)}`)
        await new Promise((resolve) => setImmediate(resolve))
        if (failOn?.(handler, type) === true) throw new Error('boom')
      },
    },
    async processQueue () { // the library's own FIFO, replaced by the patch
      if (this.processing) return
      this.processing = true
      while (this.queue.length > 0) {
        const item = this.queue.shift()!
        await this.db.execProtocolRawStream(item.message)
        item.resolve(0)
      }
      this.processing = false
    },
    clearQueueForHandler (id: number) { this.queue = this.queue.filter((x) => x.handlerId !== id) },
  }
  const enqueue = (handlerId: number, type: number) => new Promise<number>((resolve, reject) => {
    q.queue.push({ handlerId, message: new Uint8Array([type, handlerId]), resolve, reject, onData: () => {} })
    q.processQueue().catch(reject)
  })
  // A connection sends its messages one after the other, each once the previous is done (as the handler does).
  const connection = async (handlerId: number, types: number[]) => {
    for (const t of types) {
      await enqueue(handlerId, t).catch(() => {})
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { server: { queryQueue: q }, ran, connection }
}

describe('serializeExtendedProtocol', () => {
  it('the unpatched FIFO interleaves two connections (the bug it fixes)', async () => {
    const f = fakeServer()
    await Promise.all([f.connection(1, [P, B, E, S]), f.connection(2, [P, B, E, S])])
    expect(f.ran.slice(0, 2)).toEqual(['1:P', '2:P'])
  })

  it('runs one connection from Parse to Sync before another', async () => {
    const f = fakeServer()
    serializeExtendedProtocol(f.server)
    await Promise.all([f.connection(1, [P, B, E, S]), f.connection(2, [P, B, E, S]), f.connection(3, [P, B, E, S])])
    expect(f.ran).toHaveLength(12)
    for (let i = 0; i < 12; i += 4) {
      const h = f.ran[i]!.split(':')[0]
      expect(f.ran.slice(i, i + 4)).toEqual([`${h}:P`, `${h}:B`, `${h}:E`, `${h}:S`])
    }
  })

  it('keeps processing after a message fails', async () => {
    const f = fakeServer((h, t) => h === 1 && t === B)
    serializeExtendedProtocol(f.server)
    await Promise.all([f.connection(1, [P, B, S]), f.connection(2, [P, B, E, S])])
    expect(f.ran.filter((r) => r.startsWith('2:'))).toEqual(['2:P', '2:B', '2:E', '2:S'])
  })

  it('refuses a library whose internals changed', () => {
    expect(() => serializeExtendedProtocol({})).toThrow(/internals changed/)
  })
})
