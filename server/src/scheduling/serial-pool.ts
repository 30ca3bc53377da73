import pLimit from 'p-limit'
import type pg from 'pg'

/**
 * On the embedded PGlite, the scheduling core's queries and transactions go one at a time.
 * PGlite is one session anyway (no throughput lost), and pglite-socket 0.2.17 interleaves the
 * extended-protocol messages of concurrent connections outside a transaction, so concurrent
 * parameterized queries can fail ("portal does not exist") or even get each other's rows.
 * Inside a transaction, use only its client: a pool query there would wait for the lane forever.
 */
export function serialPool (pool: pg.Pool): pg.Pool {
  const lane = pLimit(1)
  return new Proxy(pool, {
    get (target, prop, receiver) {
      if (prop === 'query') {
        return (...args: Parameters<pg.Pool['query']>) => lane(() => (target.query as (...a: unknown[]) => Promise<unknown>)(...args))
      }
      if (prop === 'connect') {
        return () => new Promise<pg.PoolClient>((resolve, reject) => {
          lane(async () => {
            let client: pg.PoolClient
            try {
              client = await target.connect()
            } catch (err) {
              reject(err)
              return
            }
            const released = gate()
            const release = client.release.bind(client)
            let done = false
            client.release = (err?: Error | boolean) => {
              if (!done) { done = true; release(err); released.open() }
            }
            resolve(client)
            await released.wait
          }).catch(reject)
        })
      }
      return Reflect.get(target, prop, receiver)
    },
  })
}

function gate (): { wait: Promise<void>, open: () => void } {
  let open = () => {}
  const wait = new Promise<void>((resolve) => { open = resolve })
  return { wait, open: () => open() }
}
