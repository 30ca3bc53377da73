import { describe, expect, it } from 'vitest'
import { silencesChannel } from '../../src/alerts/silences/plugin.js'

describe('the "silences changed" bus channel', () => {
  it('is one per Alertmanager, so deployments sharing a Redis do not wake each other', () => {
    const a = silencesChannel('http://am-a:9093')
    expect(a).toBe(silencesChannel('http://am-a:9093'))
    expect(a).not.toBe(silencesChannel('http://am-b:9093'))
    expect(a).toMatch(/^tovwatch:alertmanager:silences:[0-9a-f]{16}$/)
  })

  it('never carries the URL, which may hold credentials', () => {
    expect(silencesChannel('http://admin:s3cret@am:9093')).not.toMatch(/s3cret|admin|am:9093/)
  })
})
