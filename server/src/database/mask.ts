/**
 * Replaces the literals of a SQL text with `?` so that query texts shown to admins
 * never carry players' data: quoted strings (including E'', B'', X'', U&''),
 * dollar-quoted bodies and numbers. Identifiers ("quoted" or bare) and comments stay.
 * A small scanner, not a parser: it only has to know where literals start and end.
 */
export function maskQuery (sql: string, maxLength = 500): string {
  let out = ''
  let i = 0
  const n = sql.length
  while (i < n && out.length <= maxLength) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      const stop = end === -1 ? n : end
      out += sql.slice(i, stop)
      i = stop
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2)
      const stop = end === -1 ? n : end + 2
      out += sql.slice(i, stop)
      i = stop
    } else if (c === '"') {
      const stop = endOfQuoted(sql, i, '"')
      out += sql.slice(i, stop)
      i = stop
    } else if (c === "'") {
      i = endOfQuoted(sql, i, "'")
      out += '?'
    } else if ((c === 'E' || c === 'e') && next === "'" && !isIdentChar(sql[i - 1])) {
      i = endOfEscaped(sql, i + 1)
      out += '?'
    } else if ((c === 'B' || c === 'b' || c === 'X' || c === 'x' || c === 'N' || c === 'n') && next === "'" && !isIdentChar(sql[i - 1])) {
      i = endOfQuoted(sql, i + 1, "'")
      out += '?'
    } else if ((c === 'U' || c === 'u') && next === '&' && sql[i + 2] === "'" && !isIdentChar(sql[i - 1])) {
      i = endOfQuoted(sql, i + 2, "'")
      out += '?'
    } else if (c === '$' && !isIdentChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64))
      if (tag !== null) {
        const end = sql.indexOf(tag[0], i + tag[0].length)
        i = end === -1 ? n : end + tag[0].length
        out += '?'
      } else {
        // $1 parameters are placeholders already.
        const m = /^\$\d+/.exec(sql.slice(i))
        out += m?.[0] ?? '$'
        i += m?.[0].length ?? 1
      }
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      if (isIdentChar(sql[i - 1])) {
        out += c
        i++
      } else {
        const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i, i + 128))
        i += m?.[0].length ?? 1
        out += '?'
      }
    } else if (isIdentStart(c)) {
      let j = i + 1
      while (j < n && isIdentChar(sql[j])) j++
      out += sql.slice(i, j)
      i = j
    } else {
      out += c
      i++
    }
  }
  const collapsed = out.replace(/\s+/g, ' ').trim()
  return collapsed.length > maxLength || i < n ? collapsed.slice(0, maxLength) + '…' : collapsed
}

function isDigit (c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

function isIdentStart (c: string): boolean {
  return /[A-Za-z_\u0080-\uffff]/.test(c)
}

function isIdentChar (c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c)
}

/** Index after a literal quoted with q that doubles q to escape it. Unterminated: the end. */
function endOfQuoted (sql: string, start: number, q: string): number {
  let i = start + 1
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) { i += 2; continue }
      return i + 1
    }
    i++
  }
  return sql.length
}

/** E'...' strings also escape with a backslash. */
function endOfEscaped (sql: string, start: number): number {
  let i = start + 1
  while (i < sql.length) {
    if (sql[i] === '\\') { i += 2; continue }
    if (sql[i] === "'") {
      if (sql[i + 1] === "'") { i += 2; continue }
      return i + 1
    }
    i++
  }
  return sql.length
}
