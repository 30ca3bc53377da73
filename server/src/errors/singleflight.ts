/**
 * Single flight: concurrent calls with the same key share one computation. Each caller
 * waits with its own signal; one that leaves (its browser went away) stops waiting at
 * once, and the shared work is aborted only when every caller has left. The result is
 * not kept: the next call after the flight lands computes afresh.
 */
export class WaiterLeft extends Error {
  constructor () {
    super('cancelled')
    this.name = 'WaiterLeft'
  }
}

interface Flight<T> { promise: Promise<T>, controller: AbortController, waiters: number }

export interface SingleFlight<T> {
  run: (key: string, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>) => Promise<T>
  /** Flights in progress (for tests and metrics). */
  readonly size: number
}

export function createSingleFlight<T> (onShared?: () => void): SingleFlight<T> {
  const flights = new Map<string, Flight<T>>()
  return {
    get size () { return flights.size },
    async run (key, signal, work) {
      if (signal?.aborted === true) throw new WaiterLeft()
      let flight = flights.get(key)
      if (flight === undefined) {
        const controller = new AbortController()
        const f: Flight<T> = { controller, waiters: 0, promise: Promise.resolve().then(async () => await work(controller.signal)) }
        // A flight lands once: later callers start a new one.
        f.promise.then(() => { if (flights.get(key) === f) flights.delete(key) }, () => { if (flights.get(key) === f) flights.delete(key) })
        flights.set(key, f)
        flight = f
      } else {
        onShared?.()
      }
      const f = flight
      f.waiters++
      return await new Promise<T>((resolve, reject) => {
        let left = false
        const onAbort = () => {
          left = true
          reject(new WaiterLeft())
          if (--f.waiters === 0) {
            if (flights.get(key) === f) flights.delete(key)
            f.controller.abort()
          }
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        f.promise.then((v) => {
          signal?.removeEventListener('abort', onAbort)
          if (left) return
          f.waiters--
          resolve(v)
        }, (err: unknown) => {
          signal?.removeEventListener('abort', onAbort)
          if (left) return
          f.waiters--
          reject(err)
        })
      })
    },
  }
}
