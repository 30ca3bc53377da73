/**
 * The last queries' outcomes, for health: `/ready` says Loki is up, these say whether it
 * answers. A query that failed on Loki's side (5xx, an answer not understood, the deadline)
 * is a failure; a refusal of the user's input (4xx) and a cancelled query are not counted.
 */
export interface Outcome { at: number, ok: boolean, message: string }

/** Outcomes older than this do not speak for Loki any more. */
export const OUTCOME_WINDOW_MS = 5 * 60_000
/** This many failures in a row, the newest within the window: Loki is down for the feed. */
export const DOWN_AFTER = 3
const KEEP = 20

export interface QueryOutcomes {
  record: (ok: boolean, message?: string) => void
  /** undefined: nothing recent, or the last query succeeded. */
  verdict: () => { status: 'degraded' | 'down', message: string } | undefined
}

export function createQueryOutcomes (now: () => number = Date.now): QueryOutcomes {
  const last: Outcome[] = []
  return {
    record (ok, message = '') {
      last.push({ at: now(), ok, message })
      if (last.length > KEEP) last.shift()
    },
    verdict () {
      const newest = last.at(-1)
      if (newest === undefined || newest.ok || now() - newest.at > OUTCOME_WINDOW_MS) return undefined
      let failures = 0
      for (let i = last.length - 1; i >= 0 && !(last[i] as Outcome).ok; i--) failures++
      const ago = Math.round((now() - newest.at) / 1000)
      const message = `${failures === 1 ? 'the last query' : `the last ${failures} queries`} failed (${ago} s ago): ${newest.message}`
      return { status: failures >= DOWN_AFTER ? 'down' : 'degraded', message }
    },
  }
}
