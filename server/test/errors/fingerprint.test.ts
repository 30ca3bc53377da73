import { describe, expect, it } from 'vitest'
import { fingerprintOf, groupLabels, messageOf, normalize, templateOf } from '../../src/errors/fingerprint.js'

describe('normalize', () => {
  it.each([
    ['numbers', 'retry 3 of 5 after 12 sessions', 'retry <n> of <n> after <n> sessions'],
    ['decimals', 'load 0.75 on 4 cores', 'load <n> on <n> cores'],
    ['hex ids', 'trace 9f1c2ab34d5e6f70 at 0xdeadbeef', 'trace <hex> at <hex>'],
    ['UUIDs', 'session 550e8400-e29b-41d4-a716-446655440000 missing', 'session <uuid> missing'],
    ['IPv4 with port', 'connect ECONNREFUSED 10.0.0.5:5432', 'connect ECONNREFUSED <ip>'],
    ['IPv6', 'from fe80::1ff:fe23:4567:890a and ::1', 'from <ip> and <ip>'],
    ['IPv4-mapped IPv6', 'client ::ffff:10.0.0.7 closed', 'client <ip> closed'],
    ['ISO timestamps', 'at 2026-11-22T02:05:10.123Z and 2026-11-22 02:05:10,123', 'at <ts> and <ts>'],
    ['common-log timestamps', '[22/Nov/2026:02:05:10 +0000] GET', '[<ts>] GET'],
    ['syslog timestamps', 'Nov 22 02:05:10 web1 kernel: oops', '<ts> web1 kernel: oops'],
    ['e-mails', 'login failed for anna.k+tov@example.co.uk', 'login failed for <email>'],
    ['double-quoted values', 'duplicate key value violates unique constraint "players_email_key"', 'duplicate key value violates unique constraint "<str>"'],
    ['single-quoted values', "reading 'id' of undefined", "reading '<str>' of undefined"],
    ['query strings', 'GET https://api.example.com/v1/players?id=42&token=abc failed', 'GET https://api.example.com/v1/players?<query> failed'],
    ['durations', 'took 1500ms then 2.5s then 30 seconds', 'took <duration> then <duration> then <duration>'],
  ])('%s', (_kind, input, expected) => {
    expect(normalize(input)).toBe(expected)
  })

  it('keeps an access line\'s request path and status code', () => {
    expect(normalize('10.0.0.7 - - [22/Nov/2026:02:05:10 +0000] "GET /api/players/42?x=1 HTTP/1.1" 502 157 "-" "Mozilla/5.0"'))
      .toBe('<ip> - - [<ts>] "GET /api/players/<n>?<query> HTTP/<n>" 502 <n> "<str>" "<str>"')
  })

  it('bounds the template length', () => {
    expect(normalize('x'.repeat(5000)).length).toBeLessThanOrEqual(401)
  })
})

describe('templateOf and grouping keys', () => {
  it('uses a JSON line\'s msg, error type and message, and status, not its time or ids', () => {
    const line = JSON.stringify({ level: 50, time: 1763777110000, pid: 1, reqId: 'req-9', res: { statusCode: 500 }, err: { type: 'TypeError', message: 'x is undefined' }, msg: 'request errored' })
    expect(messageOf(line)).toBe('request errored | TypeError: x is undefined')
    expect(templateOf(line)).toBe('request errored | TypeError: x is undefined [status 500]')
  })

  it('reads broken JSON as text', () => {
    expect(templateOf('{"level":50,"msg":"cut off')).toBe('{"<str>":<n>,"<str>":"cut off')
  })

  it('groups lines that differ only by ids, and separates different messages', () => {
    const a = templateOf('{"level":50,"time":1,"msg":"save failed for player 42 (550e8400-e29b-41d4-a716-446655440000) from 10.0.0.1"}')
    const b = templateOf('{"level":50,"time":2,"msg":"save failed for player 77 (123e4567-e89b-12d3-a456-426614174000) from 10.0.0.9"}')
    const c = templateOf('{"level":50,"time":3,"msg":"load failed for player 42 (550e8400-e29b-41d4-a716-446655440000) from 10.0.0.1"}')
    expect(a).toBe(b)
    expect(a).not.toBe(c)
    const labels = groupLabels({ job: 'tovplay/api', pod: 'api-7d9f', filename: '/var/log/x.log', level: 'error' })
    expect(labels).toEqual({ job: 'tovplay/api', level: 'error' })
    expect(fingerprintOf(labels, a)).toBe(fingerprintOf(groupLabels({ job: 'tovplay/api', pod: 'api-other', level: 'error' }), b))
    expect(fingerprintOf(labels, a)).not.toBe(fingerprintOf(labels, c))
    expect(fingerprintOf(labels, a)).not.toBe(fingerprintOf({ job: 'tovplay/web', level: 'error' }, a))
    expect(fingerprintOf(labels, a)).toMatch(/^[0-9a-f]{16}$/)
  })
})
