/** What a client may name its request: short, and nothing a log line or a terminal would interpret. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * The client's `x-request-id`, when it is safe to log beside ours; undefined otherwise. It never
 * replaces the server's id, which keys the audit rows and the logs.
 */
export function clientRequestId (header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : undefined
}
