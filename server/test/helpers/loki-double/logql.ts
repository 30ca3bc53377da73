/**
 * The subset of LogQL the Loki double evaluates for real: a stream selector
 * (=, !=, =~, !~), line filters (|=, !=, |~, !~) and the range aggregations
 * count_over_time / rate, optionally under sum(). Strings follow Go's
 * strconv.Unquote (double quotes with escapes, or backtick raw strings), as Loki's do.
 * Anything else is a parse error, so a query builder bug shows up as a 400.
 */
import type RE2 from 're2'
import { compileGoRegexp, goQuote } from './go-regexp.js'
import { parseGoDuration } from './time.js'

export class LogqlParseError extends Error {}
/**
 * Loki answers a bad line-filter regex with a 500, not a 400: the querier compiles it (with Go's
 * regexp) when it builds the pipeline, after the frontend has split and queued the query.
 */
export class LogqlRegexError extends Error {}

export interface Matcher { name: string, op: '=' | '!=' | '=~' | '!~', value: string, re?: RE2 }
export interface LineFilterStage { op: '|=' | '!=' | '|~' | '!~', value: string, re?: RE2 }
export interface LogQuery { matchers: Matcher[], filters: LineFilterStage[] }
export type ParsedQuery =
  | { kind: 'log', log: LogQuery }
  | { kind: 'metric', fn: 'count_over_time' | 'rate', log: LogQuery, rangeMs: number, sum: boolean }

type Tok = { t: 'ident' | 'str' | 'op' | 'punct' | 'dur', v: string, col: number }

const OPS = ['|=', '|~', '!=', '!~', '=~', '=']

export function unquoteGo (body: string, col = 0): string {
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c === '\n') throw new LogqlParseError(`parse error at line 1, col ${col}: literal not terminated`)
    if (c !== '\\') { out += c; continue }
    const n = body[++i]
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' }
    if (n !== undefined && simple[n] !== undefined) { out += simple[n]; continue }
    const hexLen = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0
    if (hexLen > 0) {
      const hex = body.slice(i + 1, i + 1 + hexLen)
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) throw new LogqlParseError(`parse error at line 1, col ${col}: invalid char escape`)
      out += String.fromCodePoint(parseInt(hex, 16))
      i += hexLen
      continue
    }
    if (n !== undefined && /[0-7]/.test(n)) {
      const oct = body.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(oct)) throw new LogqlParseError(`parse error at line 1, col ${col}: invalid char escape`)
      out += String.fromCharCode(parseInt(oct, 8))
      i += 2
      continue
    }
    throw new LogqlParseError(`parse error at line 1, col ${col}: invalid char escape`)
  }
  return out
}

function tokenize (src: string): Tok[] {
  const toks: Tok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i] as string
    const col = i + 1
    if (/\s/.test(c)) { i++; continue }
    if (c === '"') {
      let j = i + 1
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1
      if (j >= src.length) throw new LogqlParseError(`parse error at line 1, col ${col}: literal not terminated`)
      toks.push({ t: 'str', v: unquoteGo(src.slice(i + 1, j), col), col })
      i = j + 1
      continue
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1)
      if (j < 0) throw new LogqlParseError(`parse error at line 1, col ${col}: literal not terminated`)
      toks.push({ t: 'str', v: src.slice(i + 1, j), col })
      i = j + 1
      continue
    }
    if (c === '[') {
      const j = src.indexOf(']', i)
      if (j < 0) throw new LogqlParseError(`parse error at line 1, col ${col}: syntax error: unexpected [`)
      toks.push({ t: 'dur', v: src.slice(i + 1, j).trim(), col })
      i = j + 1
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, i))
    if (op !== undefined) { toks.push({ t: 'op', v: op, col }); i += op.length; continue }
    if ('{}(),'.includes(c)) { toks.push({ t: 'punct', v: c, col }); i++; continue }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))
    if (m !== null) { toks.push({ t: 'ident', v: m[0], col }); i += m[0].length; continue }
    throw new LogqlParseError(`parse error at line 1, col ${col}: syntax error: unexpected ${JSON.stringify(c)}`)
  }
  return toks
}

class Parser {
  private i = 0
  constructor (private readonly toks: Tok[], private readonly goVersion: string) {}
  peek (): Tok | undefined { return this.toks[this.i] }
  next (): Tok {
    const t = this.toks[this.i++]
    if (t === undefined) throw new LogqlParseError('parse error : syntax error: unexpected $end')
    return t
  }

  expect (t: Tok['t'], v?: string): Tok {
    const tok = this.next()
    if (tok.t !== t || (v !== undefined && tok.v !== v)) {
      throw new LogqlParseError(`parse error at line 1, col ${tok.col}: syntax error: unexpected ${tok.v === '' ? tok.t : tok.v}${v !== undefined ? `, expecting ${v}` : ''}`)
    }
    return tok
  }

  done (): boolean { return this.i >= this.toks.length }

  selector (): Matcher[] {
    this.expect('punct', '{')
    const matchers: Matcher[] = []
    for (;;) {
      const name = this.expect('ident').v
      const op = this.expect('op').v
      if (!['=', '!=', '=~', '!~'].includes(op)) throw new LogqlParseError(`parse error : syntax error: unexpected ${op} in matcher`)
      const value = this.expect('str').v
      const m: Matcher = { name, op: op as Matcher['op'], value }
      if (op === '=~' || op === '!~') {
        try {
          m.re = compileGoRegexp(value, this.goVersion, (v) => `^(?:${v})$`)
        } catch (err) {
          throw new LogqlParseError(`parse error : ${(err as Error).message}`)
        }
      }
      matchers.push(m)
      const sep = this.next()
      if (sep.v === '}') break
      if (sep.v !== ',') throw new LogqlParseError(`parse error at line 1, col ${sep.col}: syntax error: unexpected ${sep.v}, expecting , or }`)
    }
    if (!matchers.some((m) => m.op === '=' ? m.value !== '' : m.op === '=~' ? !(m.re as RE2).test('') : false)) {
      throw new LogqlParseError('parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will')
    }
    return matchers
  }

  logQuery (stopAtDur: boolean): LogQuery {
    const matchers = this.selector()
    const filters: LineFilterStage[] = []
    while (!this.done()) {
      const t = this.peek() as Tok
      if (stopAtDur && (t.t === 'dur' || t.v === ')')) break
      const op = this.expect('op').v
      if (!['|=', '!=', '|~', '!~'].includes(op)) throw new LogqlParseError(`parse error at line 1, col ${t.col}: syntax error: unexpected ${op}`)
      const value = this.expect('str').v
      const f: LineFilterStage = { op: op as LineFilterStage['op'], value }
      if (op === '|~' || op === '!~') {
        try {
          f.re = compileGoRegexp(value, this.goVersion)
        } catch (err) {
          // Measured (Loki 2.8): 500 `rpc error: code = Unknown desc = parse error : stage '|~ "("' :
          // error parsing regexp: missing closing ): `(``: the querier's error, passed on by the frontend.
          throw new LogqlRegexError(`rpc error: code = Unknown desc = parse error : stage '${op} ${goQuote(value)}' : ${(err as Error).message}`)
        }
      }
      filters.push(f)
    }
    return { matchers, filters }
  }

  query (): ParsedQuery {
    const first = this.peek()
    if (first === undefined) throw new LogqlParseError('parse error : syntax error: unexpected $end')
    if (first.t === 'punct' && first.v === '{') {
      const log = this.logQuery(false)
      return { kind: 'log', log }
    }
    let sum = false
    if (first.t === 'ident' && first.v === 'sum') {
      this.next()
      this.expect('punct', '(')
      sum = true
    }
    const fn = this.expect('ident').v
    if (fn !== 'count_over_time' && fn !== 'rate') throw new LogqlParseError(`parse error at line 1, col ${first.col}: syntax error: unexpected IDENTIFIER ${fn}`)
    this.expect('punct', '(')
    const log = this.logQuery(true)
    const dur = this.expect('dur').v
    const rangeMs = parseGoDuration(dur)
    if (rangeMs === undefined || rangeMs <= 0) throw new LogqlParseError(`parse error : not a valid duration string: "${dur}"`)
    this.expect('punct', ')')
    if (sum) this.expect('punct', ')')
    if (!this.done()) throw new LogqlParseError(`parse error at line 1, col ${(this.peek() as Tok).col}: syntax error: unexpected ${(this.peek() as Tok).v}`)
    return { kind: 'metric', fn, log, rangeMs, sum }
  }
}

/** goVersion: the Go release Loki was built with (Go 1.22 started accepting `(?<name>…)`). */
export function parseLogql (src: string, goVersion = 'go1.20.7'): ParsedQuery {
  return new Parser(tokenize(src), goVersion).query()
}

export function matchesStream (q: LogQuery, labels: Record<string, string>): boolean {
  return q.matchers.every((m) => {
    const v = labels[m.name] ?? ''
    switch (m.op) {
      case '=': return v === m.value
      case '!=': return v !== m.value
      case '=~': return (m.re as RE2).test(v)
      case '!~': return !(m.re as RE2).test(v)
    }
    return false
  })
}

export function matchesLine (q: LogQuery, line: string): boolean {
  return q.filters.every((f) => {
    switch (f.op) {
      case '|=': return line.includes(f.value)
      case '!=': return !line.includes(f.value)
      case '|~': return (f.re as RE2).test(line)
      case '!~': return !(f.re as RE2).test(line)
    }
    return false
  })
}
