/**
 * Text helpers every log source shares (Loki builds LogQL with them, the file
 * source and the search parser match with them): no source imports another's code.
 */

/** Lone UTF-16 surrogates, which no UTF-8 log line holds, become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
export const wellFormed = (s: string) => s.replace(LONE_SURROGATE, '\uFFFD')

const META = /[\\^$.|?*+()[\]{}]/g

/** `a.b` → `a\.b`: the text matched literally by an RE2 (and Go) regex. */
export function escapeRegexText (text: string): string {
  return text.replace(META, '\\$&')
}
