import net from 'node:net'
import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryBus, createMemoryCache, createRedisBus, createRedisCache, type Bus, type Cache } from '../../src/infra/redis.js'
import { have, REDIS_URL } from '../helpers/services.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of closers.splice(0)) await c() })
const track = <T extends Bus | Cache>(x: T): T => { closers.push(x.close); return x }
const until = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) })
})
const noop = () => {}

describe('in-process bus and cache', () => {
  it('delivers to subscribers and stops after unsubscribe', async () => {
    const bus = track(createMemoryBus())
    const got: string[] = []
    const off = await bus.subscribe('c', (m) => got.push(m))
    await bus.publish('c', 'one')
    await off()
    await bus.publish('c', 'two')
    expect(got).toEqual(['one'])
  })

  it('caches with a TTL', async () => {
    const cache = track(createMemoryCache('t', undefined))
    await cache.set('k', 'v', 60)
    expect(await cache.get('k')).toBe('v')
    expect(await cache.get('missing')).toBeUndefined()
  })
})

describe.skipIf(!(await have('redis')))('Redis bus and cache', () => {
  it('carries a message from one instance to another', async () => {
    const a = track(createRedisBus(REDIS_URL, noop))
    const b = track(createRedisBus(REDIS_URL, noop))
    const channel = `test:${Math.random()}`
    const got: string[] = []
    await b.subscribe(channel, (m) => got.push(m))
    await until(() => !a.degraded() && !b.degraded())
    await new Promise((resolve) => setTimeout(resolve, 100))
    await a.publish(channel, 'hello')
    await until(() => got.length === 1)
    expect(got).toEqual(['hello'])
  })

  it('shares cached values between instances', async () => {
    const a = track(createRedisCache(REDIS_URL, `t${Math.random()}`, undefined, noop))
    await until(() => !a.degraded())
    await a.set('k', 'v', 30)
    expect(await a.get('k')).toBe('v')
    expect(await a.ping()).not.toBeNull()
  })

  it('falls back when Redis is down at start, and recovers when it is lost and back mid-run', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    const bus = track(createRedisBus(url, noop))
    const cache = track(createRedisCache(url, 'fallback', undefined, noop))
    // Down at start: still works in-process, and says it is degraded.
    const got: string[] = []
    await bus.subscribe('ch', (m) => got.push(m))
    await bus.publish('ch', 'while-down')
    expect(got).toEqual(['while-down'])
    expect(bus.degraded()).toBe(true)
    await cache.set('k', 'v', 30)
    expect(await cache.get('k')).toBe('v')
    expect(await cache.ping()).toBeNull()

    let server: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    try {
      await until(() => !bus.degraded() && !cache.degraded(), 10_000)
      await new Promise((resolve) => setTimeout(resolve, 100))
      await bus.publish('ch', 'via-redis')
      await until(() => got.includes('via-redis'))
      // Lost mid-run.
      server.kill('SIGKILL')
      await until(() => bus.degraded(), 10_000)
      await bus.publish('ch', 'local-again')
      expect(got).toContain('local-again')
      // Back again: the subscription is restored.
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      await until(() => !bus.degraded(), 15_000)
      await new Promise((resolve) => setTimeout(resolve, 200))
      await bus.publish('ch', 'redis-again')
      await until(() => got.includes('redis-again'))
      expect(got.filter((m) => m === 'redis-again')).toHaveLength(1)
    } finally {
      server.kill('SIGKILL')
    }
  }, 60_000)
})
