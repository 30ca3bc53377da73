import type { Outcome, ScenarioOptions } from '../outcome.js'
export const lokiFaults = stub
export async function stub (_o: ScenarioOptions): Promise<Outcome> { throw new Error('todo') }
