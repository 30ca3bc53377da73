/**
 * Where the login page may send the user afterwards: only a path on this site under
 * BASE_PATH. Anything else (other origins, //host, backslashes, javascript:) → the app.
 */
export function safeNext (next: string | null, base: string, origin: string): string {
  const home = base + '/'
  if (next === null || next === '' || next.length > 2048) return home
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\s]/.test(next) || /%5c/i.test(next)) return home
  let u: URL
  try { u = new URL(next, origin) } catch { return home }
  if (u.origin !== origin) return home
  if (base !== '' && u.pathname !== base && !u.pathname.startsWith(base + '/')) return home
  if (u.pathname === `${base}/login` || u.pathname.startsWith(`${base}/api/`)) return home
  return u.pathname + u.search + u.hash
}
