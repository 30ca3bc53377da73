import type { Outcome, ScenarioOptions } from '../outcome.js'
export const poisonThroughAlertmanager = stub
export async function stub (_o: ScenarioOptions): Promise<Outcome> { throw new Error('todo') }
