import { describe, expect, it } from 'vitest'
import { composeQuery, escapeRegexText, isRegexQuery, splitQuery } from '../src/search.js'
import { escapeRegexText as serverEscape } from '../../server/src/logs/text.js'

describe('search box and "Ignore case"', () => {
  it('sends plain text as written (case-sensitive) and ignored case as an escaped /…/i regex', () => {
    expect(composeQuery('  Timeout ', false)).toBe('Timeout')
    expect(composeQuery('Timeout', true)).toBe('/Timeout/i')
    expect(composeQuery('a.b (x)? [1] {2} ^$ | * + \\', true)).toBe('/a\\.b \\(x\\)\\? \\[1\\] \\{2\\} \\^\\$ \\| \\* \\+ \\\\/i')
    expect(composeQuery('', true)).toBe('')
    // A regex the user typed keeps its own flags.
    expect(composeQuery('/refused|reset/', true)).toBe('/refused|reset/')
    expect(composeQuery('/x/i', false)).toBe('/x/i')
  })

  it('escapes exactly as the server does', () => {
    const s = 'path /a.b?c=(1)+[2]{3}^$|*\\ end'
    expect(escapeRegexText(s)).toBe(serverEscape(s))
  })

  it('reads a q from the URL back into the box and the switch', () => {
    for (const text of ['Timeout', 'a.b (x)?', 'C:\\dir\\file', 'payment provider timeout after 1000 ms']) {
      expect(splitQuery(composeQuery(text, true))).toEqual({ text, ignoreCase: true })
      expect(splitQuery(composeQuery(text, false))).toEqual({ text, ignoreCase: false })
    }
    // A real regex stays a regex in the box, switch off.
    expect(splitQuery('/refused|reset/i')).toEqual({ text: '/refused|reset/i', ignoreCase: false })
    expect(splitQuery('/a.b/i')).toEqual({ text: '/a.b/i', ignoreCase: false })
    expect(splitQuery('/Error/')).toEqual({ text: '/Error/', ignoreCase: false })
    // "/x/" as text would read as a regex: it is not turned back into text.
    expect(splitQuery('//x//i')).toEqual({ text: '//x//i', ignoreCase: false })
    expect(isRegexQuery('/x/')).toBe(true)
    expect(isRegexQuery('a/b')).toBe(false)
  })
})
