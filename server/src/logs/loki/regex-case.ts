/**
 * Case-insensitive regexes for Lokis that reject `(?i)`: letters become classes
 * (`error` → `[eE][rR][rR][oO][rR]`), and any `(?i)` flag inside a pattern is
 * rewritten the same way, scoped to its group as RE2 scopes it.
 */
import RE2 from 're2'
import { escapeRegexText } from '../text.js'

function otherCase (ch: string): string | undefined {
  const lo = ch.toLowerCase()
  const up = ch.toUpperCase()
  if (lo === up || [...lo].length !== 1 || [...up].length !== 1) return undefined
  return ch === lo ? up : lo
}

function foldChar (ch: string): string {
  const o = otherCase(ch)
  if (o === undefined) return escapeRegexText(ch)
  const lo = ch.toLowerCase()
  return `[${lo}${lo === ch ? o : ch}]`
}

const compiles = (p: string) => { try { new RE2(p); return true } catch { return false } } // eslint-disable-line no-new

/** `.*foo.*` → `foo`: same matches for an unanchored line filter (loki#7837 workaround). */
export function stripOuterWildcards (pattern: string): string {
  let p = pattern
  if (p.includes('\\Q')) return p
  if (p.startsWith('.*') && !/^\.\*[?*+{]/.test(p)) p = p.slice(2)
  const trailing = /(\\*)\.\*$/.exec(p)
  if (trailing !== null && (trailing[1] as string).length % 2 === 0 && p.length > 2) p = p.slice(0, -2)
  return p !== '' && p !== pattern && compiles(p) ? p : pattern
}

/** Length of the escape at `i` (a backslash): \x41, \x{263a}, \pL, \p{Greek}, \123, \d, \. ... */
function escapeLength (p: string, i: number): number {
  const n = p[i + 1]
  if (n === undefined) return 1
  if ((n === 'p' || n === 'P' || n === 'x') && p[i + 2] === '{') {
    const close = p.indexOf('}', i + 2)
    return close < 0 ? p.length - i : close - i + 1
  }
  if (n === 'p' || n === 'P') return 3
  if (n === 'x') return 4
  const oct = /^[0-7]{1,3}/.exec(p.slice(i + 1))
  return oct !== null ? 1 + oct[0].length : 2
}

/** The character a numeric escape stands for (\x41, \x{41}, \101), if it is one. */
function escapedChar (esc: string): string | undefined {
  const hex = /^\\x(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{2}))$/.exec(esc)
  if (hex !== null) return String.fromCodePoint(parseInt((hex[1] ?? hex[2]) as string, 16))
  const oct = /^\\([0-7]{1,3})$/.exec(esc)
  return oct !== null ? String.fromCodePoint(parseInt(oct[1] as string, 8)) : undefined
}

/** Under (?i), RE2 folds \x41 to [aA] and \p{Lu} to every cased letter. */
function foldEscape (esc: string): string {
  const ch = escapedChar(esc)
  if (ch !== undefined) return otherCase(ch) !== undefined ? foldChar(ch) : esc
  if (/^\\p\{?L[ult]\}?$/.test(esc)) return '[\\p{Lu}\\p{Ll}\\p{Lt}]'
  if (/^\\P\{?L[ult]\}?$/.test(esc)) return '[^\\p{Lu}\\p{Ll}\\p{Lt}]'
  return esc
}

function foldClass (p: string, start: number, ci: boolean): { text: string, end: number } {
  let i = start + 1
  let out = '['
  if (p[i] === '^') { out += '^'; i++ }
  const extra: string[] = []
  let first = true
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false
    if (p.startsWith('[:', i)) {
      const close = p.indexOf(':]', i)
      const end = close < 0 ? p.length : close + 2
      const posix = p.slice(i, end)
      out += ci && /^\[:\^?(upper|lower):\]$/.test(posix) ? posix.replace(/upper|lower/, 'alpha') : posix
      i = end
      continue
    }
    if (p[i] === '\\') {
      const len = escapeLength(p, i)
      const esc = p.slice(i, i + len)
      const ch = ci ? escapedChar(esc) : undefined
      const o = ch !== undefined ? otherCase(ch) : undefined
      out += esc
      if (o !== undefined) extra.push(o)
      if (ci && /^\\p\{?L[ult]\}?$/.test(esc)) extra.push('\\p{Lu}\\p{Ll}\\p{Lt}')
      i += len
      continue
    }
    const ch = String.fromCodePoint(p.codePointAt(i) as number)
    const range = p[i + ch.length] === '-' && p[i + ch.length + 1] !== undefined && p[i + ch.length + 1] !== ']'
    if (range) {
      const to = p[i + ch.length + 1] as string
      out += `${ch}-${to}`
      if (ci && /^[a-z]$/.test(ch) && /^[a-z]$/.test(to)) extra.push(`${ch.toUpperCase()}-${to.toUpperCase()}`)
      if (ci && /^[A-Z]$/.test(ch) && /^[A-Z]$/.test(to)) extra.push(`${ch.toLowerCase()}-${to.toLowerCase()}`)
      i += ch.length + 2
      continue
    }
    out += ch
    const o = ci ? otherCase(ch) : undefined
    if (o !== undefined) extra.push(o)
    i += ch.length
  }
  return { text: out + extra.join('') + ']', end: i + 1 }
}

/**
 * Rewrites `pattern` so that it needs no `i` flag: letters in case-insensitive
 * scope (all of it when `insensitive`, or after a `(?i)`) become case classes.
 */
export function caseFoldRegex (pattern: string, insensitive: boolean): string {
  const p = pattern
  let out = ''
  let ci = insensitive
  const saved: boolean[] = []
  let i = 0
  while (i < p.length) {
    const c = p[i] as string
    if (c === '\\') {
      if (p[i + 1] === 'Q') {
        const close = p.indexOf('\\E', i + 2)
        const literal = p.slice(i + 2, close < 0 ? p.length : close)
        out += ci ? [...literal].map(foldChar).join('') : escapeRegexText(literal)
        i = close < 0 ? p.length : close + 2
        continue
      }
      const len = escapeLength(p, i)
      out += ci ? foldEscape(p.slice(i, i + len)) : p.slice(i, i + len)
      i += len
      continue
    }
    if (c === '[') {
      const cls = foldClass(p, i, ci)
      out += cls.text
      i = cls.end
      continue
    }
    if (c === '(') {
      const named = /^\(\?P?<[^>]*>/.exec(p.slice(i))
      const flags = named === null ? /^\(\?([imsU]*)(?:-([imsU]*))?([):])/.exec(p.slice(i)) : null
      if (named !== null) {
        saved.push(ci)
        out += named[0]
        i += named[0].length
      } else if (flags !== null) {
        const on = flags[1] ?? ''
        const off = flags[2] ?? ''
        const next = on.includes('i') ? true : off.includes('i') ? false : ci
        const rest = on.replace('i', '') + (off.replace('i', '') !== '' ? '-' + off.replace('i', '') : '')
        if (flags[3] === ')') {
          ci = next
          if (rest !== '') out += `(?${rest})`
        } else {
          saved.push(ci)
          ci = next
          out += `(?${rest}:`
        }
        i += flags[0].length
      } else {
        saved.push(ci)
        out += '('
        i++
      }
      continue
    }
    if (c === ')') {
      ci = saved.pop() ?? ci
      out += ')'
      i++
      continue
    }
    if (c === '{') {
      const rep = /^\{\d+(,\d*)?\}/.exec(p.slice(i))
      if (rep !== null) { out += rep[0]; i += rep[0].length; continue }
    }
    const ch = String.fromCodePoint(p.codePointAt(i) as number)
    out += ci && otherCase(ch) !== undefined ? foldChar(ch) : ch
    i += ch.length
  }
  return out
}
