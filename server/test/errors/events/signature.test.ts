import { describe, expect, it } from 'vitest'
import { normalizePath, signatureOf } from '../../../src/errors/events/signature.js'
import { FLASK_KEYERROR, GO_PANIC, JAVA_STACK, JS_STACK, PINO_ERR, PY_CHAINED } from './fixtures.js'

describe('event signatures', () => {
  it('keys a Flask traceback by exception type, top in-app frame and endpoint', () => {
    const s = signatureOf(FLASK_KEYERROR)
    expect(s).toMatchObject({ kind: 'stack', exceptionType: 'KeyError', frame: { file: 'app/tovplay/api/sessions.py', fn: 'join_session' }, endpoint: 'POST /api/sessions/<n>/join' })
    expect(s.template).toBe("KeyError: '<str>' in join_session (app/tovplay/api/sessions.py) [POST /api/sessions/<n>/join]")
  })

  it('groups the same error with another key, line number and id together, and a different function apart', () => {
    const other = FLASK_KEYERROR.map((l) => l.replace('/42/', '/977/').replace('line 88', 'line 91').replace("'slot'", "'player'"))
    expect(signatureOf(other).key).toBe(signatureOf(FLASK_KEYERROR).key)
    const elsewhere = FLASK_KEYERROR.map((l) => l.replace('join_session', 'leave_session'))
    expect(signatureOf(elsewhere).key).not.toBe(signatureOf(FLASK_KEYERROR).key)
  })

  it('keys a chained traceback by the last exception and its innermost in-app frame', () => {
    expect(signatureOf(PY_CHAINED)).toMatchObject({ exceptionType: 'tovplay.errors.DatabaseUnavailable', frame: { file: 'app/tovplay/db.py', fn: 'fetch' } })
  })

  it('skips library frames (node_modules, node:internal) in a JS stack', () => {
    expect(signatureOf(JS_STACK)).toMatchObject({ exceptionType: 'TypeError', frame: { file: 'app/src/lobby.js', fn: 'joinLobby' } })
  })

  it('keys a Java stack by its top-level exception and in-app frame', () => {
    expect(signatureOf(JAVA_STACK)).toMatchObject({ exceptionType: 'java.lang.IllegalStateException', frame: { file: 'SessionService.java', fn: 'com.tovplay.api.SessionService.book' } })
  })

  it('keys a Go panic by its first in-app function', () => {
    expect(signatureOf(GO_PANIC)).toMatchObject({ exceptionType: 'panic', frame: { file: '/src/matcher/slots.go', fn: 'main.pickSlot' } })
  })

  it('reads the stack inside a pino line', () => {
    const s = signatureOf([PINO_ERR])
    expect(s).toMatchObject({ kind: 'stack', exceptionType: 'Error', frame: { file: 'app/src/sessions.js', fn: 'saveSession' } })
    expect(signatureOf([PINO_ERR.replace('10.0.0.5', '10.0.0.9').replace('req-1a', 'req-2b')]).key).toBe(s.key)
  })

  it('groups access-log errors by status, upstream and method, with the path as a breakdown', () => {
    const line = (path: string, status = 502, ups = '10.0.0.5:8000') => `10.0.0.1 - - [22/Nov/2026:02:05:10 +0000] "GET ${path} HTTP/1.1" ${status} 157 "-" "Mozilla/5.0" upstream_addr="${ups}"`
    const a = signatureOf([line('/api/players/12')])
    const b = signatureOf([line('/api/games/7?x=1')])
    expect(a).toMatchObject({ kind: 'access', path: '/api/players/<n>', template: 'GET 502 via 10.0.0.5:8000' })
    expect(b.key).toBe(a.key)
    expect(b.path).toBe('/api/games/<n>')
    expect(signatureOf([line('/api/players/12', 504)]).key).not.toBe(a.key)
    expect(signatureOf([line('/api/players/12', 502, '10.0.0.6:8000')]).key).not.toBe(a.key)
    expect(signatureOf([line('/api/players/12').replace('"GET', '"POST')]).key).not.toBe(a.key)
  })

  it('groups nginx upstream errors by reason, upstream and method', () => {
    const line = (path: string) => `2026/11/22 02:05:10 [error] 31#31: *123 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: tovplay, request: "GET ${path} HTTP/1.1", upstream: "http://10.0.0.5:8000${path}", host: "tovplay"`
    const a = signatureOf([line('/api/players/12')])
    expect(a).toMatchObject({ kind: 'access', path: '/api/players/<n>' })
    expect(a.template).toContain('via http://10.0.0.5:8000')
    expect(signatureOf([line('/api/sessions/3/join')]).key).toBe(a.key)
  })

  it('falls back to the message template', () => {
    const s = signatureOf(['ERROR payment 123 failed for anna@example.com'])
    expect(s).toMatchObject({ kind: 'message', template: 'ERROR payment <n> failed for <email>' })
    expect(signatureOf(['10.0.0.1 - - [22/Nov/2026:02:05:10 +0000] "GET / HTTP/1.1" 200 1 "-" "x"']).kind).toBe('message')
  })

  it('normalizes paths', () => {
    expect(normalizePath('/api/sessions/9f1c2a3b-1111-4222-8333-444455556666/join?x=1')).toBe('/api/sessions/<uuid>/join')
  })
})
