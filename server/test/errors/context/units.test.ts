import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/config.js'
import { exploreUrl, templateLiteral } from '../../../src/errors/context/explore.js'
import { parseJsonFields, requestIdOf } from '../../../src/errors/context/parse-line.js'
import { testConfig } from '../../helpers/app.js'

describe('exploreUrl', () => {
  it('writes Grafana\'s panes format, which parses back to the same LogQL, datasource and range', () => {
    const logql = '{job="tovplay/api"} |= "a&b=c #x" |~ `(?i)err`'
    const url = new URL(exploreUrl({ url: 'https://g.example/grafana/', lokiUid: 'loki-1', orgId: 3 }, logql, 1_700_000_000_000, 1_700_000_360_000.4))
    expect(url.origin + url.pathname).toBe('https://g.example/grafana/explore')
    expect(url.searchParams.get('schemaVersion')).toBe('1')
    expect(url.searchParams.get('orgId')).toBe('3')
    const panes = JSON.parse(url.searchParams.get('panes') as string) as Record<string, { datasource: string, queries: Array<Record<string, unknown>>, range: { from: string, to: string } }>
    expect(Object.keys(panes)).toHaveLength(1)
    const pane = Object.values(panes)[0]
    expect(pane).toEqual({
      datasource: 'loki-1',
      queries: [{ refId: 'A', expr: logql, queryType: 'range', datasource: { type: 'loki', uid: 'loki-1' } }],
      range: { from: '1700000000000', to: '1700000360001' },
    })
  })

  it('takes the longest literal of a template that appears as written', () => {
    expect(templateLiteral('session save failed | Error: player <n> not saved: connect ECONNREFUSED <ip>')).toBe('not saved: connect ECONNREFUSED')
    expect(templateLiteral('database "<str>" does not exist')).toBe('does not exist')
    expect(templateLiteral('<n> <str>')).toBeUndefined()
    expect(templateLiteral('token=*** refused by upstream')).toBeUndefined()
  })
})

describe('GRAFANA_URL', () => {
  it('is optional, validated, and never carries credentials', () => {
    expect(testConfig().grafana).toEqual({ url: undefined, lokiUid: 'tovwatch-loki', orgId: 1 })
    expect(testConfig({ GRAFANA_URL: 'https://grafana.example.com/', GRAFANA_LOKI_UID: 'x', GRAFANA_ORG_ID: '2' }).grafana).toEqual({ url: 'https://grafana.example.com', lokiUid: 'x', orgId: 2 })
    expect(() => testConfig({ GRAFANA_URL: 'grafana' })).toThrow(ConfigError)
    expect(() => testConfig({ GRAFANA_URL: 'ftp://g.example' })).toThrow(/GRAFANA_URL/)
    expect(() => testConfig({ GRAFANA_URL: 'https://admin:pw@g.example' })).toThrow(/must not carry credentials/)
  })
})

describe('parseJsonFields and requestIdOf', () => {
  it('reads pino and other JSON shapes', () => {
    expect(parseJsonFields('{"level":40,"time":1700000000000,"msg":"slow","req":{"id":"req-9"}}')).toEqual({ level: 'warn', msg: 'slow', reqId: 'req-9', time: '2023-11-14T22:13:20.000Z' })
    expect(parseJsonFields('{"levelname":"ERROR","message":"x","request_id":"r1","error":"db down"}')).toEqual({ level: 'error', msg: 'x', err: 'db down', reqId: 'r1' })
    expect(parseJsonFields('not json')).toBeUndefined()
    expect(parseJsonFields('{"broken":')).toBeUndefined()
    expect(parseJsonFields('[1,2]')).toBeUndefined()
  })

  it('finds a request id in text, and none where there is none', () => {
    expect(requestIdOf('GET /x x-request-id: 7f3a-11 200', undefined)).toBe('7f3a-11')
    expect(requestIdOf('level=error request_id=42 msg=x', undefined)).toBe('42')
    expect(requestIdOf('"reqId":"req-5"', undefined)).toBe('req-5')
    expect(requestIdOf('no id here', undefined)).toBeUndefined()
    expect(requestIdOf('{"msg":"x"}', parseJsonFields('{"reqId":"from-json"}'))).toBe('from-json')
  })
})
