import { badRequest } from './errors.js'

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i

/** An instant: ISO-8601 with Z or an offset. A bare local time is refused: it is ambiguous. */
export function parseInstant (value: string, field: string): Date {
  if (!ISO_WITH_ZONE.test(value)) {
    throw badRequest(`"${field}" must be an ISO-8601 time with Z or an offset, e.g. 2026-03-29T18:00:00+01:00 (got "${value.slice(0, 40)}").`, { field })
  }
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw badRequest(`"${field}" is not a real date and time.`, { field })
  return d
}
