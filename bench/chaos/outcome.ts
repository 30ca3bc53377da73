export interface Check { what: string, ok: boolean }

export interface Outcome {
  name: string
  lost: number
  duplicated: number
  /** Seconds from the end of the fault to the first webhook stored again (null: no such fault). */
  recoverS: number | null
  peakRssMb: number
  figures: Record<string, string | number>
  checks: Check[]
}

export interface ScenarioOptions { quick: boolean }

export type Scenario = (o: ScenarioOptions) => Promise<Outcome>

/** Fails on any loss or duplicate, and on each of the scenario's own checks. */
export function passed (o: Outcome): boolean {
  return o.lost === 0 && o.duplicated === 0 && o.checks.every((c) => c.ok)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Seconds from `since` to the first acceptance after it. */
export function recoveredAfter (acceptedAt: number[], since: number): number | null {
  const first = acceptedAt.filter((t) => t >= since).sort((a, b) => a - b)[0]
  return first === undefined ? null : Math.round((first - since) / 10) / 100
}
