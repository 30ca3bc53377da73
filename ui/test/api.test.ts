import { describe, expect, it, vi } from 'vitest'
import { ApiError, createApi, queryString } from '../src/api.js'
import { readCookie } from '../src/env.js'

function fakeFetch (status: number, body: unknown) {
  return vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }))
}

describe('api client', () => {
  it('builds the errors query and leaves empty values out', async () => {
    const fetch = fakeFetch(200, { groups: [] })
    const api = createApi({ base: '/logs', fetch, cookies: () => '' })
    await api.errors({ range: '24h', minSeverity: 'medium', q: 'a|b', start: undefined })
    expect(fetch.mock.calls[0]?.[0]).toBe('/logs/api/errors?range=24h&minSeverity=medium&q=a%7Cb')
    expect(queryString({ a: '', b: undefined, c: 0 })).toBe('?c=0')
  })

  it('sends the CSRF cookie as a header on writes, not on reads', async () => {
    const fetch = fakeFetch(200, { id: '1' })
    const api = createApi({ base: '/logs', fetch, cookies: () => 'other=1; tw_csrf=abc%2Bdef; x=y' })
    await api.ack('a/1', 'on it')
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/logs/api/alerts/a%2F1/ack')
    expect((init.headers as Record<string, string>)['x-tovwatch-csrf']).toBe('abc+def')
    expect(init.body).toBe('{"note":"on it"}')
    await api.database()
    expect(((fetch.mock.calls[1] as [string, RequestInit])[1].headers as Record<string, string>)['x-tovwatch-csrf']).toBeUndefined()
  })

  it('carries the embed token in a header and never redirects an embed to the login page', async () => {
    const fetch = fakeFetch(401, { statusCode: 401, error: 'Unauthorized', message: 'no' })
    const onUnauthorized = vi.fn()
    const api = createApi({ base: '/logs', fetch, embedToken: 'tok', onUnauthorized, cookies: () => '' })
    await expect(api.connections()).rejects.toThrow('no')
    expect(((fetch.mock.calls[0] as [string, RequestInit])[1].headers as Record<string, string>)['x-tovwatch-embed']).toBe('tok')
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('sends the user to the login page on 401', async () => {
    const onUnauthorized = vi.fn()
    const api = createApi({ base: '/logs', fetch: fakeFetch(401, { message: 'Log in' }), onUnauthorized, cookies: () => '' })
    await expect(api.health()).rejects.toBeInstanceOf(ApiError)
    expect(onUnauthorized).toHaveBeenCalledOnce()
  })

  it('turns a 400 into an ApiError with the server message and field', async () => {
    const api = createApi({ base: '/logs', fetch: fakeFetch(400, { statusCode: 400, error: 'Bad Request', message: 'q: missing )', field: 'q' }), cookies: () => '' })
    const err = await api.errors({ q: '(' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 400, message: 'q: missing )', field: 'q' })
  })

  it('copes with a non-JSON error body and a 204', async () => {
    const api = createApi({ base: '', fetch: vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })), cookies: () => '' })
    await expect(api.database()).rejects.toThrow('502 Bad Gateway')
    const ok = createApi({ base: '', fetch: vi.fn(async () => new Response(null, { status: 204 })), cookies: () => '' })
    await expect(ok.logout()).resolves.toBeUndefined()
  })

  it('reads cookies by exact name', () => {
    expect(readCookie('tw_csrf_old=1; tw_csrf=2', 'tw_csrf')).toBe('2')
    expect(readCookie('', 'tw_csrf')).toBeUndefined()
  })
})
