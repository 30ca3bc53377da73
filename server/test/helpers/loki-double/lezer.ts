/**
 * Every query the double receives is parsed with Grafana's own LogQL grammar
 * (@grafana/lezer-logql). A tree with an error node is a query Loki would refuse:
 * the double answers it as Loki does (400, plain text "parse error at line L, col C:
 * syntax error: ...") and records it, so a query-builder bug fails the test instead
 * of hiding behind an error path that the app handles gracefully.
 */
import { parser } from '@grafana/lezer-logql'

/** Lezer parses of queries already seen (the feed repeats the same ~10 KB queries). */
const memo = new Map<string, string | null>()
const MEMO_MAX = 2000

function describeToken (query: string, at: number): string {
  const rest = query.slice(at)
  if (rest.trim() === '') return '$end'
  const s = rest.trimStart()
  if (/^[A-Za-z_]/.test(s)) return `IDENTIFIER ${/^[A-Za-z_][A-Za-z0-9_]*/.exec(s)?.[0] ?? ''}`
  if (/^[0-9]/.test(s)) return `NUMBER ${/^[0-9.]+[a-z]*/.exec(s)?.[0] ?? ''}`
  if (s.startsWith('"') || s.startsWith('`')) return 'STRING'
  return /^(\|=|\|~|!=|!~|=~|\|\||[^\s])/.exec(s)?.[0] ?? '$end'
}

/** An unterminated "..." or `...` literal that starts before `at`, if any. */
function unterminatedLiteral (query: string, at: number): number | undefined {
  let i = 0
  while (i < query.length && i <= at) {
    const c = query[i]
    if (c === '"') {
      let j = i + 1
      while (j < query.length && query[j] !== '"' && query[j] !== '\n') j += query[j] === '\\' ? 2 : 1
      if (j >= query.length || query[j] === '\n') return i
      i = j + 1
    } else if (c === '`') {
      const j = query.indexOf('`', i + 1)
      if (j < 0) return i
      i = j + 1
    } else {
      i++
    }
  }
  return undefined
}

function position (query: string, at: number): string {
  const before = query.slice(0, at)
  const line = before.split('\n').length
  const col = at - (before.lastIndexOf('\n') + 1) + 1
  return `line ${line}, col ${col}`
}

/**
 * Loki's parse-error text for a query lezer-logql rejects, or undefined when the tree
 * has no error node. Positions are 1-based, as Loki's are.
 */
export function lezerParseError (query: string): string | undefined {
  const known = memo.get(query)
  if (known !== undefined) return known ?? undefined
  let first: number | undefined
  if (query.trim() === '') first = 0
  else {
    parser.parse(query).iterate({
      enter (n) {
        if (first === undefined && n.type.isError) first = n.from
        return first === undefined
      },
    })
  }
  let message: string | null = null
  if (first !== undefined) {
    const literal = unterminatedLiteral(query, first)
    message = literal !== undefined
      ? `parse error at ${position(query, literal)}: literal not terminated`
      : `parse error at ${position(query, first)}: syntax error: unexpected ${describeToken(query, first)}`
  }
  if (memo.size >= MEMO_MAX) memo.clear()
  memo.set(query, message)
  return message ?? undefined
}
