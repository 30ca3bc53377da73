/**
 * PostgreSQL text and jsonb cannot hold U+0000, nor a lone UTF-16 surrogate (22P05). Such
 * characters are replaced with U+FFFD, and the alert says which fields were changed.
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
// eslint-disable-next-line no-control-regex
const UNSTORABLE_TEST = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export const REPLACEMENT = '\uFFFD'
/** The annotation that lists the fields whose text was made storable. */
export const SANITIZED_ANNOTATION = 'tovwatch_sanitized'

export const isStorable = (s: string) => !UNSTORABLE_TEST.test(s)

export function storable (s: string): string {
  return isStorable(s) ? s : s.replace(UNSTORABLE, REPLACEMENT)
}

/** A string map with every key and value storable; `changed` collects the names of the fields changed. */
export function storableMap (map: Record<string, string>, where: string, changed: string[]): Record<string, string> {
  let clean = true
  for (const [k, v] of Object.entries(map)) if (!isStorable(k) || !isStorable(v)) { clean = false; break }
  if (clean) return map
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(map)) {
    const key = storable(k)
    if (key !== k || storable(v) !== v) changed.push(`${where}.${key}`)
    out[key] = storable(v)
  }
  return out
}
