import { describe, expect, it } from 'vitest'
import { safeNext } from '../src/safe-next.js'

const O = 'https://watch.example.com'

describe('login redirect target (no open redirect)', () => {
  it('keeps a path under the base, with its query and hash', () => {
    expect(safeNext('/logs/', '/logs', O)).toBe('/logs/')
    expect(safeNext('/logs/embed/tables?x=1#/errors', '/logs', O)).toBe('/logs/embed/tables?x=1#/errors')
    expect(safeNext('/logs', '/logs', O)).toBe('/logs')
  })

  it.each([
    null, '', 'https://evil.example/logs/', '//evil.example/logs/', '/\\evil.example', '/logs/%5c%5cevil', 'javascript:alert(1)',
    '/other/app', '/logsx/', '/logs/login?next=/logs', '/logs/api/logout', ' /logs/', '/logs/\tx', 'x'.repeat(3000),
  ])('sends %s to the app instead', (next) => {
    expect(safeNext(next as string | null, '/logs', O)).toBe('/logs/')
  })

  it('works with the root base path', () => {
    expect(safeNext('/errors', '', O)).toBe('/errors')
    expect(safeNext('//evil.example', '', O)).toBe('/')
  })
})
