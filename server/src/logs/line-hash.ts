import { createHash } from 'node:crypto'

/**
 * A short hash of a raw log line. A sample carries it so the lines around it can be found
 * again (errors/context/) even when several lines share its instant; the sample's own text
 * is redacted and clipped, so it cannot be compared with the stored line itself.
 */
export function lineHash (line: string): string {
  return createHash('sha256').update(line).digest('hex').slice(0, 16)
}
