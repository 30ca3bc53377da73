import type { Outcome, ScenarioOptions } from '../outcome.js'
export const resume500 = stub
export async function stub (_o: ScenarioOptions): Promise<Outcome> { throw new Error('todo') }
