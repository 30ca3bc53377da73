import { describe, expect, it } from 'vitest'
import { report, runChaos, SCENARIOS } from '../../../bench/chaos/run.js'
import { passed } from '../../../bench/chaos/outcome.js'
import { have } from '../helpers/services.js'

/**
 * The short form of `npm run chaos` (bench/chaos), in CI: every fault scenario with --quick sizes,
 * each on its own PostgreSQL, Redis, Alertmanager or Loki double. A loss, a duplicate or a failed
 * check fails the test, with the scenario's figures in the message.
 */
describe.skipIf(!(await have('postgres', 'redis', 'alertmanager')))('fault suite, short form (npm run chaos -- --quick)', () => {
  for (const name of Object.keys(SCENARIOS)) {
    it(name, async () => {
      const [o] = await runChaos([name], true)
      expect(o).toBeDefined()
      expect(passed(o!), report(o!)).toBe(true)
    }, 240_000)
  }
})
