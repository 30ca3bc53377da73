import { describe, expect, it } from 'vitest'
import { maskQuery } from '../../src/database/mask.js'

describe('maskQuery', () => {
  it.each([
    ["SELECT * FROM players WHERE email = 'ann@example.com' AND id = 42", 'SELECT * FROM players WHERE email = ? AND id = ?'],
    ["SELECT 'it''s', 'a'", 'SELECT ?, ?'],
    ["SELECT E'line\\'s end\\n', x", 'SELECT ?, x'],
    ['SELECT $$secret body$$, $tag$ with $$ inside $tag$', 'SELECT ?, ?'],
    ['SELECT 3.14, .5, 1e10, 0x1F, 1_000_000', 'SELECT ?, ?, ?, ?, ?'],
    ['SELECT "col1", t2.c3 FROM "Table 9" t2', 'SELECT "col1", t2.c3 FROM "Table 9" t2'],
    ["SELECT \"it's\" FROM x WHERE y = 'z'", "SELECT \"it's\" FROM x WHERE y = ?"],
    ['SELECT * FROM t WHERE a = $1 AND b = $2', 'SELECT * FROM t WHERE a = $1 AND b = $2'],
    ["SELECT B'1010', X'ff', U&'d\\0061t'", 'SELECT ?, ?, ?'],
    ["-- note 'not a literal'\nSELECT 1", "-- note 'not a literal' SELECT ?"],
    ['/* id 7 */ SELECT name FROM players WHERE id=7', '/* id 7 */ SELECT name FROM players WHERE id=?'],
    ['SELECT -5, a-1', 'SELECT -?, a-?'],
    ["INSERT INTO t VALUES ('unterminated", 'INSERT INTO t VALUES (?'],
    ["SELECT 'шалом', name_2 FROM игроки", 'SELECT ?, name_2 FROM игроки'],
  ])('%s', (input, expected) => {
    expect(maskQuery(input)).toBe(expected)
  })

  it('never lets a literal through, whatever the quoting', () => {
    const secret = 'p4ssw0rd-secret'
    for (const q of [`'${secret}'`, `E'${secret}'`, `$$${secret}$$`, `$x$${secret}$x$`, `'a'';${secret}'`, `E'\\'${secret}'`]) {
      expect(maskQuery(`SELECT ${q} FROM t`)).not.toContain(secret)
    }
  })

  it('truncates long texts and says so', () => {
    const long = 'SELECT ' + Array.from({ length: 400 }, (_, i) => `col${i}`).join(', ') + ' FROM t'
    const masked = maskQuery(long, 100)
    expect(masked.length).toBe(101)
    expect(masked.endsWith('…')).toBe(true)
  })
})
