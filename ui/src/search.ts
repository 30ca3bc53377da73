/**
 * The search box and its "Ignore case" switch, kept in the one `q` of the URL (the hash format
 * has no other place for it). Plain text is matched as written, case-sensitively (LogQL `|=`);
 * ignoring case sends the text as an escaped regex with the i flag, `/<escaped text>/i`, which
 * the server turns into the form the Loki in use accepts. A `/regex/` the user typed carries its
 * own flags and is sent as it is.
 */

// The characters RE2 gives a meaning, as the server's escapeRegexText escapes them.
const META = /[\\^$.|?*+()[\]{}]/g
const ESCAPED_ONLY = /^(?:\\[\\^$.|?*+()[\]{}]|[^\\^$.|?*+()[\]{}])*$/s

export function escapeRegexText (text: string): string {
  return text.replace(META, '\\$&')
}

/** `/.../` or `/.../flags`: the server reads it as a regex. */
export function isRegexQuery (q: string): boolean {
  return /^\/.*\/[a-z]*$/s.test(q.trim())
}

/** What to send as `q` for the box's text and the switch. */
export function composeQuery (text: string, ignoreCase: boolean): string {
  const t = text.trim()
  if (t === '' || isRegexQuery(t) || !ignoreCase) return t
  return `/${escapeRegexText(t)}/i`
}

/** The box's text and the switch for a `q` from the URL: `/escaped text/i` reads back as the text with "ignore case". */
export function splitQuery (q: string): { text: string, ignoreCase: boolean } {
  const m = /^\/(.+)\/i$/s.exec(q.trim())
  if (m !== null && ESCAPED_ONLY.test(m[1] as string)) {
    const text = (m[1] as string).replace(/\\([\\^$.|?*+()[\]{}])/g, '$1')
    // Text that would itself read as a regex must stay one, or it would change meaning.
    if (!isRegexQuery(text)) return { text, ignoreCase: true }
  }
  return { text: q, ignoreCase: false }
}
