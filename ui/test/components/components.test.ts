/**
 * Component tests: the real Lit components (ui/src/components), built with Vite into a small
 * harness page (harness.html, harness.ts), served under the production Content-Security-Policy
 * and run in Debian's Chromium. One build and one browser for all of them: the cases live in
 * one module per component (*.cases.ts).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest'
import { have } from '../../../server/test/helpers/services.js'
import { openHarness, type Harness } from './page.js'
import { twAge } from './tw-age.cases.js'
import { twAlerts } from './tw-alerts.cases.js'
import { twDeadLetters } from './tw-dead-letters.cases.js'
import { twDatabase } from './tw-database.cases.js'
import { twErrorContext } from './tw-error-context.cases.js'
import { twErrorGroup } from './tw-error-group.cases.js'
import { twErrorActions } from './tw-error-actions.cases.js'
import { twErrors } from './tw-errors.cases.js'

describe.skipIf(!(await have('chromium')))('components in Chromium', () => {
  // Filled in beforeAll; the cases hold on to this object.
  const h = {} as Harness
  beforeAll(async () => { Object.assign(h, await openHarness()) })
  afterAll(async () => { await h.close?.() })
  beforeEach(async () => { await h.reset() })
  afterEach(async () => { expect(await h.quiet()).toEqual({ violations: [], problems: [], unexpected: [] }) })

  twAge(h)
  twErrors(h)
  twErrorGroup(h)
  twErrorContext(h)
  twErrorActions(h)
  twDatabase(h)
  twAlerts(h)
  twDeadLetters(h)
})
