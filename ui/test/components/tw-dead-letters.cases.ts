import { describe, expect, it } from 'vitest'
import { alert } from '../fixtures.js'
import type { Harness } from './page.js'

export function twDeadLetters (h: Harness): void {
  describe('tw-dead-letters', () => {
    const KEY = 'GET /logs/api/alerts/dead-letters'
    const texts = async (path: string) => (await h.read(path)).map((f) => f.text)

    it('asks nothing and shows nothing while TovWatch has not said it kept a dead letter', async () => {
      await h.call('alerts', [alert('f1')])
      await h.mount('tw-dead-letters', {}, { view: 'alerts' })
      await h.settle()
      expect(await h.requests()).toEqual([])
      expect(await texts('tw-dead-letters >>> h2')).toEqual([])
    })

    it('lists the alerts not stored, with the reason naming the limit and the alert as sent, once TovWatchWebhookAlertsRejected is there', async () => {
      await h.call('alerts', [alert('r1', { alertname: 'TovWatchWebhookAlertsRejected' })])
      await h.reply(KEY, {
        status: 200,
        body: {
          total: 1,
          nextBefore: null,
          deadLetters: [{ id: '1', reason: 'label_value_too_long', message: 'alerts[0].labels.instance is 5000 characters, over ALERT_MAX_LABEL_VALUE_LENGTH=4096', fingerprint: 'abc', alertname: 'DiskFull', raw: '{"labels":{"alertname":"DiskFull"}}', receivedCount: 3, firstReceivedAt: '2026-11-22T10:00:00Z', lastReceivedAt: '2026-11-22T11:00:00Z' }],
        },
      })
      await h.mount('tw-dead-letters', {}, { view: 'alerts' })
      await h.settle()
      expect((await h.requests()).map((r) => `${r.method} ${r.url}`)).toEqual(['GET /logs/api/alerts/dead-letters?limit=20'])
      expect(await texts('tw-dead-letters >>> h2')).toEqual(['Not stored (1)'])
      expect(await texts('tw-dead-letters >>> li .msg')).toEqual([expect.stringContaining('ALERT_MAX_LABEL_VALUE_LENGTH=4096')])
      expect((await texts('tw-dead-letters >>> li .top')).join(' ')).toContain('received 3 times')
      expect(await texts('tw-dead-letters >>> li pre')).toEqual(['{"labels":{"alertname":"DiskFull"}}'])
    })
  })
}
