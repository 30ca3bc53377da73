/**
 * Rewrites an RE2 pattern so it can never match across a newline, or returns
 * undefined when that cannot be done safely. With it, one RE2 call can test a
 * whole batch of lines joined by "\n" (flag m, so ^ and $ work per line) and the
 * answer is the same as testing each line alone: a match lies inside one line.
 * - [^...] gets \n added to the negation;
 * - \s becomes [\t\v\f\r ] (inside a positive class: its members); \D and \W outside
 *   classes exclude \n;
 * - patterns that name a newline, use text anchors (\A, \z), \P classes or flags are refused.
 */
export function lineSafe (pattern: string): string | undefined {
  if (/\(\?[a-zA-Z]/.test(pattern.replace(/\(\?P</g, ''))) return undefined
  let out = ''
  let inClass = false
  let negated = false
  let classStart = false
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i] as string
    if (c === '\\') {
      const next = pattern[i + 1]
      if (next === undefined) return undefined
      if ('AzZnP'.includes(next)) return undefined
      if (next === 'x' && /^\\x(?:0[aA]|\{0*[aA]\})/.test(pattern.slice(i))) return undefined
      if (next === 's') out += inClass ? (negated ? '\\s' : '\\t\\v\\f\\r ') : '[\\t\\v\\f\\r ]'
      else if (next === 'D' || next === 'W') {
        if (inClass && !negated) return undefined
        out += inClass ? `\\${next}` : next === 'D' ? '[^0-9\\n]' : '[^0-9A-Za-z_\\n]'
      } else out += c + next
      i += 2
      classStart = false
      continue
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':' && !negated) return undefined // [[:space:]] and friends
      if (c === ']' && !classStart) inClass = false
      out += c
      classStart = false
      i++
      continue
    }
    if (c === '[') {
      inClass = true
      classStart = true
      negated = pattern[i + 1] === '^'
      out += negated ? '[^\\n' : '['
      i += negated ? 2 : 1
      continue
    }
    out += c
    i++
  }
  return inClass ? undefined : out
}
